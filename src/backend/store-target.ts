import type { Snapshot } from '../core/sessions/snapshot.js';
import type { SessionToUpload, StoredSession, UploadTarget } from '../core/upload-target.js';
import type { TraceStore } from './store/trace-store.js';

/**
 * `--to DIR` and `--to s3://bucket/prefix`: the session-file PUT written straight into a store
 * (the folder store or the bucket store), in-process.
 */
export class StoreUploadTarget implements UploadTarget {
  /**
   * `id` is the backend's ledger id; `release` lets the store go (the bucket store's connections).
   */
  constructor(
    private readonly store: Pick<TraceStore, 'location' | 'sessions'>,
    readonly id: string,
    private readonly release: () => void = () => {},
  ) {}

  endpoint(sessionId: string): string {
    return `store ${this.store.location} (session ${sessionId})`;
  }

  async put(session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> {
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
