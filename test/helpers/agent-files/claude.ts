import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeMainSession } from './claude-main.js';
import {
  agentSessionId,
  AGENT,
  at,
  billed,
  CWD,
  jsonl,
  NESTED,
  OLD_AGENT,
  PROJECT,
  resetClock,
  S,
  S_CONT,
  S_OLD,
  sum,
  text,
  usage,
  write,
  writer,
  type ExpectedSession,
  type ExpectedUsage,
  type Rec,
} from './claude-records.js';

export type { ExpectedSession, ExpectedUsage } from './claude-records.js';

/**
 * Claude Code session files as Claude Code lays them out under its home, with the facts a reader
 * must get from them worked out by hand (from the format's rules: what Anthropic billed, who is
 * whose parent). Record shapes follow Anthropic's own reader (claude-agent-sdk-python
 * `_internal/sessions.py`) and claude-code-log's test data.
 */

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

/** Writes the fixture tree under `<home>/.claude/projects/` and returns its paths and expected facts. */
export function writeClaudeHome(home: string): ClaudeHome {
  resetClock();
  const projects = join(home, '.claude', 'projects');
  const project = join(projects, PROJECT);
  const v = '2.1.180';
  const main = writeMainSession(home, project);
  const mainPath = main.expected.path;

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

  // A resumed session: the file's name is its own id, its records carry the earlier session's, and
  // it repeats the earlier session's first prompt and response (same uuids) before its own.
  const cont = writer(S, v);
  const contStart = at();
  const repeated = readFileSync(mainPath, 'utf8')
    .split('\n')
    .slice(1, 3)
    .map((line) => JSON.parse(line) as Rec);
  const contPath = write(
    join(project, `${S_CONT}.jsonl`),
    jsonl([
      { type: 'summary', summary: 'Fix flaky login test', leafUuid: 'a8' },
      ...repeated,
      { ...cont.user('c-u1', null, 'Continue with the changelog'), timestamp: contStart },
      cont.assistant('c-a1', 'c-u1', 'msg_51', 'req_51', text('Changelog updated.'), usage(2, 10, 900, 20), 'max_tokens'),
    ]),
  );

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
    main: main.expected,
    mainUsageSummedOverRows: main.summedOverRows,
    taskResultUsage: main.taskResultUsage,
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
      kind: 'fork',
      parentId: S,
      parentPath: mainPath,
      // The file's first record: the repeated one (the entries, and so the events' times, start at its own).
      timestamp: repeated[0]!.timestamp as string,
      cwd: CWD,
      agentVersion: v,
      branch: 'main',
      counts: { user: 1, assistant: 1, toolResult: 0, bashExecution: 0, compaction: 0, session_info: 1 },
      usage: billed(2, 10, 900, 20),
      title: 'Fix flaky login test',
    },
    torn: main.torn,
    badJson: main.badJson,
  };
}
