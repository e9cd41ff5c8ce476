/** The conversation opencode's stores hold in the fixtures, and its facts worked out by hand. */

export type Obj = Record<string, unknown>;
export interface Msg {
  id: string;
  time: number;
  data: Obj;
  parts: { id: string; data: Obj }[];
}
export interface Sess {
  id: string;
  parentID?: string;
  title: string;
  created: number;
  messages: Msg[];
}

export interface Totals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
  cost: number;
}

export interface SessionFacts {
  id: string;
  parentId?: string;
  kind: 'root' | 'sub-agent';
  title: string;
  timestamp: string;
  /** Entries per type: message roles by role, other entries by type. */
  counts: Record<string, number>;
  totals: Totals;
}

export const CWD = '/home/u/my-app';
export const T0 = 1755698711204;
export const PROJECT = '4b1e9c0d2f7a86e5b3c1d0e9f8a7b6c5d4e3f2a1';
export const ROOT = 'ses_3a9f0c1e5ffeQ2wLx7Rk1bNcVd';
export const CHILD = 'ses_3a9e8d2b1ffeM4pZq9Tt6yHsJa';
export const LATE = 'ses_3a9d7c3a4ffeW8nBv2Gc5eUiKo';
export const MIGRATED = 'ses_3a9c6b4d5ffeR1sDf6Hj8kLmNp';

export const tokens = (input: number, output: number, reasoning: number, read: number, write: number, total?: number) => ({
  ...(total === undefined ? {} : { total }),
  input,
  output,
  reasoning,
  cache: { read, write },
});
export const stepStart = (id: string): { id: string; data: Obj } => ({ id, data: { type: 'step-start', snapshot: 'e3b0c44298fc' } });
export const stepFinish = (id: string, reason: string, cost: number, t: Obj) => ({
  id,
  data: { type: 'step-finish', reason, snapshot: 'e3b0c44298fc', cost, tokens: t },
});
export const textPart = (id: string, text: string, at: number) => ({ id, data: { type: 'text', text, time: { start: at, end: at + 50 } } });
const tool = (id: string, callID: string, name: string, input: Obj, state: Obj) => ({
  id,
  data: { type: 'tool', callID, tool: name, state: { input, title: name, metadata: {}, ...state } },
});
export const user = (id: string, time: number, parts: { id: string; data: Obj }[]): Msg => ({
  id,
  time,
  data: { role: 'user', time: { created: time }, agent: 'build', model: { providerID: 'anthropic', modelID: 'claude-sonnet-4-5' } },
  parts,
});
export const assistant = (
  id: string,
  time: number,
  parentID: string,
  last: Obj,
  cost: number,
  parts: Msg['parts'],
  extra: Obj = {},
): Msg => ({
  id,
  time,
  data: {
    role: 'assistant',
    time: { created: time, completed: time + 9000 },
    parentID,
    modelID: 'claude-sonnet-4-5',
    providerID: 'anthropic',
    mode: 'build',
    agent: 'build',
    path: { cwd: CWD, root: CWD },
    cost,
    tokens: last,
    finish: 'stop',
    ...extra,
  },
  parts,
});

// The root session: a three-step tool-using turn (one step's reasoning on top of its output, one
// step from before opencode took reasoning out of output, its `total` showing that), a task tool
// that ran the child session, then a compaction (a user message with a compaction part, and the
// summary: a real call of its own).
const step3 = tokens(1200, 180, 50, 7000, 20, 8400);
export const rootSession: Sess = {
  id: ROOT,
  title: 'Fix strict build',
  created: T0,
  messages: [
    user('msg_c5f0a1000001Aa', T0 + 10_000, [textPart('prt_c5f0a1000002Ab', 'Why does the build fail?', T0 + 10_000)]),
    assistant('msg_c5f0a1100001Ba', T0 + 10_100, 'msg_c5f0a1000001Aa', step3, 0.0364, [
      stepStart('prt_c5f0a1100002Bb'),
      { id: 'prt_c5f0a1100003Bc', data: { type: 'reasoning', text: 'Check tsconfig first.', time: { start: T0 + 10_200 } } },
      tool(
        'prt_c5f0a1100004Bd',
        'toolu_01',
        'read',
        { filePath: `${CWD}/tsconfig.json` },
        {
          status: 'completed',
          output: '{"compilerOptions":{"strict":true}}',
          time: { start: T0 + 10_300, end: T0 + 10_350 },
        },
      ),
      stepFinish('prt_c5f0a1100005Be', 'tool-calls', 0.0171, tokens(900, 130, 0, 7000, 880, 8910)),
      stepStart('prt_c5f0a1100006Bf'),
      tool(
        'prt_c5f0a1100007Bg',
        'toolu_02',
        'task',
        { description: 'Find callers', prompt: 'Find the callers of parseConfig', subagent_type: 'explore' },
        {
          status: 'completed',
          output: 'Found 2 callers of parseConfig',
          metadata: { sessionId: CHILD },
          time: { start: T0 + 11_000, end: T0 + 15_000 },
        },
      ),
      stepFinish('prt_c5f0a1100008Bh', 'tool-calls', 0.0052, tokens(1100, 60, 40, 7880, 0, 9080)),
      stepStart('prt_c5f0a1100009Bi'),
      textPart('prt_c5f0a110000aBj', '`strict` is on and src/a.ts has an implicit any.', T0 + 16_000),
      stepFinish('prt_c5f0a110000bBk', 'stop', 0.0141, step3),
    ]),
    user('msg_c5f0a2000001Ca', T0 + 20_000, [{ id: 'prt_c5f0a2000002Cb', data: { type: 'compaction', auto: true } }]),
    assistant(
      'msg_c5f0a2100001Da',
      T0 + 20_100,
      'msg_c5f0a2000001Ca',
      tokens(300, 90, 0, 0, 0, 390),
      0.002,
      [
        stepStart('prt_c5f0a2100002Db'),
        textPart('prt_c5f0a2100003Dc', 'Summary: the build fails on an implicit any under strict mode.', T0 + 20_200),
        stepFinish('prt_c5f0a2100004Dd', 'stop', 0.002, tokens(300, 90, 0, 0, 0, 390)),
      ],
      { summary: true, mode: 'compaction', agent: 'compaction' },
    ),
  ],
};

// The task tool's child session: two calls, one tool failing.
const childLast = tokens(200, 30, 0, 800, 0, 1030);
export const childSession: Sess = {
  id: CHILD,
  parentID: ROOT,
  title: 'Find callers (@explore subagent)',
  created: T0 + 11_000,
  messages: [
    user('msg_c5f0b1000001Ea', T0 + 11_100, [textPart('prt_c5f0b1000002Eb', 'Find the callers of parseConfig', T0 + 11_100)]),
    assistant('msg_c5f0b1100001Fa', T0 + 11_200, 'msg_c5f0b1000001Ea', childLast, 0.004, [
      stepStart('prt_c5f0b1100002Fb'),
      tool(
        'prt_c5f0b1100003Fc',
        'call_g1',
        'grep',
        { pattern: 'parseConfig' },
        {
          status: 'completed',
          output: 'src/a.ts:3\nsrc/b.ts:9',
          time: { start: T0 + 11_300, end: T0 + 11_320 },
        },
      ),
      tool(
        'prt_c5f0b1100004Fd',
        'call_r1',
        'read',
        { filePath: `${CWD}/src/c.ts` },
        {
          status: 'error',
          error: 'File not found: src/c.ts',
          time: { start: T0 + 11_330, end: T0 + 11_340 },
        },
      ),
      stepFinish('prt_c5f0b1100005Fe', 'tool-calls', 0.003, tokens(500, 40, 0, 0, 300, 840)),
      stepStart('prt_c5f0b1100006Ff'),
      textPart('prt_c5f0b1100007Fg', 'Two callers: src/a.ts and src/b.ts.', T0 + 12_000),
      stepFinish('prt_c5f0b1100008Fh', 'stop', 0.001, childLast),
    ]),
  ],
};

// Written only to the WAL in the database layout: a session since the last checkpoint.
export const lateSession: Sess = {
  id: LATE,
  title: 'And the tests?',
  created: T0 + 60_000,
  messages: [
    user('msg_c5f0c1000001Ga', T0 + 60_100, [textPart('prt_c5f0c1000002Gb', 'Do the tests pass?', T0 + 60_100)]),
    assistant('msg_c5f0c1100001Ha', T0 + 60_200, 'msg_c5f0c1000001Ga', tokens(400, 20, 0, 0, 0, 420), 0.001, [
      stepStart('prt_c5f0c1100002Hb'),
      textPart('prt_c5f0c1100003Hc', 'They pass.', T0 + 60_300),
      stepFinish('prt_c5f0c1100004Hd', 'stop', 0.001, tokens(400, 20, 0, 0, 0, 420)),
    ]),
  ],
};

export const iso = (ms: number) => new Date(ms).toISOString();

/** The facts of each session, by hand from the steps above (never from the adapter). */
export const FACTS: Record<string, SessionFacts> = {
  [ROOT]: {
    id: ROOT,
    kind: 'root',
    title: 'Fix strict build',
    timestamp: iso(T0),
    // 3 steps of the turn + the compaction's call; read and task results; the compaction part's user message has no text.
    counts: { user: 1, assistant: 4, toolResult: 2, compaction: 1, session_info: 1 },
    // steps: 900/130/7000/880 (8910), 1100/60+40/7880/0 (9080), 1200/180 (reasoning 50 inside: total 8400)/7000/20, compaction 300/90
    totals: { input: 3500, output: 500, cacheRead: 21880, cacheWrite: 900, totalTokens: 26780, cost: 0.0384 },
  },
  [CHILD]: {
    id: CHILD,
    parentId: ROOT,
    kind: 'sub-agent',
    title: 'Find callers (@explore subagent)',
    timestamp: iso(T0 + 11_000),
    counts: { user: 1, assistant: 2, toolResult: 2, session_info: 1 },
    totals: { input: 700, output: 70, cacheRead: 800, cacheWrite: 300, totalTokens: 1870, cost: 0.004 },
  },
  [LATE]: {
    id: LATE,
    kind: 'root',
    title: 'And the tests?',
    timestamp: iso(T0 + 60_000),
    counts: { user: 1, assistant: 1, session_info: 1 },
    totals: { input: 400, output: 20, cacheRead: 0, cacheWrite: 0, totalTokens: 420, cost: 0.001 },
  },
};
