import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Codex CLI rollout files as Codex lays them out under a CODEX_HOME, written line by line the
 * way its recorder does (`{timestamp, type, payload}`, timestamps in UTC at write time, file
 * names and date folders in local time): a root thread with two turns, parallel function calls,
 * reasoning, re-sent token_counts, a rename, a compaction and a full-window reset of the totals;
 * a child spawned with a copy of the root's history; a /fork of the root (in archived_sessions/);
 * the same fork with its parent missing; a torn last line; unknown record types. The expected
 * facts are worked out by hand from what each model call billed (see the comments).
 */

export const ROOT_ID = '019da1a0-6c00-7a10-8000-0000000000a1';
export const CHILD_ID = '019da1b8-0c00-7b20-8000-0000000000b2';
export const FORK_ID = '019da1d8-8e00-7c30-8000-0000000000c3';
export const CWD = '/home/ann/web.app';

export interface Tokens {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  totalTokens: number;
}

export interface CodexFacts {
  path: string;
  id: string;
  kind: 'root' | 'sub-agent' | 'fork';
  parentId?: string;
  parentPath?: string;
  /** Entries per role (messages) or type (the rest). */
  counts: { user: number; assistant: number; toolResult: number; session_info: number; compaction: number };
  /** The sum of the assistant entries' usage: what Codex billed for this thread's own calls. */
  usage: Tokens;
  /** The model of each assistant entry, in order. */
  models: string[];
  /** The last session_info's name. */
  title: string;
}

export interface CodexHome {
  home: string;
  root: CodexFacts;
  /** The root's rollout also left in archived_sessions/ (the sessions/ copy is the live one). */
  rootArchivedCopy: string;
  child: CodexFacts;
  fork: CodexFacts;
  /** The fork, in another CODEX_HOME where its parent's file is missing. */
  orphanFork: CodexFacts;
  /** The root's lines plus half a line being written. */
  torn: CodexFacts;
}

type Item = { type: string; payload: Record<string, unknown> };
const total = (input: number, cached: number, output: number, reasoning: number, totalTokens = input + output) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_output_tokens: reasoning,
  total_tokens: totalTokens,
});
const rateLimits = {
  limit_id: 'codex',
  limit_name: null,
  primary: { used_percent: 7, window_minutes: 300, resets_at: 1776675600 },
  secondary: null,
  credits: null,
  plan_type: null,
  rate_limit_reached_type: null,
};
const tokenCount = (totals: ReturnType<typeof total> | null, last?: ReturnType<typeof total>): Item => ({
  type: 'event_msg',
  payload: {
    type: 'token_count',
    info: totals && { total_token_usage: totals, last_token_usage: last ?? totals, model_context_window: 272000 },
    rate_limits: rateLimits,
  },
});
const ev = (payload: Record<string, unknown>): Item => ({ type: 'event_msg', payload });
const ri = (payload: Record<string, unknown>): Item => ({ type: 'response_item', payload });
const userItem = (text: string): Item => ri({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const say = (text: string, phase = 'final_answer'): Item =>
  ri({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }], phase });
const think = (text: string): Item => ri({ type: 'reasoning', summary: [{ type: 'summary_text', text }], encrypted_content: 'gAAAAB' });
const turn = (turnId: string, model: string): Item => ({
  type: 'turn_context',
  payload: {
    turn_id: turnId,
    cwd: CWD,
    approval_policy: 'on-request',
    sandbox_policy: { type: 'workspace-write' },
    model,
    effort: 'medium',
    summary: 'auto',
  },
});
const meta = (id: string, extra: Record<string, unknown>, startedAt: string): Item => ({
  type: 'session_meta',
  payload: {
    id,
    timestamp: startedAt,
    cwd: CWD,
    originator: 'codex_cli_rs',
    cli_version: '0.125.0',
    source: 'cli',
    model_provider: 'openai',
    base_instructions: { text: 'You are Codex.' },
    ...extra,
    git: { commit_hash: '3e1f9a0', branch: 'main', repository_url: 'git@github.com:ann/web.git' },
  },
});

/** The root thread's items; the comments give what each rising token_count billed. */
function rootItems(): Item[] {
  return [
    meta(ROOT_ID, {}, '2026-04-20T08:00:00.000Z'),
    turn('t1', 'gpt-5.4'),
    ev({ type: 'task_started', turn_id: 't1', model_context_window: 272000, collaboration_mode_kind: 'default' }),
    userItem('<environment_context>\n  <cwd>/home/ann/web.app</cwd>\n</environment_context>'),
    userItem('Fix the login test'),
    ev({ type: 'user_message', message: 'Fix the login test', local_images: [], text_elements: [] }),
    tokenCount(null), // rate limits only
    think('**Running tests**'),
    ri({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"npm test"}', call_id: 'call_1' }),
    ri({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"git status"}', call_id: 'call_2' }),
    // A: input 12000-10000 = 2000, cacheRead 10000, output 300 (reasoning 100 inside) = 12300
    tokenCount(total(12000, 10000, 300, 100)),
    ri({ type: 'function_call_output', call_id: 'call_1', output: '1 failing' }),
    ri({ type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'nothing to commit' }] }),
    tokenCount(total(12000, 10000, 300, 100)), // re-sent on a rate-limit update: nothing
    think('**Patching**'),
    ri({ type: 'custom_tool_call', status: 'completed', call_id: 'call_3', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' }),
    // B: input 13000-11000 = 2000, cacheRead 11000, output 400 = 13400
    tokenCount(total(25000, 21000, 700, 250), total(13000, 11000, 400, 150)),
    ri({ type: 'custom_tool_call_output', call_id: 'call_3', output: 'Success' }),
    say('Fixed.'),
    // C: input 13000-12000 = 1000, cacheRead 12000, output 100 = 13100
    tokenCount(total(38000, 33000, 800, 250), total(13000, 12000, 100, 0)),
    ev({ type: 'agent_message', message: 'Fixed.', phase: 'final_answer', memory_citation: null }),
    ev({ type: 'task_complete', turn_id: 't1', last_agent_message: 'Fixed.', duration_ms: 48210 }),
    ev({ type: 'thread_name_updated', thread_id: ROOT_ID, thread_name: 'login fix' }),
    turn('t2', 'gpt-5.5'),
    ev({ type: 'task_started', turn_id: 't2', model_context_window: 272000, collaboration_mode_kind: 'default' }),
    userItem('Now tidy up'),
    ev({ type: 'user_message', message: 'Now tidy up', local_images: [], text_elements: [] }),
    ri({ type: 'function_call', name: 'exec_command', arguments: 'not json{', call_id: 'call_4' }),
    // D: input 12000-11000 = 1000, cacheRead 11000, output 100 = 12100
    tokenCount(total(50000, 44000, 900, 250), total(12000, 11000, 100, 0)),
    ri({ type: 'function_call_output', call_id: 'call_4', output: 'ok' }),
    // E, the compaction's own call: input 10000, cacheRead 0, output 500 = 10500
    tokenCount(total(60000, 44000, 1400, 250), total(10000, 0, 500, 0)),
    {
      type: 'compacted',
      payload: {
        message: 'Summary: the login test was fixed.',
        replacement_history: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix the login test' }] }],
      },
    },
    ev({ type: 'context_compacted' }),
    // The context window filled: Codex sets the totals to {total_tokens: window} (not usage): a new base.
    tokenCount({ input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 272000 }),
    say('Tidied.'),
    // F: from the new base, input 9000-8000 = 1000, cacheRead 8000, output 200 = 9200
    tokenCount(total(9000, 8000, 200, 0, 272000 + 9200), total(9000, 8000, 200, 0)),
    ev({ type: 'hologram_projected', detail: 'a payload type of a later Codex' }),
    { type: 'future_record', payload: { anything: true } },
    ev({ type: 'task_complete', turn_id: 't2', last_agent_message: 'Tidied.', duration_ms: 9000 }),
  ];
}
const ROOT_USAGE: Tokens = { input: 17000, cacheRead: 52000, cacheWrite: 0, output: 1600, totalTokens: 70600 };
// The root's last totals, which a copy of its history hands on: {9000, 8000, 200, 281200}.

/** What a spawned child keeps of the parent's history (Codex's keep_forked_rollout_item). */
function keptBySpawn(item: Item): boolean {
  if (item.type === 'turn_context') return false;
  if (item.type !== 'response_item') return true;
  const p = item.payload;
  if (p.type !== 'message') return false;
  return p.role === 'assistant' ? p.phase === 'final_answer' : true;
}

const stamp = (start: string, ms: number) => new Date(Date.parse(start) + ms).toISOString();
const lines = (items: { item: Item; at: string }[]) =>
  items.map(({ item, at }) => JSON.stringify({ timestamp: at, ...item })).join('\n') + '\n';
const twoDigits = (n: number) => String(n).padStart(2, '0');

function rolloutPath(home: string, id: string, startedAt: string, archived: boolean): string {
  const d = new Date(startedAt);
  const date = `${d.getFullYear()}-${twoDigits(d.getMonth() + 1)}-${twoDigits(d.getDate())}`;
  const name = `rollout-${date}T${twoDigits(d.getHours())}-${twoDigits(d.getMinutes())}-${twoDigits(d.getSeconds())}-${id}.jsonl`;
  const dir = archived
    ? join(home, 'archived_sessions')
    : join(home, 'sessions', String(d.getFullYear()), twoDigits(d.getMonth() + 1), twoDigits(d.getDate()));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** Writes the rollouts under `<base>/.codex` (and a second home for the orphan fork). */
export function writeCodexHome(base: string): CodexHome {
  const home = join(base, '.codex');
  const root = rootItems();
  const rootStart = '2026-04-20T08:00:00.000Z';
  const rootText = lines(root.map((item, i) => ({ item, at: stamp(rootStart, i * 1000) })));
  const rootPath = rolloutPath(home, ROOT_ID, rootStart, false);
  writeFileSync(rootPath, rootText);
  const rootArchivedCopy = rolloutPath(home, ROOT_ID, rootStart, true);
  writeFileSync(rootArchivedCopy, rootText);

  // The child: its session_meta, the kept part of the root's history (no turn_context in it),
  // written within milliseconds, then its own turn, which starts with a turn_context. Its totals
  // start from the root's last ones.
  const childStart = '2026-04-20T08:30:00.000Z';
  const spawn = {
    subagent: { thread_spawn: { parent_thread_id: ROOT_ID, depth: 1, agent_path: null, agent_nickname: 'Ada', agent_role: 'explorer' } },
  };
  const childItems: Item[] = [
    meta(CHILD_ID, { forked_from_id: ROOT_ID, source: spawn, agent_nickname: 'Ada', agent_role: 'explorer' }, childStart),
    ...root.filter(keptBySpawn).filter((i) => i.type !== 'future_record' && i.payload.type !== 'hologram_projected'),
    turn('c1', 'gpt-5.4-mini'),
    ev({ type: 'task_started', turn_id: 'c1', model_context_window: 272000, collaboration_mode_kind: 'default' }),
    userItem('Survey src/web'),
    ev({ type: 'user_message', message: 'Survey src/web', local_images: [], text_elements: [] }),
    tokenCount(total(9000, 8000, 200, 0, 281200)), // the copied totals, sent again: nothing
    think('**Listing files**'),
    ri({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls src/web"}', call_id: 'call_c1' }),
    // input 5000-4000 = 1000, cacheRead 4000, output 150 = 5150
    tokenCount(total(14000, 12000, 350, 0, 286350), total(5000, 4000, 150, 0)),
    ri({ type: 'function_call_output', call_id: 'call_c1', output: 'a.ts\nb.ts\nc.ts' }),
    say('Found 3 files.'),
    // input 6000-5000 = 1000, cacheRead 5000, output 100 = 6100
    tokenCount(total(20000, 17000, 450, 0, 292450), total(6000, 5000, 100, 0)),
    ev({ type: 'task_complete', turn_id: 'c1', last_agent_message: 'Found 3 files.' }),
  ];
  const childPath = rolloutPath(home, CHILD_ID, childStart, false);
  writeFileSync(childPath, lines(childItems.map((item, i) => ({ item, at: stamp(childStart, i) }))));

  // The fork: its session_meta and the root's whole history written in one go, then, a minute
  // later, its own turn; its totals start from the root's last ones.
  const forkStart = '2026-04-20T09:00:00.000Z';
  const forkOwn: Item[] = [
    turn('f1', 'gpt-5.5'),
    ev({ type: 'task_started', turn_id: 'f1', model_context_window: 272000, collaboration_mode_kind: 'default' }),
    userItem('Try another approach'),
    ev({ type: 'user_message', message: 'Try another approach', local_images: [], text_elements: [] }),
    say('Done differently.'),
    // input 7000-6000 = 1000, cacheRead 6000, output 120 = 7120
    tokenCount(total(16000, 14000, 320, 0, 288320), total(7000, 6000, 120, 0)),
    tokenCount(total(16000, 14000, 320, 0, 288320), total(7000, 6000, 120, 0)), // re-sent
    ev({ type: 'task_complete', turn_id: 'f1', last_agent_message: 'Done differently.' }),
  ];
  const forkText = lines([
    { item: meta(FORK_ID, { forked_from_id: ROOT_ID }, forkStart), at: forkStart },
    // Codex copies what it can read back: a record type it does not know is not copied.
    ...root.filter((i) => i.type !== 'future_record').map((item, i) => ({ item, at: stamp(forkStart, 1 + i) })),
    ...forkOwn.map((item, i) => ({ item, at: stamp(forkStart, 60_000 + i * 1000) })),
  ]);
  const forkPath = rolloutPath(home, FORK_ID, forkStart, true);
  writeFileSync(forkPath, forkText);
  const orphanPath = rolloutPath(join(base, 'other', '.codex'), FORK_ID, forkStart, false);
  writeFileSync(orphanPath, forkText);

  const tornPath = rolloutPath(join(base, 'torn', '.codex'), ROOT_ID, rootStart, false);
  writeFileSync(tornPath, rootText + '{"timestamp":"2026-04-20T08:10:00.000Z","type":"event_msg","payload":{"type":"token_co');

  const rootFacts: CodexFacts = {
    path: rootPath,
    id: ROOT_ID,
    kind: 'root',
    counts: { user: 2, assistant: 6, toolResult: 4, session_info: 2, compaction: 1 },
    usage: ROOT_USAGE,
    models: ['gpt-5.4', 'gpt-5.4', 'gpt-5.4', 'gpt-5.5', 'gpt-5.5', 'gpt-5.5'],
    title: 'login fix',
  };
  const forkFacts: CodexFacts = {
    path: forkPath,
    id: FORK_ID,
    kind: 'fork',
    parentId: ROOT_ID,
    parentPath: rootPath,
    counts: { user: 1, assistant: 1, toolResult: 0, session_info: 1, compaction: 0 },
    usage: { input: 1000, cacheRead: 6000, cacheWrite: 0, output: 120, totalTokens: 7120 },
    models: ['gpt-5.5'],
    title: 'Try another approach',
  };
  return {
    home,
    root: rootFacts,
    rootArchivedCopy,
    child: {
      path: childPath,
      id: CHILD_ID,
      kind: 'sub-agent',
      parentId: ROOT_ID,
      parentPath: rootPath,
      counts: { user: 1, assistant: 2, toolResult: 1, session_info: 1, compaction: 0 },
      usage: { input: 2000, cacheRead: 9000, cacheWrite: 0, output: 250, totalTokens: 11250 },
      models: ['gpt-5.4-mini', 'gpt-5.4-mini'],
      title: 'Survey src/web',
    },
    fork: forkFacts,
    orphanFork: { ...forkFacts, path: orphanPath, parentPath: undefined },
    torn: { ...rootFacts, path: tornPath },
  };
}
