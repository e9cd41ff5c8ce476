import { basename } from 'node:path';
import { SessionFileError } from '../../errors.js';
import { UUID_TEXT, type SessionStart } from '../../contracts/wire.js';
import { scanEntryTree, type EntryTree } from '../sessions/entry-tree.js';
import { agentLabel, type SessionInfo } from '../agents/registry.js';
import type { Lineage } from '../sessions/tree.js';

/**
 * The `POST /v1/sessions` body for a session file: its name, times, where it ran, its place in
 * the recursion tree, its sub-agents, and the shape of its entry tree as of now. A repeat POST
 * merges `metadata`, so sending this body again after the file grew updates the active path.
 *
 * metadata.active_leaf is the last entry; metadata.active_path maps each branch on the active
 * path to the depth of its last entry there: an event is on the active path exactly when
 * `active_path[event.metadata.branch] >= event.metadata.depth`.
 */
export async function sessionStartBody(
  path: string,
  info: SessionInfo,
  lineage: Lineage,
  childrenIds: string[],
  /** The agent version from the environment, for a file that does not record one. */
  agentVersion: string | undefined,
  tree?: EntryTree,
): Promise<SessionStart> {
  const { title, firstTime, lastTime, leaf, activePath, branches, labels } = tree ?? (await scanEntryTree(path, info));
  if (!UUID_TEXT.test(info.id)) throw new SessionFileError(`${path}: session id "${info.id}" is not a UUID; the events backend needs one`);
  const start = firstTime ?? Date.parse(info.timestamp);
  const end = lastTime ?? start;
  const metadata: Record<string, unknown> = {
    cwd: info.cwd,
    agent: agentLabel(info.agent),
    agent_version: info.agentVersion ?? agentVersion ?? null,
    trace_id: lineage.traceId,
    kind: lineage.kind,
    active_leaf: leaf ?? null,
    active_path: activePath,
    branches,
    labels,
  };
  const git = info.git;
  if (git) metadata.git = git;
  if (lineage.parentId) metadata.parent_session_id = lineage.parentId;
  const body: SessionStart = {
    session_id: info.id,
    session_name: title ?? (basename(info.cwd) || info.cwd),
    source: agentLabel(info.agent),
    metadata,
    children_ids: childrenIds,
  };
  if (Number.isFinite(start)) body.start_time = start;
  if (Number.isFinite(end)) body.end_time = end;
  if (Number.isFinite(start) && Number.isFinite(end)) body.duration = Math.max(0, end - start);
  return body;
}
