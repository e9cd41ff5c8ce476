import type { LedgerEntry } from './ledger.js';
import type { Candidate } from './sessions/discover.js';
import type { GitInfo, SessionInfo } from './agents/types.js';
import type { Lineage } from './sessions/tree.js';

export type SessionStatus = 'uploaded' | 'unchanged' | 'failed' | 'too_large' | 'invalid' | 'pending';

/** One line of the result (the `sessions[]` of `--json`). */
export interface SessionReport {
  file: string;
  session_id: string | null;
  trace_id: string | null;
  parent_session: string | null;
  status: SessionStatus;
  bytes: number;
  key: string | null;
  error: string | null;
  /** --dry-run only: where it would go and with which git facts. */
  kind?: Lineage['kind'];
  endpoint?: string;
  git?: GitInfo | null;
}

export interface UploadReport {
  total: number;
  uploaded: number;
  unchanged: number;
  /** Sessions not stored: failed, too large or invalid. */
  failed: number;
  /** Sessions not sent in this run (a dry run, or a backend found unreachable): the next run sends them. */
  pending: number;
  /** Set when the run stopped early because the backend could not be reached: why, e.g. ECONNREFUSED. */
  unreachable: string | null;
  /** Bytes sent in this run. */
  bytes: number;
  sessions: SessionReport[];
}

/** The totals of a run from its per-session reports. */
export function summarise(sessions: SessionReport[], unreachable?: string): UploadReport {
  const result: UploadReport = {
    total: sessions.length,
    uploaded: 0,
    unchanged: 0,
    failed: 0,
    pending: 0,
    unreachable: unreachable ?? null,
    bytes: 0,
    sessions,
  };
  for (const s of sessions) {
    if (s.status === 'uploaded') {
      result.uploaded++;
      result.bytes += s.bytes;
    } else if (s.status === 'unchanged') result.unchanged++;
    else if (s.status === 'pending') result.pending++;
    else result.failed++;
  }
  return result;
}

/** Whether a run did all it was asked: nothing left unsent for a failure or an unreachable backend. */
export function runSucceeded(report: UploadReport): boolean {
  return report.failed === 0 && report.unreachable === null;
}

export function blank(candidate: Candidate, status: SessionStatus, error: string | null): SessionReport {
  return { file: candidate.path, session_id: null, trace_id: null, parent_session: null, status, bytes: 0, key: null, error };
}

export function fromEntry(candidate: Candidate, e: LedgerEntry, status: SessionStatus, error: string | null): SessionReport {
  return {
    file: candidate.path,
    session_id: e.sessionId ?? null,
    trace_id: e.traceId ?? null,
    parent_session: e.parentId ?? null,
    status,
    bytes: e.bytes ?? 0,
    key: e.key ?? null,
    error,
  };
}

export function entry(status: LedgerEntry['status'], candidate: Candidate, info: SessionInfo, extra: Partial<LedgerEntry>): LedgerEntry {
  return { status, size: candidate.size, mtimeMs: candidate.mtimeMs, sessionId: info.id, ...extra, at: now() };
}

export const now = () => new Date().toISOString();
