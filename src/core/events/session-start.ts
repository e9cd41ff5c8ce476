import { basename } from 'node:path';
import { SessionFileError } from '../../errors.js';
import { UUID_TEXT, type SessionStart } from '../../backend/schemas.js';
import { readSession } from '../sessions/entries.js';
import { headerGit } from '../sessions/header.js';
import type { Lineage } from '../sessions/tree.js';
import { timeOf } from './map.js';

/**
 * The `POST /v1/sessions` body for a session file (issue #5): its name, times, where it ran, its
 * place in the recursion tree and its sub-agents.
 */
export async function sessionStartBody(
  path: string,
  lineage: Lineage,
  childrenIds: string[],
  agentVersion: string,
): Promise<SessionStart> {
  const { header, entries } = await readSession(path);
  if (!UUID_TEXT.test(header.id)) throw new SessionFileError(`${path}: session id "${header.id}" is not a UUID; the events backend needs one`);
  let first: number | undefined;
  let last: number | undefined;
  let title: string | undefined;
  for await (const { value } of entries) {
    const at = timeOf(value);
    if (at !== undefined) {
      first ??= at;
      last = at;
    }
    if (value.type === 'session_info' && typeof value.name === 'string' && value.name) title = value.name;
  }
  const start = first ?? Date.parse(header.timestamp);
  const end = last ?? start;
  const metadata: Record<string, unknown> = {
    cwd: header.cwd,
    agent_version: typeof header.agentVersion === 'string' ? header.agentVersion : agentVersion,
    trace_id: lineage.traceId,
    kind: lineage.kind,
  };
  const git = headerGit(header);
  if (git) metadata.git = git;
  if (lineage.parentId) metadata.parent_session_id = lineage.parentId;
  const body: SessionStart = {
    session_id: header.id,
    session_name: title ?? (basename(header.cwd) || header.cwd),
    source: 'prime-agent',
    metadata,
    children_ids: childrenIds,
  };
  if (Number.isFinite(start)) body.start_time = start;
  if (Number.isFinite(end)) body.end_time = end;
  if (Number.isFinite(start) && Number.isFinite(end)) body.duration = Math.max(0, end - start);
  return body;
}
