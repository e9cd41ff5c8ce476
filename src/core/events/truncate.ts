import { MAX_EVENT_DEPTH } from '../../contracts/wire.js';

/**
 * Cuts every string in `value` longer than `maxBytes` (UTF-8) and says how much was cut, so one
 * huge tool output cannot make an event too large to send. Objects and arrays nested deeper than
 * the backend accepts (MAX_EVENT_DEPTH, counted from `value`'s own fields) are replaced by a
 * marker, so a pathological session still converts, and the walk never goes deeper than that.
 */
export function cutStrings<T>(value: T, maxBytes: number, depth = 0): T {
  if (typeof value === 'string') return cutString(value, maxBytes) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_EVENT_DEPTH) return `[traces: cut, nested deeper than ${MAX_EVENT_DEPTH} levels]` as T;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => cutStrings(v, maxBytes, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cutStrings(v, maxBytes, depth + 1);
  return out as T;
}

export function cutString(text: string, maxBytes: number): string {
  // Cheap test first: a string of n UTF-16 units has at most 3n UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // do not split a character
  return `${bytes.subarray(0, end).toString('utf8')}…[traces: cut ${bytes.length - end} of ${bytes.length} bytes]`;
}
