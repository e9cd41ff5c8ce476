import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SessionManager } from '@mariozechner/pi-coding-agent';

/**
 * Session files written by the agent's own session library (pi-coding-agent's SessionManager,
 * which prime-agent forks), at test time, with no model behind them: every entry type it writes,
 * branches (six abandoned model calls among them), a second root, a branch summary, two
 * compactions, user `!bash` commands, labels, a title set and cleared, a fork, a clone of one
 * path and a sub-agent.
 */
export interface AgentHome {
  sessions: string;
  cwd: string;
  /** The main session (its title cleared at the end). */
  main: string;
  mainId: string;
  /** `SessionManager.forkFrom` of the main session, continued. */
  fork: string;
  /** `createBranchedSession`: a new file holding one path of the main session (titled). */
  clone: string;
  /** A sub-agent's session under `session-artifacts/<mainId>/sub-<8 hex>/`. */
  child: string;
  childId: string;
}

let clock = 0;
const now = () => Date.now() + clock++;

const user = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }], timestamp: now() });

function assistant(
  text: string,
  options: {
    calls?: { id: string; name: string; arguments: Record<string, unknown> }[];
    stop?: 'stop' | 'toolUse' | 'aborted' | 'error';
    tokens?: number;
    model?: string;
  } = {},
) {
  const input = options.tokens ?? 1000;
  const output = Math.round(input / 10);
  return {
    role: 'assistant' as const,
    content: [
      { type: 'thinking' as const, thinking: `thinking about ${text}` },
      ...(text ? [{ type: 'text' as const, text }] : []),
      ...(options.calls ?? []).map((c) => ({ type: 'toolCall' as const, ...c })),
    ],
    api: 'anthropic-messages' as const,
    provider: 'anthropic',
    model: options.model ?? 'claude-sonnet-4-5',
    usage: {
      input,
      output,
      cacheRead: 200,
      cacheWrite: 50,
      totalTokens: input + output + 250,
      cost: {
        input: input * 3e-6,
        output: output * 15e-6,
        cacheRead: 6e-5,
        cacheWrite: 1.9e-4,
        total: input * 3e-6 + output * 15e-6 + 2.5e-4,
      },
    },
    stopReason: options.stop ?? (options.calls?.length ? 'toolUse' : 'stop'),
    ...(options.stop === 'error' || options.stop === 'aborted'
      ? { errorMessage: `the call ${options.stop === 'error' ? 'failed' : 'was aborted'}` }
      : {}),
    timestamp: now(),
  };
}

const toolResult = (toolCallId: string, toolName: string, text: string, isError = false) => ({
  role: 'toolResult' as const,
  toolCallId,
  toolName,
  content: [{ type: 'text' as const, text }],
  isError,
  timestamp: now(),
});

const bash = (command: string, output: string, exitCode = 0) => ({
  role: 'bashExecution' as const,
  command,
  output,
  exitCode,
  cancelled: false,
  truncated: false,
  timestamp: now(),
});

type Appendable = Parameters<SessionManager['appendMessage']>[0];
const add = (sm: SessionManager, message: unknown) => sm.appendMessage(message as Appendable);

/** One tool-using exchange: the call, its result, the answer. Returns the answer's id. */
function exchange(sm: SessionManager, n: number): string {
  add(sm, assistant('', { calls: [{ id: `call-${n}`, name: 'read', arguments: { path: `src/file${n}.ts` } }] }));
  add(sm, toolResult(`call-${n}`, 'read', `contents of file ${n}`));
  return add(sm, assistant(`Answer ${n}`));
}

export function writeAgentHome(root: string): AgentHome {
  const sessions = join(root, 'agent', 'sessions');
  const cwd = join(root, 'work', 'project');
  mkdirSync(sessions, { recursive: true });
  const sm = SessionManager.create(cwd, sessions);

  sm.appendThinkingLevelChange('medium');
  sm.appendModelChange('anthropic', 'claude-sonnet-4-5');
  const first = add(sm, user('Fix the failing test'));
  const answered = exchange(sm, 1);
  sm.appendSessionInfo('Fix the failing test');

  // The user runs three `!bash` commands, then asks: the model sees all four.
  add(sm, bash('npm test', 'FAIL test/a.test.ts', 1));
  add(sm, bash('git status', 'modified: src/a.ts'));
  add(sm, { ...bash('ls', 'src test'), excludeFromContext: true });
  add(sm, user('Why does it fail?'));
  const why = add(sm, assistant('Because of a typo'));

  // Extension entries on a branch that is abandoned with a summary.
  sm.appendCustomMessageEntry('reminder', 'Remember the style guide', true, { source: 'test' });
  sm.appendCustomEntry('extension-state', { step: 1 });
  add(sm, user('Rewrite it all'));
  add(sm, assistant('Rewriting', { calls: [{ id: 'call-big', name: 'write', arguments: { path: 'src/a.ts', content: 'x' } }] }));
  add(sm, toolResult('call-big', 'write', 'written'));
  sm.branchWithSummary(why, 'Tried a full rewrite; it broke the build.', { readFiles: ['src/a.ts'], modifiedFiles: [] });

  // The user goes back before the first message: a second root, abandoned too.
  sm.resetLeaf();
  add(sm, user('Start over'));
  add(sm, assistant('Starting over'));
  sm.branch(sm.getEntries().find((e) => e.type === 'branch_summary')!.id);

  // Six abandoned model calls from one user message, then the one the user kept.
  sm.appendModelChange('openai', 'gpt-5');
  const retry = add(sm, user('Now refactor the module'));
  for (let i = 0; i < 6; i++) {
    sm.branch(retry);
    add(
      sm,
      assistant(i % 2 ? `Attempt ${i}` : '', {
        stop: i % 3 === 2 ? 'error' : i % 2 ? 'stop' : 'aborted',
        tokens: 2000 + i,
        model: 'gpt-5',
      }),
    );
  }
  sm.branch(retry);
  const refactored = exchange(sm, 2);
  sm.appendLabelChange(retry, 'refactor');
  sm.appendLabelChange(first, 'start');
  sm.appendLabelChange(answered, 'first answer');
  sm.appendLabelChange(answered, undefined);

  // A compaction that keeps the last turn, then one that keeps only the message after the last answer.
  sm.appendCompaction('Fixed a typo; refactored the module.', retry, 48000, { readFiles: ['src/a.ts'], modifiedFiles: ['src/a.ts'] });
  add(sm, user('Add a test'));
  exchange(sm, 3);
  const late = add(sm, user('And document it'));
  sm.appendCompaction('Fixed, refactored, tested.', late, 61000, { readFiles: [], modifiedFiles: ['test/a.test.ts'] }, true);
  add(sm, assistant('Documented'));

  sm.appendThinkingLevelChange('high');
  add(sm, user('Thanks'));
  add(sm, assistant('You are welcome'));
  sm.appendSessionInfo('');
  const main = sm.getSessionFile()!;
  const mainId = sm.getSessionId();

  // A fork of the whole file, continued in another project.
  const forked = SessionManager.forkFrom(main, join(root, 'work', 'other'), sessions);
  add(forked, user('Port it here'));
  add(forked, assistant('Ported'));

  // A clone of one path (the kept refactor), as the agent's /branch writes it.
  const cloner = SessionManager.open(main, sessions);
  const clone = cloner.createBranchedSession(refactored)!;

  // A sub-agent the main session started.
  const childDir = join(root, 'agent', 'session-artifacts', mainId, 'sub-1a2b3c4d');
  const sub = SessionManager.create(cwd, childDir);
  sub.newSession({ parentSession: main });
  add(sub, user('Find every caller of parse()'));
  add(sub, assistant('', { calls: [{ id: 'grep-1', name: 'grep', arguments: { pattern: 'parse(' } }] }));
  add(sub, toolResult('grep-1', 'grep', 'src/a.ts:3', true));
  add(sub, assistant('One caller, in src/a.ts'));

  return { sessions, cwd, main, mainId, fork: forked.getSessionFile()!, clone, child: sub.getSessionFile()!, childId: sub.getSessionId() };
}
