import type { Snapshot } from '../core/sessions/snapshot.js';
import type { SessionToUpload, StoredSession, UploadTarget } from '../core/upload-target.js';
import { backendId } from '../contracts/backend-id.js';
import { SessionFiles } from './store/sessions.js';

/** `--to DIR`: the session-file PUT written straight into the embedded store, in-process. */
export class StoreUploadTarget implements UploadTarget {
  readonly id: string;
  private readonly files: SessionFiles;

  constructor(readonly dir: string) {
    this.id = backendId({ kind: 'dir', dir });
    this.files = new SessionFiles(dir);
  }

  endpoint(sessionId: string): string {
    return `store ${this.dir} (session ${sessionId})`;
  }

  async put(session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> {
    const snapshot = await open();
    try {
      const record = await this.files.put(
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

  async close(): Promise<void> {}

  async abort(): Promise<void> {}
}
