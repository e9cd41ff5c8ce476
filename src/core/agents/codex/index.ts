import { isObject } from '../../../util/is-object.js';
import { join, sep } from 'node:path';
import { readFirstLines } from '../../sessions/lines.js';
import type { AgentAdapter, DescribeResult, FirstLine, GitInfo, Scope, SessionInfo } from '../types.js';
import { codexEntries } from './entries.js';
import { codexHomeOf, rolloutIndex } from './home-index.js';

/**
 * Codex CLI: one rollout file per thread, `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local
 * ts>-<thread id>.jsonl` (archived threads flat in `$CODEX_HOME/archived_sessions/`). Every line
 * is `{timestamp, type, payload}`; line 1 is the thread's `session_meta`.
 */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  label: 'codex',
  homes(env, home) {
    const codexHome = env.CODEX_HOME || join(home, '.codex');
    return [join(codexHome, 'sessions'), join(codexHome, 'archived_sessions')];
  },
  wants: (fileName) => /^rollout-.*\.jsonl$/.test(fileName),
  recognises: (first) => sessionMetaOf(first.value) !== undefined,
  describe,
  entries: codexEntries,
  // An interrupted archive leaves a thread in both folders: the live one is the session.
  rank: (path) => (path.split(sep).includes('archived_sessions') ? 1 : 0),
};

type Json = Record<string, unknown>;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The payload of a `session_meta` line, or undefined when the line is not one. */
export function sessionMetaOf(line: unknown): Json | undefined {
  if (!isObject(line) || line.type !== 'session_meta' || typeof line.timestamp !== 'string') return undefined;
  return isObject(line.payload) && text(line.payload.id) ? line.payload : undefined;
}

/** How far describe looks for the first `turn_context` (its model). */
const MODEL_LINES = 64;
const MODEL_BYTES = 256 * 1024;

function describe(path: string, first: FirstLine, scope: Scope): DescribeResult {
  const meta = sessionMetaOf(first.value);
  if (!meta) return { ok: false, reason: `${path}:1: not a Codex session_meta line` };
  const cwd = text(meta.cwd);
  if (!cwd) return { ok: false, reason: `${path}:1: session_meta has no cwd` };
  const line = first.value as Json;
  const info: SessionInfo = {
    agent: 'codex',
    id: meta.id as string,
    timestamp: text(meta.timestamp) ?? (line.timestamp as string),
    cwd,
    kind: 'root',
  };
  const version = text(meta.cli_version);
  if (version) info.agentVersion = version;
  const git = gitOf(meta.git);
  if (git) info.git = git;
  const model = firstModel(path);
  if (model) info.modelId = model;
  const parent = parentOf(meta);
  if (parent) {
    info.kind = parent.kind;
    info.parentId = parent.id;
    const home = codexHomeOf(path);
    const parentPath = home && rolloutIndex(home, scope).get(parent.id.toLowerCase());
    if (parentPath) info.parentPath = parentPath;
  }
  return { ok: true, info };
}

function gitOf(git: unknown): GitInfo | undefined {
  if (!isObject(git)) return undefined;
  const out: GitInfo = {};
  const commit = text(git.commit_hash);
  const branch = text(git.branch);
  const repoUrl = text(git.repository_url);
  if (commit) out.commit = commit;
  if (branch) out.branch = branch;
  if (repoUrl) out.repoUrl = repoUrl;
  return Object.keys(out).length ? out : undefined;
}

/**
 * A thread spawned by another (`source.subagent.thread_spawn.parent_thread_id`) is a sub-agent,
 * also when it was spawned with a copy of the parent's history (it then carries
 * `forked_from_id` too); otherwise `forked_from_id` makes it a fork (`/fork`, a rollback fork).
 */
export function parentOf(meta: Json): { kind: 'sub-agent' | 'fork'; id: string } | undefined {
  const subagent = isObject(meta.source) ? meta.source.subagent : undefined;
  const spawn = isObject(subagent) && isObject(subagent.thread_spawn) ? subagent.thread_spawn : undefined;
  const spawnParent = text(spawn?.parent_thread_id) ?? (subagent !== undefined ? text(meta.parent_thread_id) : undefined);
  if (spawnParent) return { kind: 'sub-agent', id: spawnParent };
  const forkParent = text(meta.forked_from_id);
  return forkParent ? { kind: 'fork', id: forkParent } : undefined;
}

function firstModel(path: string): string | undefined {
  const lines = readFirstLines(path, MODEL_LINES, MODEL_BYTES);
  if ('error' in lines) return undefined;
  for (const { text: raw, terminated } of lines) {
    if (!terminated || !raw.includes('"turn_context"')) continue;
    try {
      const value = JSON.parse(raw) as unknown;
      if (isObject(value) && value.type === 'turn_context' && isObject(value.payload)) return text(value.payload.model);
    } catch {
      continue;
    }
  }
  return undefined;
}
