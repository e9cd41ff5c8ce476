import { createHash } from 'node:crypto';

/** The namespace of every id traces derives (a fixed, random UUID). */
export const TRACES_NAMESPACE = '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';

/** RFC 9562 UUIDv5: the same namespace and name always give the same id, on any machine. */
export function uuidV5(name: string, namespace = TRACES_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
