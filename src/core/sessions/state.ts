import type { LedgerEntry } from '../ledger.js';
import type { Candidate } from './discover.js';

/** A session file's state on one backend, from one stat and the ledger. */
export type FileState = 'uploaded' | 'pending' | 'failed' | 'too_large' | 'invalid' | 'not_session';

/** `pending` = never sent, or changed since it was: the file's size or mtime moved. */
export function fileState(candidate: Pick<Candidate, 'size' | 'mtimeMs'>, entry: LedgerEntry | undefined): FileState {
  if (!entry) return 'pending';
  if (entry.size !== candidate.size || entry.mtimeMs !== candidate.mtimeMs) return entry.status === 'failed' ? 'failed' : 'pending';
  return entry.status;
}
