import { adapterOf, type SessionInfo } from '../agents/registry.js';
import type { Candidate } from './discover.js';

/**
 * Two files a scan found that hold the same session (Codex leaves a thread's rollout in both
 * `sessions/` and `archived_sessions/` when an archive is interrupted; a user may copy a file):
 * only one is the session. The adapter ranks the places (lower wins), then the larger file wins
 * (the more complete copy), then the first path. Files the user named are never dropped.
 */
export function dropCopies<T extends { candidate: Candidate; info: SessionInfo }>(items: T[]): { kept: T[]; copies: T[] } {
  const best = new Map<string, T>();
  for (const item of items) {
    if (item.candidate.explicit) continue;
    const other = best.get(item.info.id);
    if (other === undefined || better(item, other)) best.set(item.info.id, item);
  }
  const kept: T[] = [];
  const copies: T[] = [];
  for (const item of items) {
    const winner = best.get(item.info.id);
    if (item.candidate.explicit || winner === undefined || winner === item) kept.push(item);
    else copies.push(item);
  }
  return { kept, copies };
}

function better(a: { candidate: Candidate; info: SessionInfo }, b: { candidate: Candidate; info: SessionInfo }): boolean {
  const rank = (x: typeof a) => adapterOf(x.info.agent).rank?.(x.candidate.path) ?? 0;
  return (rank(a) - rank(b) || b.candidate.size - a.candidate.size || a.candidate.path.localeCompare(b.candidate.path)) < 0;
}
