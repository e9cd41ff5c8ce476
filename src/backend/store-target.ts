import type { Snapshot } from '../core/sessions/snapshot.js';
import type { SessionToUpload, StoredSession, UploadTarget } from '../core/upload-target.js';
import { unreachableReason } from '../errors.js';
import { isRetryable, withRetries, type RetryPolicy } from './retry.js';
import type { TraceStore } from './store/trace-store.js';

/**
 * `--to DIR` and `--to s3://bucket/prefix`: the session-file PUT written straight into a store
 * (the folder store or the bucket store), in-process.
 */
export class StoreUploadTarget implements UploadTarget {
  /**
   * `id` is the backend's ledger id; `release` lets the store go (the bucket store's connections);
   * `retry`, for a store across a network, sends a body that failed on the way again, from a new
   * snapshot of the file (a stream is read once), as the HTTP target does.
   */
  constructor(
    private readonly store: Pick<TraceStore, 'location' | 'sessions'>,
    readonly id: string,
    private readonly release: () => void = () => {},
    private readonly retry?: RetryPolicy,
  ) {}

  endpoint(sessionId: string): string {
    return `store ${this.store.location} (session ${sessionId})`;
  }

  async put(session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> {
    if (!this.retry) return this.putOnce(session, open);
    // Only a body that failed on its way is sent again (the store's client already retried its
    // other requests), and not to a store that cannot be reached at all: the run's fail-fast rule
    // takes that from here.
    return withRetries(() => this.putOnce(session, open), this.retry, {
      retryable: (error) => isRetryable(error) && !unreachableReason(error) && (error as { resendable?: boolean }).resendable === true,
    });
  }

  private async putOnce(session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> {
    const snapshot = await open();
    try {
      const record = await this.store.sessions.put(
        {
          sessionId: session.sessionId,
          traceId: session.traceId,
          parentId: session.parentId,
          cwd: session.cwd,
          agentVersion: session.agentVersion,
          gitRepo: session.git?.repoUrl,
          gitCommit: session.git?.commit,
        },
        snapshot.stream(),
        snapshot.length,
      );
      return {
        key: record.key,
        bytes: record.bytes,
        hash: record.sha256,
        size: snapshot.size,
        mtimeMs: snapshot.mtimeMs,
        traceId: record.trace_id,
      };
    } finally {
      await snapshot.close();
    }
  }

  async close(): Promise<void> {
    this.release();
  }

  async abort(): Promise<void> {
    this.release();
  }
}
