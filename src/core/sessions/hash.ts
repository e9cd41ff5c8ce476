import { createHash } from 'node:crypto';
import type { Redactor } from '../redact/redactor.js';
import { redactSnapshot } from './redacted-snapshot.js';
import { openSnapshot } from './snapshot.js';

/**
 * sha256 of the bytes a snapshot of `path` would send now (redacted when a redactor is given: the
 * ledger records the hash of what was sent), with the length sent and the file's size and mtime.
 */
export async function hashFile(
  path: string,
  maxTail?: number,
  options: { document?: boolean; redactor?: Redactor } = {},
): Promise<{ hash: string; length: number; size: number; mtimeMs: number }> {
  const raw = await openSnapshot(path, maxTail, { document: options.document });
  const snapshot = options.redactor ? await redactSnapshot(raw, options.redactor) : raw;
  try {
    const hash = createHash('sha256');
    for await (const chunk of snapshot.chunks()) hash.update(chunk);
    return { hash: hash.digest('hex'), length: snapshot.length, size: snapshot.size, mtimeMs: snapshot.mtimeMs };
  } finally {
    await snapshot.close();
  }
}
