import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuidV5 } from '../../../src/util/uuid-v5.js';

/**
 * Claude Code session files as Claude Code lays them out under its home, with the facts a reader
 * must get from them worked out by hand (from the format's rules: what Anthropic billed, who is
 * whose parent). Record shapes follow Anthropic's own reader (claude-agent-sdk-python
 * `_internal/sessions.py`) and claude-code-log's test data.
 */

export interface ExpectedUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
}

export interface ExpectedSession {
  path: string;
  id: string;
  kind: 'root' | 'sub-agent';
  parentId?: string;
  parentPath?: string;
  timestamp: string;
  cwd: string;
  agentVersion: string;
  branch?: string;
  /** Entries per kind: message roles, plus `compaction` and `session_info`. */
  counts: Record<string, number>;
  /** The sum over assistant entries: what was billed, each response once. */
  usage: ExpectedUsage;
  title?: string;
}

export interface ClaudeHome {
  home: string;
  projects: string;
  project: string;
  cwd: string;
  main: ExpectedSession;
  /** What a reader that added every assistant row's usage (the classic double count) would report for main. */
  mainUsageSummedOverRows: ExpectedUsage;
  /** The sub-agent's own totals as the parent's Task result reports them (not the parent's usage). */
  taskResultUsage: ExpectedUsage;
  subagent: ExpectedSession;
  nested: ExpectedSession;
  oldMain: ExpectedSession;
  oldSubagent: ExpectedSession;
  continuation: ExpectedSession;
  /** main with a half-written last line appended. */
  torn: string;
  /** main with a line that is not JSON in the middle, and that line's number. */
  badJson: { path: string; line: number };
}

const CWD = '/home/ann/web.app';
const PROJECT = '-home-ann-web-app'; // every character outside [a-zA-Z0-9] becomes '-'
const S = 'b7e2c1d0-4a5f-4e8b-9c3d-2f1e0a9b8c7d';
const S_OLD = '0c4d9a2e-1b3f-4c5d-8e6f-7a8b9c0d1e2f';
const S_CONT = '3240e317-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const AGENT = 'a3f9c2e';
const NESTED = 'b81d0aa';
const OLD_AGENT = '5d1e7f0a';
const agentSessionId = (sessionId: string, agentId: string) => uuidV5(`claude-code:${sessionId}:agent-${agentId}`);

let clock = Date.parse('2026-06-01T09:00:00.000Z');
const at = () => new Date((clock += 1000)).toISOString();

const usage = (input: number, cacheWrite: number, cacheRead: number, output: number) => ({
  input_tokens: input,
  cache_creation_input_tokens: cacheWrite,
  cache_read_input_tokens: cacheRead,
  cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
  output_tokens: output,
  service_tier: 'standard',
});
const sum = (...us: ExpectedUsage[]): ExpectedUsage =>
  us.reduce((a, u) => ({
    input: a.input + u.input,
    output: a.output + u.output,
    cacheRead: a.cacheRead + u.cacheRead,
    cacheWrite: a.cacheWrite + u.cacheWrite,
    totalTokens: a.totalTokens + u.totalTokens,
  }));
const billed = (input: number, cacheWrite: number, cacheRead: number, output: number): ExpectedUsage => ({
  input,
  output,
  cacheRead,
  cacheWrite,
  totalTokens: input + output + cacheRead + cacheWrite,
});

type Rec = Record<string, unknown>;

function writer(sessionId: string, version: string, extra: Rec = {}) {
  const common = { isSidechain: false, userType: 'external', cwd: CWD, sessionId, version, gitBranch: 'main', ...extra };
  const user = (uuid: string, parentUuid: string | null, content: unknown, more: Rec = {}): Rec => ({
    parentUuid,
    ...common,
    type: 'user',
    message: { role: 'user', content },
    uuid,
    timestamp: at(),
    ...more,
  });
  const assistant = (
    uuid: string,
    parentUuid: string,
    id: string,
    requestId: string | undefined,
    block: Rec,
    u: Rec,
    stop: string | null,
    more: Rec = {},
  ): Rec => ({
    parentUuid,
    ...common,
    type: 'assistant',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-7',
      content: [block],
      stop_reason: stop,
      stop_sequence: null,
      usage: u,
    },
    ...(requestId ? { requestId } : {}),
    uuid,
    timestamp: at(),
    ...more,
  });
  const result = (uuid: string, parentUuid: string, toolUseId: string, content: unknown, toolUseResult: unknown, isError = false): Rec =>
    user(uuid, parentUuid, [{ tool_use_id: toolUseId, type: 'tool_result', content, is_error: isError }], { toolUseResult });
  return { user, assistant, result };
}

const jsonl = (records: Rec[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Writes the fixture tree under `<home>/.claude/projects/` and returns its paths and expected facts. */
export function writeClaudeHome(home: string): ClaudeHome {
  clock = Date.parse('2026-06-01T09:00:00.000Z');
  const projects = join(home, '.claude', 'projects');
  const project = join(projects, PROJECT);
  const v = '2.1.180';
  const { user, assistant, result } = writer(S, v);
  const text = (t: string) => ({ type: 'text', text: t });
  const mainStart = new Date(clock + 1000).toISOString();

  // The main session. Responses msg_01 (3 rows, two tool calls run while it streams) and msg_02
  // (2 rows) are split; their first rows carry an early output_tokens snapshot.
  const main: Rec[] = [
    {
      type: 'file-history-snapshot',
      messageId: 'u1',
      snapshot: { messageId: 'u1', trackedFileBackups: {}, timestamp: at() },
      isSnapshotUpdate: false,
    },
    user('u1', null, 'Fix the login test'),
    assistant(
      'a1',
      'u1',
      'msg_01',
      'req_01',
      { type: 'thinking', thinking: 'Run the tests first.', signature: 'sig' },
      usage(3, 2285, 22137, 2),
      null,
    ),
    assistant(
      'a2',
      'a1',
      'msg_01',
      'req_01',
      { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } },
      usage(3, 2285, 22137, 150),
      null,
    ),
    result('r1', 'a2', 'toolu_1', '1 failing: login', { stdout: '1 failing: login', stderr: '', interrupted: false }),
    assistant(
      'a3',
      'a2',
      'msg_01',
      'req_01',
      { type: 'tool_use', id: 'toolu_2', name: 'Read', input: { file_path: '/home/ann/web.app/src/login.ts' } },
      usage(3, 2285, 22137, 312),
      'tool_use',
    ),
    result('r2', 'a3', 'toolu_2', [text('export function login() {}')], { type: 'text', file: { filePath: 'src/login.ts' } }),
    assistant('a4', 'r2', 'msg_02', 'req_02', text('The mock is stale; I will survey src/web.'), usage(6, 410, 24422, 5), null),
    assistant(
      'a5',
      'a4',
      'msg_02',
      'req_02',
      {
        type: 'tool_use',
        id: 'toolu_3',
        name: 'Task',
        input: { description: 'Survey src/web', prompt: 'Survey src/web and list its modules', subagent_type: 'general-purpose' },
      },
      usage(6, 410, 24422, 220),
      'tool_use',
    ),
    {
      parentUuid: 'a5',
      isSidechain: false,
      cwd: CWD,
      sessionId: S,
      version: v,
      type: 'progress',
      data: { type: 'hook_progress', hookEvent: 'PostToolUse' },
      toolUseID: 'toolu_3',
      parentToolUseID: 'toolu_3',
      uuid: 'p1',
      timestamp: at(),
    },
    result(
      'r3',
      'p1',
      'toolu_3',
      [text(`Two modules: a and b.\nagentId: ${AGENT} (for resuming to continue this agent's work if needed)`)],
      {
        status: 'completed',
        agentId: AGENT,
        prompt: 'Survey src/web and list its modules',
        content: [text('Two modules: a and b.')],
        totalDurationMs: 41200,
        totalTokens: 46054,
        totalToolUseCount: 1,
        usage: usage(6, 925, 44223, 900),
      },
    ),
    {
      parentUuid: 'r3',
      isSidechain: false,
      cwd: CWD,
      sessionId: S,
      version: v,
      type: 'frobnicate',
      uuid: 'x1',
      timestamp: at(),
      data: { level: 3 },
    },
    { type: 'agent-colour', sessionId: S, colour: 'blue' },
    assistant('a6', 'x1', 'msg_03', 'req_03', text('Fixed: the mock returned a stale token.'), usage(4, 300, 26000, 180), 'end_turn'),
    { type: 'ai-title', aiTitle: 'Login test fix', sessionId: S },
    user(
      'm1',
      'a6',
      '<local-command-caveat>Caveat: The messages below were generated by the user while running local commands.</local-command-caveat>',
      { isMeta: true },
    ),
    {
      parentUuid: null,
      logicalParentUuid: 'a6',
      isSidechain: false,
      cwd: CWD,
      sessionId: S,
      version: v,
      type: 'system',
      subtype: 'compact_boundary',
      content: 'Conversation compacted',
      level: 'info',
      compactMetadata: { trigger: 'manual', preTokens: 26186 },
      uuid: 'cb1',
      timestamp: at(),
    },
    user('cs1', 'cb1', 'This session is being continued from a previous conversation. Summary: the login mock was fixed.', {
      isCompactSummary: true,
      isVisibleInTranscriptOnly: true,
    }),
    user('u2', 'cs1', 'Now update the docs'),
    assistant(
      'e1',
      'u2',
      'f3a1c2d4-0000-4000-8000-000000000001',
      undefined,
      text('API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}'),
      usage(0, 0, 0, 0),
      'stop_sequence',
      { isApiErrorMessage: true },
    ),
    assistant('a8', 'e1', 'msg_04', 'req_04', text('Docs updated.'), usage(5, 120, 3200, 40), 'end_turn'),
    user('b1', 'a8', '<bash-input>git status</bash-input>'),
    user('b2', 'b1', '<bash-stdout>On branch main</bash-stdout><bash-stderr></bash-stderr>'),
    { type: 'custom-title', customTitle: 'login-fix', sessionId: S },
    { type: 'last-prompt', lastPrompt: 'Now update the docs', sessionId: S },
    { type: 'summary', summary: 'Fix flaky login test', leafUuid: 'a8' },
    { type: 'queue-operation', operation: 'enqueue', timestamp: at(), sessionId: S, content: [text('also bump the version')] },
  ];
  // The session starts at u1 (a snapshot has no timestamp of its own at the top level).
  (main[1] as Rec).timestamp = mainStart;
  // An API error is written as a synthetic row: no model behind it, usage 0.
  ((main.find((r) => r.uuid === 'e1') as Rec).message as Rec).model = '<synthetic>';
  // A resumed session's file repeats u2 (same uuid): it counts once.
  main.push(main.find((r) => r.uuid === 'u2')!);
  const mainPath = write(join(project, `${S}.jsonl`), jsonl(main));
  const mainExpected: ExpectedSession = {
    path: mainPath,
    id: S,
    kind: 'root',
    timestamp: mainStart,
    cwd: CWD,
    agentVersion: v,
    branch: 'main',
    counts: { user: 2, assistant: 5, toolResult: 3, bashExecution: 1, compaction: 1, session_info: 3 },
    usage: sum(
      billed(3, 2285, 22137, 312),
      billed(6, 410, 24422, 220),
      billed(4, 300, 26000, 180),
      billed(0, 0, 0, 0),
      billed(5, 120, 3200, 40),
    ),
    title: 'login-fix',
  };
  const summedOverRows = sum(
    billed(3, 2285, 22137, 2),
    billed(3, 2285, 22137, 150),
    billed(3, 2285, 22137, 312),
    billed(6, 410, 24422, 5),
    billed(6, 410, 24422, 220),
    billed(4, 300, 26000, 180),
    billed(5, 120, 3200, 40),
  );

  // The sub-agent (layout since Claude Code 2.1.2), then one it started inside a workflow run.
  const agentDir = join(project, S, 'subagents');
  const sub = writer(S, v, { isSidechain: true, agentId: AGENT });
  const subStart = at();
  const subPath = write(
    join(agentDir, `agent-${AGENT}.jsonl`),
    jsonl([
      { ...sub.user('s-u1', null, 'Survey src/web and list its modules'), timestamp: subStart },
      sub.assistant(
        's-a1',
        's-u1',
        'msg_11',
        'req_11',
        { type: 'tool_use', id: 'toolu_11', name: 'Glob', input: { pattern: 'src/web/**' } },
        usage(4, 805, 21709, 60),
        'tool_use',
      ),
      sub.result('s-r1', 's-a1', 'toolu_11', 'src/web/a.ts\nsrc/web/b.ts', { filenames: ['src/web/a.ts', 'src/web/b.ts'] }),
      sub.assistant('s-a2', 's-r1', 'msg_12', 'req_12', text('Two modules: a and b.'), usage(2, 120, 22514, 840), 'end_turn'),
    ]),
  );
  write(
    join(agentDir, `agent-${AGENT}.meta.json`),
    JSON.stringify({ agentType: 'general-purpose', description: 'Survey src/web', toolUseId: 'toolu_3' }),
  );
  const runDir = join(agentDir, 'workflows', 'wf_01');
  const nest = writer(S, v, { isSidechain: true, agentId: NESTED });
  const nestedStart = at();
  const nestedPath = write(
    join(runDir, `agent-${NESTED}.jsonl`),
    jsonl([
      { ...nest.user('n-u1', null, 'Check b.ts for dead code'), timestamp: nestedStart },
      nest.assistant('n-a1', 'n-u1', 'msg_21', undefined, text('None found.'), usage(3, 50, 1000, 25), 'end_turn'),
    ]),
  );
  write(
    join(runDir, `agent-${NESTED}.meta.json`),
    JSON.stringify({ agentType: 'Explore', description: 'Dead code in b.ts', toolUseId: 'toolu_12', parentAgentId: AGENT }),
  );
  write(
    join(runDir, 'journal.jsonl'),
    jsonl([
      { type: 'started', key: 'v2:k0', agentId: NESTED },
      { type: 'result', key: 'v2:k0', agentId: NESTED, result: 'None found.' },
    ]),
  );

  // An older session (before 2.1.2): its sub-agent's file sits in the project folder.
  const oldV = '2.0.77';
  const old = writer(S_OLD, oldV, { gitBranch: 'feature/x' });
  const oldStart = at();
  const oldPath = write(
    join(project, `${S_OLD}.jsonl`),
    jsonl([
      { type: 'summary', summary: 'Rename the helpers', leafUuid: 'zz-older' },
      { ...old.user('o-u1', null, [text('Rename the helpers')]), timestamp: oldStart },
      old.assistant('o-a1', 'o-u1', 'msg_31', 'req_31', text('Renamed.'), usage(10, 0, 5000, 30), 'end_turn'),
    ]),
  );
  const oldSub = writer(S_OLD, oldV, { gitBranch: 'feature/x', isSidechain: true, agentId: OLD_AGENT });
  const oldSubStart = at();
  const oldSubPath = write(
    join(project, `agent-${OLD_AGENT}.jsonl`),
    jsonl([
      { ...oldSub.user('os-u1', null, 'Find every helper'), timestamp: oldSubStart },
      oldSub.assistant('os-a1', 'os-u1', 'msg_41', 'req_41', text('Found 3.'), usage(7, 20, 800, 12), 'end_turn'),
    ]),
  );

  // A continued session: the file's name is its own id, its records carry the earlier session's.
  const cont = writer(S, v);
  const contStart = at();
  const contPath = write(
    join(project, `${S_CONT}.jsonl`),
    jsonl([
      { type: 'summary', summary: 'Fix flaky login test', leafUuid: 'a8' },
      { ...cont.user('c-u1', null, 'Continue with the changelog'), timestamp: contStart },
      cont.assistant('c-a1', 'c-u1', 'msg_51', 'req_51', text('Changelog updated.'), usage(2, 10, 900, 20), 'max_tokens'),
    ]),
  );

  const mainText = jsonl(main);
  const torn = write(
    join(home, 'variants', 'torn', `${S}.jsonl`),
    `${mainText}{"parentUuid":"a8","isSidechain":false,"type":"assistant","message":{"id":"msg_0`,
  );
  const lines = mainText.split('\n');
  lines.splice(4, 0, '{"parentUuid":"u1","type":"assistant",');
  const badJson = { path: write(join(home, 'variants', 'bad', `${S}.jsonl`), lines.join('\n')), line: 5 };

  const agentCounts = (assistants: number, results: number) => ({
    user: 1,
    assistant: assistants,
    toolResult: results,
    bashExecution: 0,
    compaction: 0,
    session_info: 1,
  });
  return {
    home,
    projects,
    project,
    cwd: CWD,
    main: mainExpected,
    mainUsageSummedOverRows: summedOverRows,
    taskResultUsage: billed(6, 925, 44223, 900),
    subagent: {
      path: subPath,
      id: agentSessionId(S, AGENT),
      kind: 'sub-agent',
      parentId: S,
      parentPath: mainPath,
      timestamp: subStart,
      cwd: CWD,
      agentVersion: v,
      branch: 'main',
      counts: agentCounts(2, 1),
      usage: sum(billed(4, 805, 21709, 60), billed(2, 120, 22514, 840)),
      title: 'Survey src/web and list its modules',
    },
    nested: {
      path: nestedPath,
      id: agentSessionId(S, NESTED),
      kind: 'sub-agent',
      parentId: agentSessionId(S, AGENT),
      parentPath: subPath,
      timestamp: nestedStart,
      cwd: CWD,
      agentVersion: v,
      branch: 'main',
      counts: agentCounts(1, 0),
      usage: billed(3, 50, 1000, 25),
      title: 'Check b.ts for dead code',
    },
    oldMain: {
      path: oldPath,
      id: S_OLD,
      kind: 'root',
      timestamp: oldStart,
      cwd: CWD,
      agentVersion: oldV,
      branch: 'feature/x',
      counts: { user: 1, assistant: 1, toolResult: 0, bashExecution: 0, compaction: 0, session_info: 1 },
      usage: billed(10, 0, 5000, 30),
      title: 'Rename the helpers',
    },
    oldSubagent: {
      path: oldSubPath,
      id: agentSessionId(S_OLD, OLD_AGENT),
      kind: 'sub-agent',
      parentId: S_OLD,
      parentPath: oldPath,
      timestamp: oldSubStart,
      cwd: CWD,
      agentVersion: oldV,
      branch: 'feature/x',
      counts: agentCounts(1, 0),
      usage: billed(7, 20, 800, 12),
      title: 'Find every helper',
    },
    continuation: {
      path: contPath,
      id: S_CONT,
      kind: 'root',
      timestamp: contStart,
      cwd: CWD,
      agentVersion: v,
      branch: 'main',
      counts: { user: 1, assistant: 1, toolResult: 0, bashExecution: 0, compaction: 0, session_info: 1 },
      usage: billed(2, 10, 900, 20),
      title: 'Fix flaky login test',
    },
    torn,
    badJson,
  };
}
