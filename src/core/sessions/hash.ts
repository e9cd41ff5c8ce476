import { createHash } from 'node:crypto';
import { openSnapshot } from './snapshot.js';

/** sha256 of the bytes a snapshot of `path` would send now, with the snapshot's facts. */
export async function hashFile(
  path: string,
  maxTail?: number,
  options: { document?: boolean } = {},
): Promise<{ hash: string; length: number; size: number; mtimeMs: number }> {
  const snapshot = await openSnapshot(path, maxTail, options);
  try {
    const hash = createHash('sha256');
    for await (const chunk of snapshot.stream() as AsyncIterable<Buffer>) hash.update(chunk);
    return { hash: hash.digest('hex'), length: snapshot.length, size: snapshot.size, mtimeMs: snapshot.mtimeMs };
  } finally {
    await snapshot.close();
  }
}
