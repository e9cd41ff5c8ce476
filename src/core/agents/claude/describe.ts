import { existsSync, readdirSync, type Dirent } from 'node:fs';
import { readRegularFileSync } from '../../sessions/open-file.js';
import { basename, dirname, join } from 'node:path';
import { uuidV5 } from '../../../util/uuid-v5.js';
import { readFirstLines } from '../../sessions/lines.js';
import type { DescribeResult, Scope, SessionInfo } from '../types.js';
import { isObject, str, SYNTHETIC_MODEL, type Json } from './blocks.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A file may open with bookkeeping records (summaries, snapshots, queue operations, a PR link)
// before the first record that names the session and its folder; a first prompt may hold a
// pasted image of several MiB. A line that does not parse is passed over here: reading the
// entries names it.
const MAX_LINES = 64;
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * The id of a Claude Code sub-agent's session. Its records carry the parent's sessionId, so the
 * id is derived from the parent's id and the agent's own id: the same on every machine.
 */
export function claudeAgentSessionId(sessionId: string, agentId: string): string {
  return uuidV5(`claude-code:${sessionId}:agent-${agentId}`);
}

export function describeClaude(path: string, scope: Scope): DescribeResult {
  const lines = readFirstLines(path, MAX_LINES, MAX_BYTES);
  if ('error' in lines) return { ok: false, reason: lines.error };
  let session: Json | undefined;
  let timestamp: string | undefined;
  let modelId: string | undefined;
  for (const { text, terminated } of lines) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (!terminated) break;
      continue;
    }
    if (!isObject(value)) continue;
    if (!session) timestamp ??= str(value.timestamp);
    if (!session && str(value.sessionId) && str(value.cwd)) session = value;
    const model = value.type === 'assistant' && isObject(value.message) ? str(value.message.model) : undefined;
    if (model && model !== SYNTHETIC_MODEL) modelId ??= model;
    if (session && modelId) break;
  }
  if (!session) return { ok: false, reason: `no record with a sessionId and a cwd in the first ${lines.length} lines` };
  // The first record's time (a queue operation can come before the first message).
  if (!timestamp) return { ok: false, reason: 'the first record naming the session has no timestamp' };
  const sessionId = session.sessionId as string;
  const branch = str(session.gitBranch);
  const common = {
    agent: 'claude' as const,
    timestamp,
    cwd: session.cwd as string,
    ...(str(session.version) ? { agentVersion: session.version as string } : {}),
    ...(modelId ? { modelId } : {}),
    ...(branch ? { git: { branch } } : {}),
  };
  const stem = basename(path).replace(/\.jsonl$/, '');
  const fileAgent = /^agent-(.+)$/.exec(stem)?.[1];
  if (session.isSidechain !== true) {
    // A resumed session's file carries the id of the session it continues, and repeats its
    // messages first: its name is its own id, and it is a fork of that session (whose records
    // are not counted again).
    if (!UUID.test(stem) || stem === sessionId)
      return { ok: true, info: { ...common, id: UUID.test(stem) ? stem : sessionId, kind: 'root' } };
    const original = join(dirname(path), `${sessionId}.jsonl`);
    return {
      ok: true,
      info: { ...common, id: stem, kind: 'fork', parentId: sessionId, ...(existsSync(original) ? { parentPath: original } : {}) },
    };
  }
  const agentId = str(session.agentId) ?? fileAgent;
  if (!agentId) return { ok: false, reason: 'a sidechain record without an agentId, in a file not named agent-<id>.jsonl' };
  return {
    ok: true,
    info: { ...common, id: claudeAgentSessionId(sessionId, agentId), kind: 'sub-agent', ...parentOf(path, sessionId, scope) },
  };
}

/** The parent of a sub-agent: the agent named by its sidecar's parentAgentId, else the main session. */
function parentOf(path: string, sessionId: string, scope: Scope): Pick<SessionInfo, 'parentId' | 'parentPath'> {
  const subagents = subagentsDir(path, sessionId);
  // Before Claude Code 2.1.2, agent files sat in the project folder beside the session's file.
  const project = subagents ? dirname(dirname(subagents)) : dirname(path);
  const parentAgentId = str(readSidecar(path)?.parentAgentId);
  if (parentAgentId) {
    const candidates = subagents ? agentFiles(subagents, scope) : new Map([[parentAgentId, join(project, `agent-${parentAgentId}.jsonl`)]]);
    const parentPath = candidates.get(parentAgentId);
    return { parentId: claudeAgentSessionId(sessionId, parentAgentId), ...(parentPath && existsSync(parentPath) ? { parentPath } : {}) };
  }
  const parentPath = join(project, `${sessionId}.jsonl`);
  return { parentId: sessionId, ...(existsSync(parentPath) ? { parentPath } : {}) };
}

/** `<project>/<sessionId>/subagents` when the file lies in it (or deeper, as workflow runs do). */
function subagentsDir(path: string, sessionId: string): string | undefined {
  for (let dir = dirname(path), hops = 0; hops < 8 && dirname(dir) !== dir; dir = dirname(dir), hops++) {
    if (basename(dir) === 'subagents' && basename(dirname(dir)) === sessionId) return dir;
  }
  return undefined;
}

function readSidecar(path: string): Json | undefined {
  try {
    // A sidecar that is not a regular file (a FIFO) is never opened: read as no sidecar.
    const value: unknown = JSON.parse(readRegularFileSync(path.replace(/\.jsonl$/, '.meta.json')).toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** agentId → file, for every `agent-<id>.jsonl` under a subagents folder (listed once per scope). */
function agentFiles(dir: string, scope: Scope): Map<string, string> {
  return scope.memo(`claude:agents:${dir}`, () => {
    const found = new Map<string, string>();
    const walk = (at: string, depth: number) => {
      let names: Dirent[];
      try {
        names = readdirSync(at, { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of names) {
        const m = /^agent-(.+)\.jsonl$/.exec(d.name);
        if (d.isFile() && m) found.set(m[1]!, join(at, d.name));
        else if (d.isDirectory() && depth < 6) walk(join(at, d.name), depth + 1);
      }
    };
    walk(dir, 0);
    return found;
  });
}
