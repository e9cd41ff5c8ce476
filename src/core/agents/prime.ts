import { isObject } from '../../util/is-object.js';
import { dirname, join, resolve, sep } from 'node:path';
import { readSession } from '../sessions/entries.js';
import { lastGitState } from '../sessions/git-state.js';
import { headerGit, validateHeader, type SessionHeader } from '../sessions/header.js';
import type { AgentAdapter, Entry, FirstLine, SessionInfo, SessionKind } from './types.js';

const SUB_SEGMENT = /^sub-[0-9a-f]{8}$/i;

/**
 * prime-agent: one file per session, line 1 a `{"type":"session",...}` header, the entries
 * already in the model vocabulary. Root sessions live in the sessions dir; sub-agents under its
 * sibling `session-artifacts/` (`<parentId>/sub-<8hex>/<childId>.jsonl`, nested), linked to their
 * parent by `parentSession`, a file path.
 */
export const primeAdapter: AgentAdapter = {
  name: 'prime',
  label: 'prime-agent',
  homes(env, home) {
    const dir = env.TRACES_SESSIONS_DIR || env.PRIME_AGENT_SESSION_DIR || join(home, '.prime', 'agent', 'sessions');
    return primeRoots(dir);
  },
  wants: (name) => name.endsWith('.jsonl'),
  recognises: (first: FirstLine) => isObject(first.value) && first.value.type === 'session',
  describe(path, first) {
    if (first.value === undefined)
      return { ok: false, reason: first.terminated ? 'line 1 is not JSON' : 'line 1 is incomplete (no newline yet)' };
    const checked = validateHeader(first.value);
    if (!checked.ok) return checked;
    return { ok: true, info: primeInfo(path, checked.header) };
  },
  async *entries(path): AsyncGenerator<Entry> {
    const { entries } = await readSession(path);
    yield* entries;
  },
  gitOf: (snapshot, info) => lastGitState(snapshot, info.git),
};

/** The two roots prime-agent's sessions live under: the sessions dir and its sibling `session-artifacts`. */
export function primeRoots(sessionsDir: string): string[] {
  const dir = resolve(sessionsDir);
  return [dir, join(dirname(dir), 'session-artifacts')];
}

export function primeInfo(path: string, header: SessionHeader): SessionInfo {
  const parentPath = parentPathOf(path, header);
  const info: SessionInfo = {
    agent: 'prime',
    id: header.id,
    timestamp: header.timestamp,
    cwd: header.cwd,
    kind: sessionKind(path, header),
  };
  const agentVersion = nonEmpty(header.agentVersion);
  if (agentVersion) info.agentVersion = agentVersion;
  const modelId = nonEmpty(header.modelId);
  if (modelId) info.modelId = modelId;
  const git = headerGit(header);
  if (git) info.git = git;
  if (parentPath) info.parentPath = parentPath;
  return info;
}

/** `parentSession` is a file path, absolute or relative to the child's folder. */
export function parentPathOf(path: string, header: SessionHeader): string | undefined {
  const parent = header.parentSession;
  if (typeof parent !== 'string' || parent === '') return undefined;
  return resolve(dirname(resolve(path)), parent);
}

/** Forks and clones also name a parent: only `rlmDepth > 0` or a `sub-<8hex>` folder marks a sub-agent. */
export function sessionKind(path: string, header: SessionHeader): SessionKind {
  if (parentPathOf(path, header) === undefined) return 'root';
  const depth = header.rlmDepth;
  if (typeof depth === 'number' && depth > 0) return 'sub-agent';
  return resolve(path)
    .split(sep)
    .some((segment) => SUB_SEGMENT.test(segment))
    ? 'sub-agent'
    : 'fork';
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
