import type { Ledger } from './ledger.js';
import type { Candidate } from './sessions/discover.js';
import { describeSession, Scope, type AgentName, type SessionInfo } from './agents/registry.js';
import { dropCopies } from './sessions/copies.js';
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
  const infos = new Map<string, SessionInfo | null>();
  const scope = new Scope();
  const infoOf = (c: Candidate) => {
    let info = infos.get(c.path);
    if (info === undefined) {
      const read = describeSession(c.path, agents, scope);
      infos.set(c.path, (info = read.ok ? read.info : null));
    }
    return info;
  };
  return backends.map((backend) => {
    const counts: BackendStatus = { backend, uploaded: 0, pending: 0, failed: 0, too_large: 0, invalid: 0, to_send_bytes: 0 };
    const pending: { candidate: Candidate; info: SessionInfo }[] = [];
    for (const c of candidates) {
      const state: FileState = fileState(c, ledger.get(backend, c.path));
      if (state === 'pending') {
        const info = infoOf(c);
        if (info) pending.push({ candidate: c, info });
        continue;
      }
      if (state !== 'not_session') counts[state]++;
      if (state === 'failed') counts.to_send_bytes += c.size;
    }
    // A session held by two files is one session to send (the upload drops the copy).
    for (const { candidate } of dropCopies(pending).kept) {
      counts.pending++;
      counts.to_send_bytes += candidate.size;
    }
    return counts;
  });
}

/** Whether a backend's row says anything: some file found now has an entry (or a state) there. */
export function holdsEntries(counts: BackendStatus): boolean {
  return counts.uploaded + counts.failed + counts.too_large + counts.invalid > 0;
}
