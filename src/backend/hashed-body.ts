import { createHash } from 'node:crypto';
import type { Snapshot } from '../core/sessions/snapshot.js';

/** Bodies at least this large are hashed on another thread while they stream. */
const WORKER_HASH_BYTES = 8 * 1024 * 1024;
/**
 * The size of each read of the body. Larger reads (4 MiB) cost no less CPU through undici and
 * raise the peak RSS (`node bench/run.mjs --only upload-paths` compares them).
 */
const BODY_CHUNK = 1024 * 1024;

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
    return { body: snapshot.chunks(BODY_CHUNK), digest: () => hashed.catch(() => undefined) };
  }
  const hash = createHash('sha256');
  let seen = 0;
  async function* body(): AsyncGenerator<Buffer> {
    for await (const chunk of snapshot.chunks(BODY_CHUNK)) {
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
