import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Gemini CLI chat files as the CLI lays them out under its home (`<home>/.gemini/tmp/<project
 * slug>/chats/`), written the way its ChatRecordingService writes them: a message line again for
 * every change of the message (tokens arriving, tool calls completing), a tool response recorded as
 * a user message, `$set` updates after each message, a rewind, a compression checkpoint, a
 * sub-agent's chat in `chats/<parentSessionId>/<agentId>.jsonl`, a legacy pretty-printed `.json`,
 * a `.json` resumed into a `.jsonl` twin, a torn last line and a record of an unknown shape.
 *
 * The expected facts are worked out by hand from the format's rules: a `gemini` message is one
 * model call; `tokens.input` includes `cached`; thoughts are billed as output and tool-use prompt
 * tokens as input; so each call's total equals the `total` Gemini reported.
 */
export interface GeminiExpected {
  id: string;
  kind: 'root' | 'sub-agent';
  parentId?: string;
  parentPath?: string;
  cwd: string;
  timestamp: string;
  title: string;
  /** Every entry, the session_info one included. */
  entries: number;
  /** Message entries by role, abandoned branches included. */
  messages: { user: number; assistant: number; toolResult: number };
  /** User and assistant messages on the active path (the final message list). */
  activePath: { user: number; assistant: number };
  compactions: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; totalTokens: number };
}

export interface GeminiHome {
  home: string;
  /** `<home>/.gemini/tmp`, the adapter's home. */
  tmp: string;
  projectRoot: string;
  projectHash: string;
  chats: string;
  main: string;
  sub: string;
  compressed: string;
  legacy: string;
  twinJson: string;
  twinJsonl: string;
  torn: string;
  expected: Record<'main' | 'sub' | 'compressed' | 'legacy' | 'twinJsonl' | 'torn', GeminiExpected>;
}

export const PROJECT_ROOT = '/home/ada/work/My Parser';
const MODEL = 'gemini-2.5-pro';

export const ids = {
  main: '1f0c2a51-6a3e-4c57-9d0b-5e2f8a7c3b11',
  sub: '7d4e9b20-3c1a-4f8e-a6d2-0b9c8e7f6a55',
  compressed: '2b8d7c6e-5f4a-4b3c-8d2e-1f0a9b8c7d22',
  legacy: '3c9e8d7f-6a5b-4c4d-9e3f-2a1b0c9d8e33',
  twin: '4dafe9e0-7b6c-4d5e-af40-3b2c1d0e9f44',
  torn: '5eb0fa01-8c7d-4e6f-b051-4c3d2e1f0a66',
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const at = (minute: number, second = 0) => `2026-05-01T10:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.000Z`;
const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

type Tokens = { input: number; output: number; cached: number; thoughts: number; tool: number; total: number };
const tokens = (input: number, output: number, cached: number, thoughts = 0, tool = 0): Tokens => ({
  input,
  output,
  cached,
  thoughts,
  tool,
  total: input + output + thoughts + tool,
});

const user = (id: string, time: string, text: string) => ({ id, timestamp: time, type: 'user', content: [{ text }] });
const gemini = (id: string, time: string, text: string, extra: Record<string, unknown> = {}) => ({
  id,
  timestamp: time,
  type: 'gemini',
  content: text,
  thoughts: [],
  tokens: null,
  model: MODEL,
  ...extra,
});
const response = (callId: string, name: string, body: Record<string, unknown>) => [
  { functionResponse: { id: callId, name, response: body } },
];
const call = (
  callId: string,
  name: string,
  args: Record<string, unknown>,
  status: string,
  body: Record<string, unknown>,
  time: string,
  more = {},
) => ({
  id: callId,
  name,
  args,
  result: response(callId, name, body),
  status,
  timestamp: time,
  displayName: name,
  description: '',
  renderOutputAsMarkdown: false,
  ...more,
});
/** The synthetic user message the CLI records for a tool response (for resuming). */
const toolTurn = (id: string, time: string, callId: string, name: string, body: Record<string, unknown>) => ({
  id,
  timestamp: time,
  type: 'user',
  content: response(callId, name, body),
});
const touched = (time: string) => ({ $set: { lastUpdated: time } });

export function writeGeminiHome(home: string): GeminiHome {
  const tmp = join(home, '.gemini', 'tmp');
  const project = join(tmp, 'my-parser');
  const chats = join(project, 'chats');
  mkdirSync(join(chats, ids.main), { recursive: true });
  const projectHash = sha256(PROJECT_ROOT);
  writeFileSync(join(home, '.gemini', 'projects.json'), JSON.stringify({ projects: { [PROJECT_ROOT]: 'my-parser' } }, null, 2));
  writeFileSync(join(project, '.project_root'), PROJECT_ROOT);
  const meta = (sessionId: string, start: string, more: Record<string, unknown> = {}) => ({
    sessionId,
    projectHash,
    startTime: start,
    lastUpdated: start,
    kind: 'main',
    ...more,
  });

  // --- The main session: rewrites, a rewind, a sub-agent call, an info line, an unknown record, a title.
  const m = (n: number) => `a1000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
  const readFile = call(
    'read_file-1',
    'read_file',
    { absolute_path: 'src/parser.ts' },
    'success',
    { output: 'export function parse() {}' },
    at(1, 20),
  );
  const runTests = call(
    'run_shell_command-2',
    'run_shell_command',
    { command: 'npm test' },
    'error',
    { error: 'Command exited with code 1' },
    at(2, 20),
  );
  const investigate = call(
    'codebase_investigator-3',
    'codebase_investigator',
    { objective: 'find callers of parse()' },
    'success',
    { output: '2 callers' },
    at(7, 0),
    {
      agentId: ids.sub,
    },
  );
  const g1 = gemini(m(2), at(1, 10), "I'll read the parser first.", {
    thoughts: [{ subject: 'Planning', description: 'Look at parser.ts', timestamp: at(1, 5) }],
    tokens: tokens(1000, 50, 0, 20),
  });
  const g2 = gemini(m(4), at(2, 10), 'Now I will run the tests.', { tokens: tokens(1500, 40, 800) });
  const g5 = gemini(m(10), at(6, 10), 'Delegating the search to the codebase investigator.', { tokens: tokens(2300, 40, 2000, 10, 5) });
  const main = join(chats, 'session-2026-05-01T10-00-1f0c2a51.jsonl');
  writeFileSync(
    main,
    jsonl([
      meta(ids.main, at(0)),
      user(m(1), at(1), 'Fix the failing test in parser.ts'),
      touched(at(1)),
      g1,
      touched(at(1, 10)),
      { ...g1, toolCalls: [readFile] },
      toolTurn(m(3), at(1, 21), 'read_file-1', 'read_file', { output: 'export function parse() {}' }),
      g2,
      { ...g2, toolCalls: [{ ...runTests, status: 'executing', result: null }] },
      { ...g2, toolCalls: [runTests] },
      toolTurn(m(5), at(2, 21), 'run_shell_command-2', 'run_shell_command', { error: 'Command exited with code 1' }),
      gemini(m(6), at(3), 'parse() returns nothing; I will fix it.', { tokens: tokens(2000, 100, 1500, 30) }),
      user(m(7), at(4), 'Actually, rewrite the parser from scratch'),
      gemini(m(8), at(4, 10), 'Rewriting the parser from scratch.', { tokens: tokens(2200, 60, 1800) }),
      { $rewindTo: m(7) },
      user(m(9), at(6), 'No, just add the missing return statement'),
      g5,
      { ...g5, toolCalls: [investigate] },
      toolTurn(m(11), at(7, 1), 'codebase_investigator-3', 'codebase_investigator', { output: '2 callers' }),
      gemini(m(12), at(8), 'Done: parse() now returns the AST.', { tokens: tokens(2600, 30, 2300) }),
      { id: m(13), timestamp: at(8, 30), type: 'info', content: 'Checkpoint saved.' },
      { $checkpointTag: { name: 'after-fix' } },
      touched(at(9)),
      { $set: { summary: 'Fix parse() return value' } },
    ]),
  );

  // --- The sub-agent the main session's codebase_investigator call ran.
  const s = (n: number) => `b2000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
  const grep = call('grep_search-1', 'grep_search', { pattern: 'parse\\(' }, 'success', { output: 'src/a.ts:3\nsrc/b.ts:9' }, at(6, 40));
  const sg1 = gemini(s(2), at(6, 30), 'Searching for callers.', { model: 'gemini-2.5-flash', tokens: tokens(400, 15, 0, 5) });
  const sub = join(chats, ids.main, `${ids.sub}.jsonl`);
  writeFileSync(
    sub,
    jsonl([
      meta(ids.sub, at(6, 20), { kind: 'subagent', directories: [PROJECT_ROOT] }),
      user(s(1), at(6, 21), 'find callers of parse()'),
      sg1,
      { ...sg1, toolCalls: [grep] },
      toolTurn(s(3), at(6, 41), 'grep_search-1', 'grep_search', { output: 'src/a.ts:3\nsrc/b.ts:9' }),
      gemini(s(4), at(6, 50), 'Found 2 callers.', { model: 'gemini-2.5-flash', tokens: tokens(700, 20, 300) }),
    ]),
  );

  // --- A compression: a synthetic summary and acknowledgement, then a `$set.messages` checkpoint.
  const c = (n: number) => `c3000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
  const list = call('list_directory-1', 'list_directory', { dir_path: '.' }, 'success', { output: 'packages/\nREADME.md' }, at(20, 20));
  const cg1 = gemini(c(2), at(20, 10), '', { toolCalls: [list] });
  const summaryTurn = user(c(6), at(22), '<state_snapshot>The repo has three packages.</state_snapshot>');
  const ack = { id: c(7), timestamp: at(22, 1), type: 'gemini', content: [{ text: 'Got it. Thanks for the additional context!' }] };
  const prompt2 = user(c(5), at(21), 'Now list the tests');
  const compressed = join(chats, 'session-2026-05-01T10-20-2b8d7c6e.jsonl');
  writeFileSync(
    compressed,
    jsonl([
      meta(ids.compressed, at(20)),
      user(c(1), at(20, 1), 'Summarise the repo'),
      cg1,
      { ...cg1, tokens: tokens(500, 20, 0) },
      toolTurn(c(3), at(20, 21), 'list_directory-1', 'list_directory', { output: 'packages/\nREADME.md' }),
      gemini(c(4), at(20, 30), 'The repo has three packages.', { tokens: tokens(900, 200, 400, 100) }),
      prompt2,
      summaryTurn,
      ack,
      { $set: { messages: [summaryTurn, ack, prompt2], lastUpdated: at(22, 2) } },
      gemini(c(8), at(22, 10), 'The tests are in test/.', { tokens: tokens(300, 25, 0) }),
    ]),
  );

  // --- A legacy chat (v0.38 and before): one object, pretty-printed, with an info message.
  const legacy = join(chats, 'session-2026-03-01T09-00-3c9e8d7f.json');
  writeFileSync(
    legacy,
    JSON.stringify(
      {
        sessionId: ids.legacy,
        projectHash,
        startTime: '2026-03-01T09:00:00.000Z',
        lastUpdated: '2026-03-01T09:01:00.000Z',
        messages: [
          user('d4000000-0000-4000-8000-000000000001', '2026-03-01T09:00:10.000Z', 'What does this repo do?'),
          gemini('d4000000-0000-4000-8000-000000000002', '2026-03-01T09:00:20.000Z', 'It is a parser.', { tokens: tokens(300, 12, 100) }),
          { id: 'd4000000-0000-4000-8000-000000000003', timestamp: '2026-03-01T09:00:30.000Z', type: 'info', content: 'Update available.' },
        ],
        kind: 'main',
      },
      null,
      2,
    ),
  );

  // --- A legacy chat resumed by v0.39+: the `.jsonl` twin copies it, then goes on.
  const e = (n: number) => `e5000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
  const twinStart = '2026-04-01T08:00:00.000Z';
  const twinMessages = [
    user(e(1), '2026-04-01T08:00:10.000Z', 'hello'),
    gemini(e(2), '2026-04-01T08:00:20.000Z', 'Hi.', { tokens: tokens(100, 5, 0) }),
  ];
  const twinJson = join(chats, 'session-2026-04-01T08-00-4dafe9e0.json');
  writeFileSync(
    twinJson,
    JSON.stringify({ sessionId: ids.twin, projectHash, startTime: twinStart, lastUpdated: twinStart, messages: twinMessages }, null, 2),
  );
  const twinJsonl = `${twinJson}l`;
  writeFileSync(
    twinJsonl,
    jsonl([
      { sessionId: ids.twin, projectHash, startTime: twinStart, lastUpdated: twinStart },
      ...twinMessages,
      { $set: { sessionId: ids.twin } },
      user(e(3), '2026-04-02T08:00:00.000Z', 'again'),
      gemini(e(4), '2026-04-02T08:00:10.000Z', 'Hi again.', { tokens: tokens(150, 6, 100) }),
    ]),
  );

  // --- A chat the CLI is still writing: its last line is cut short.
  const torn = join(chats, 'session-2026-05-01T11-00-5eb0fa01.jsonl');
  writeFileSync(
    torn,
    jsonl([
      meta(ids.torn, '2026-05-01T11:00:00.000Z'),
      user('f6000000-0000-4000-8000-000000000001', '2026-05-01T11:00:01.000Z', 'ping'),
      gemini('f6000000-0000-4000-8000-000000000002', '2026-05-01T11:00:02.000Z', 'pong', { tokens: tokens(50, 3, 0) }),
    ]) + '{"id":"f6000000-0000-4000-8000-000000000003","timestamp":"2026-05-01T11:00:03.000Z","type":"gemini","content":"pa',
  );

  return {
    home,
    tmp,
    projectRoot: PROJECT_ROOT,
    projectHash,
    chats,
    main,
    sub,
    compressed,
    legacy,
    twinJson,
    twinJsonl,
    torn,
    expected: {
      // Calls: 1000/0/50+20, 1500/800/40, 2000/1500/100+30, 2200/1800/60 (rewound: still billed),
      // 2300/2000/40+10 with 5 tool-use tokens, 2600/2300/30 (input/cached/output+thoughts).
      // input = 1000 + 700 + 500 + 400 + (300 + 5) + 300; cacheRead = 800 + 1500 + 1800 + 2000 + 2300;
      // output = 70 + 40 + 130 + 60 + 50 + 30. Entries: 3 users (one rewound), 6 assistants (one
      // rewound), 3 tool results, the title; the tool-response user lines and the info line give none.
      main: {
        id: ids.main,
        kind: 'root',
        cwd: PROJECT_ROOT,
        timestamp: at(0),
        title: 'Fix parse() return value',
        entries: 13,
        messages: { user: 3, assistant: 6, toolResult: 3 },
        activePath: { user: 2, assistant: 5 },
        compactions: 0,
        tokens: { input: 3205, output: 380, cacheRead: 8400, cacheWrite: 0, totalTokens: 11985 },
      },
      // 400/0/15+5 and 700/300/20.
      sub: {
        id: ids.sub,
        kind: 'sub-agent',
        parentId: ids.main,
        parentPath: main,
        cwd: PROJECT_ROOT,
        timestamp: at(6, 20),
        title: 'find callers of parse()',
        entries: 5,
        messages: { user: 1, assistant: 2, toolResult: 1 },
        activePath: { user: 1, assistant: 2 },
        compactions: 0,
        tokens: { input: 800, output: 40, cacheRead: 300, cacheWrite: 0, totalTokens: 1140 },
      },
      // 500/0/20, 900/400/200+100, 300/0/25; the acknowledgement is no model call. Users: the two
      // prompts and the recorded summary turn. The compaction keeps "Now list the tests".
      compressed: {
        id: ids.compressed,
        kind: 'root',
        cwd: PROJECT_ROOT,
        timestamp: at(20),
        title: 'Summarise the repo',
        entries: 9,
        messages: { user: 3, assistant: 3, toolResult: 1 },
        activePath: { user: 3, assistant: 3 },
        compactions: 1,
        tokens: { input: 1300, output: 345, cacheRead: 400, cacheWrite: 0, totalTokens: 2045 },
      },
      // 300/100/12.
      legacy: {
        id: ids.legacy,
        kind: 'root',
        cwd: PROJECT_ROOT,
        timestamp: '2026-03-01T09:00:00.000Z',
        title: 'What does this repo do?',
        entries: 3,
        messages: { user: 1, assistant: 1, toolResult: 0 },
        activePath: { user: 1, assistant: 1 },
        compactions: 0,
        tokens: { input: 200, output: 12, cacheRead: 100, cacheWrite: 0, totalTokens: 312 },
      },
      // 100/0/5 and 150/100/6.
      twinJsonl: {
        id: ids.twin,
        kind: 'root',
        cwd: PROJECT_ROOT,
        timestamp: twinStart,
        title: 'hello',
        entries: 5,
        messages: { user: 2, assistant: 2, toolResult: 0 },
        activePath: { user: 2, assistant: 2 },
        compactions: 0,
        tokens: { input: 150, output: 11, cacheRead: 100, cacheWrite: 0, totalTokens: 261 },
      },
      // 50/0/3; the torn reply is passed over.
      torn: {
        id: ids.torn,
        kind: 'root',
        cwd: PROJECT_ROOT,
        timestamp: '2026-05-01T11:00:00.000Z',
        title: 'ping',
        entries: 3,
        messages: { user: 1, assistant: 1, toolResult: 0 },
        activePath: { user: 1, assistant: 1 },
        compactions: 0,
        tokens: { input: 50, output: 3, cacheRead: 0, cacheWrite: 0, totalTokens: 53 },
      },
    },
  };
}
