import { createHash } from 'node:crypto';

const SAFE = /^[A-Za-z0-9_-]$/;
const MAX_NAME = 180;

/**
 * A file name for any id: every byte outside [A-Za-z0-9_-] is %XX-encoded, so no id (`..`, `a/b`,
 * `C:`, unicode) can name a path outside its folder; very long ids become a hash.
 */
export function safeName(id: string): string {
  let out = '';
  for (const ch of id) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out === '') out = '%';
  return out.length > MAX_NAME ? `~${createHash('sha256').update(id).digest('hex')}` : out;
}
