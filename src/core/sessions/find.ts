import { basename } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { dropCopies } from './copies.js';
import { discoverSessions, type Candidate } from './discover.js';
import { describeSession, Scope, type AgentName } from '../agents/registry.js';

/**
 * A FILE|ID argument as a session file: an existing file as it is; an id as the session with
 * that id under `roots` (by file name first, then by header).
 */
export async function findSessionFile(arg: string, roots: string[], agents: readonly AgentName[], exportRoot: string): Promise<string> {
  if (existsSync(arg) && statSync(arg).isFile()) return arg;
  const candidates = await discoverSessions(roots, { required: false, agents, exportRoot });
  const scope = new Scope();
  const byName = candidates.find((c) => basename(c.path) === `${arg}.jsonl`);
  if (byName) return byName.path;
  const byHeader = candidates.find((c) => {
    const read = describeSession(c.path, agents, scope);
    return read.ok && (read.info.id === arg || read.info.nativeId === arg);
  });
  if (byHeader) return byHeader.path;
  throw new UsageError(`${arg}: no such session file, and no session with that id in ${roots.join(' or ')}`);
}

/** The candidates that are sessions of one of `agents`, as paths: one file per session (see dropCopies). */
export function sessionFiles(candidates: Candidate[], agents: readonly AgentName[]): string[] {
  const scope = new Scope();
  const described = candidates.flatMap((candidate) => {
    const read = describeSession(candidate.path, agents, scope);
    return read.ok ? [{ candidate, info: read.info }] : [];
  });
  return dropCopies(described).kept.map((d) => d.candidate.path);
}
