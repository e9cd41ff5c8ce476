/**
 * Any value from a file or an answer as text for a person or an event: a string as it is, a
 * number or boolean as written, an object or array as JSON (never "[object Object]"), nothing as
 * `fallback`.
 */
export function asText(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'symbol') return value.toString();
  return JSON.stringify(value) ?? fallback;
}
