import { createHash } from 'node:crypto';
import { encodeHeaderValue } from '../backend/header-value.js';
import { UNKNOWN_AGENT_VERSION } from './sessions/agent-version.js';
import type { GitInfo } from './sessions/header.js';
import type { Snapshot } from './sessions/snapshot.js';

/** One session as it is sent: the PUT of DESIGN §2.1, to a server or to the local store. */
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

/** Bodies at least this large are hashed on another thread while they stream. */
const WORKER_HASH_BYTES = 8 * 1024 * 1024;

/**
 * A snapshot's bytes to send, and the sha256 of exactly those bytes. A small body is hashed as it
 * passes; a large one is hashed by a worker thread reading the same open file (the same inode,
 * whatever the agent does to the path), so the hash costs the upload no time on a second core.
 * `digest` is undefined when the body was not read whole.
 */
export function hashedBody(snapshot: Snapshot): { body: AsyncIterable<Buffer>; digest(): Promise<string | undefined> } {
  if (snapshot.length >= WORKER_HASH_BYTES && snapshot.fd !== undefined) {
    const hashed = hashInWorker(snapshot.fd, snapshot.length);
    hashed.catch(() => undefined);
    return { body: snapshot.stream() as AsyncIterable<Buffer>, digest: () => hashed.catch(() => undefined) };
  }
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
    digest: async () => (seen === snapshot.length ? (digest ??= hash.digest('hex')) : undefined),
  };
}

const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { fd, length } = workerData;
const hash = createHash('sha256');
const buf = Buffer.allocUnsafe(1024 * 1024);
let position = 0;
while (position < length) {
  const n = readSync(fd, buf, 0, Math.min(buf.length, length - position), position);
  if (n === 0) break;
  hash.update(buf.subarray(0, n));
  position += n;
}
parentPort.postMessage(position === length ? hash.digest('hex') : null);
`;

/** sha256 of the first `length` bytes of an open file, computed on a worker thread. */
export async function hashInWorker(fd: number, length: number): Promise<string | undefined> {
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: { fd, length } });
    worker.once('message', (digest: string | null) => resolve(digest ?? undefined));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`hash worker exited with ${code}`))));
  });
}

/** The headers of DESIGN §2.1 for one session, each value encoded so that it arrives unchanged. */
export function sessionHeaders(session: SessionToUpload): Record<string, string> {
  const headers: Record<string, string> = {
    'x-trace-id': encodeHeaderValue(session.traceId),
    'x-cwd': encodeHeaderValue(session.cwd),
    'x-agent-version': encodeHeaderValue(session.agentVersion ?? UNKNOWN_AGENT_VERSION),
  };
  if (session.parentId !== undefined) headers['x-parent-session'] = encodeHeaderValue(session.parentId);
  if (session.git?.repoUrl) headers['x-git-repo'] = encodeHeaderValue(session.git.repoUrl);
  if (session.git?.commit) headers['x-git-commit'] = encodeHeaderValue(session.git.commit);
  return headers;
}
