import type { GitInfo } from './sessions/header.js';
import type { Snapshot } from './sessions/snapshot.js';

/** One session as it is sent: a PUT of the whole file with its headers, to a server or to the local store. */
export interface SessionToUpload {
  file: string;
  sessionId: string;
  traceId: string;
  parentId?: string;
  cwd: string;
  /** The version of the agent that wrote the session, when known. */
  agentVersion?: string;
  git?: GitInfo;
}

/** What the backend stored, and the snapshot it came from. */
export interface StoredSession {
  key: string;
  /** Bytes sent and stored. */
  bytes: number;
  /** sha256 of those bytes, hex. */
  hash: string;
  /** Size and mtime of the file at the snapshot that was sent. */
  size: number;
  mtimeMs: number;
  traceId?: string;
}

/** Where uploads go. `open` gives a fresh snapshot for every attempt. */
export interface UploadTarget {
  /** The ledger's key for this backend (a normalised URL, or `file:` + folder). */
  readonly id: string;
  /** Where a session would go, for --dry-run and messages. */
  endpoint(sessionId: string): string;
  put(session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession>;
  /** Waits for requests in flight, then lets go of connections. */
  close(): Promise<void>;
  /** Drops requests in flight at once (a shutdown whose time is up). */
  abort(): Promise<void>;
}
