import type { Ledger } from './ledger.js';
import type { Candidate } from './sessions/discover.js';
import { describeSession, Scope, type AgentName } from './agents/registry.js';
import { fileState, type FileState } from './sessions/state.js';

export interface BackendStatus {
  backend: string;
  uploaded: number;
  pending: number;
  failed: number;
  too_large: number;
  invalid: number;
  /** Bytes of the pending and failed files: what the next upload would send. */
  to_send_bytes: number;
}

/**
 * Counts per backend over the files found now. A file the ledger does not know is read (its
 * first lines) only to tell sessions from other `.jsonl` files; known files cost nothing more.
 */
export function countStates(candidates: Candidate[], ledger: Ledger, backends: string[], agents: readonly AgentName[]): BackendStatus[] {
  const isSession = new Map<string, boolean>();
  const scope = new Scope();
  const sessionCheck = (path: string) => {
    let known = isSession.get(path);
    if (known === undefined) isSession.set(path, (known = describeSession(path, agents, scope).ok));
    return known;
  };
  return backends.map((backend) => {
    const counts: BackendStatus = { backend, uploaded: 0, pending: 0, failed: 0, too_large: 0, invalid: 0, to_send_bytes: 0 };
    for (const c of candidates) {
      let state: FileState = fileState(c, ledger.get(backend, c.path));
      if (state === 'pending' && !sessionCheck(c.path)) state = 'not_session';
      if (state !== 'not_session') counts[state]++;
      if (state === 'pending' || state === 'failed') counts.to_send_bytes += c.size;
    }
    return counts;
  });
}

/** Whether a backend's row says anything: some file found now has an entry (or a state) there. */
export function holdsEntries(counts: BackendStatus): boolean {
  return counts.uploaded + counts.failed + counts.too_large + counts.invalid > 0;
}
