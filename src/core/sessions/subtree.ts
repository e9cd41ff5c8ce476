import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { primeRoots } from '../agents/prime.js';
import { describeSession, Scope, wantedBy, type AgentName } from '../agents/registry.js';
import { discover } from './discover.js';

/**
 * A session file and the files of its sub-agents, for the hook to record together. Two places:
 * - folders that hold only this session's sub-agents (prime-agent's `session-artifacts/<id>/`,
 *   Claude Code's `<sessionId>/subagents/`, Gemini CLI's `chats/<sessionId>/`): every file there
 *   an agent wants, even one without a first line yet (a sub-agent still starting: the upload
 *   settles non-sessions, while a dropped file could never come back);
 * - the session's own folder, where some agents put children beside their parent (Claude Code's
 *   older `agent-<id>.jsonl`, Codex's spawned threads of the same day): only files that name
 *   this session as their parent.
 */
export function sessionWithSubAgents(file: string, agents: readonly AgentName[]): string[] {
  const scope = new Scope();
  const read = describeSession(file, agents, scope);
  const stem = basename(file, extname(file));
  const ids = new Set([stem]);
  if (read.ok) ids.add(read.info.id);
  const dir = dirname(file);
  const owned = [...ids].flatMap((id) => [join(primeRoots(dir)[1]!, id), join(dir, id)]).filter((d) => existsSync(d));
  // Sub-agents are the session's own agent's files: its name rules leave out its other files there.
  const found = discover(owned, { required: false, agents: read.ok ? [read.info.agent] : agents })
    .map((c) => c.path)
    .filter((p) => p !== file);
  if (read.ok && read.info.agent !== 'prime') found.push(...childrenBeside(file, [read.info.agent], scope, new Set(found)));
  return [file, ...found];
}

function childrenBeside(file: string, agents: readonly AgentName[], scope: Scope, known: Set<string>): string[] {
  const wants = wantedBy(agents);
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return [];
  }
  const target = resolve(file);
  return names
    .filter((name) => wants(name))
    .map((name) => join(dirname(file), name))
    .filter((path) => path !== target && !known.has(path))
    .filter((path) => {
      const read = describeSession(path, agents, scope);
      return read.ok && read.info.kind === 'sub-agent' && read.info.parentPath !== undefined && resolve(read.info.parentPath) === target;
    });
}
