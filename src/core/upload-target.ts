import { createHash } from 'node:crypto';
import type { GitInfo } from './sessions/header.js';
import type { Snapshot } from './sessions/snapshot.js';

/** One session as it is sent: the PUT of DESIGN §2.1, to a server or to the local store. */
export interface SessionToUpload {
  file: string;
  sessionId: string;
  traceId: string;
  parentId?: string;
  cwd: string;
  agentVersion: string;
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
  close(): Promise<void>;
}

/** A snapshot's bytes as an async iterable that hashes what passes through. */
export function hashingBody(snapshot: Snapshot): { body: AsyncIterable<Buffer>; digest(): string | undefined } {
  const hash = createHash('sha256');
  let seen = 0;
  async function* body(): AsyncGenerator<Buffer> {
    for await (const chunk of snapshot.stream() as AsyncIterable<Buffer>) {
      hash.update(chunk);
      seen += chunk.length;
      yield chunk;
    }
  }
  let digest: string | undefined;
  return {
    body: body(),
    // Only a body that was read whole has a hash worth keeping.
    digest: () => (seen === snapshot.length ? (digest ??= hash.digest('hex')) : undefined),
  };
}

/** Header values must be visible ASCII: anything else (a unicode cwd) is percent-encoded. */
export function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** The headers of DESIGN §2.1 for one session. */
export function sessionHeaders(session: SessionToUpload): Record<string, string> {
  const headers: Record<string, string> = {
    'x-trace-id': headerValue(session.traceId),
    'x-cwd': headerValue(session.cwd),
    'x-agent-version': headerValue(session.agentVersion),
  };
  if (session.parentId !== undefined) headers['x-parent-session'] = headerValue(session.parentId);
  if (session.git?.repoUrl) headers['x-git-repo'] = headerValue(session.git.repoUrl);
  if (session.git?.commit) headers['x-git-commit'] = headerValue(session.git.commit);
  return headers;
}
