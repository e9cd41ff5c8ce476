import { basename } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { discover } from './discover.js';
import { readHeader } from './header.js';

/**
 * A FILE|ID argument as a session file: an existing file as it is; an id as the session with
 * that id under `roots` (by file name first, then by header).
 */
export function findSessionFile(arg: string, roots: string[]): string {
  if (existsSync(arg) && statSync(arg).isFile()) return arg;
  const candidates = discover(roots, { required: false });
  const byName = candidates.find((c) => basename(c.path) === `${arg}.jsonl`);
  if (byName) return byName.path;
  const byHeader = candidates.find((c) => {
    const read = readHeader(c.path);
    return read.ok && read.header.id === arg;
  });
  if (byHeader) return byHeader.path;
  throw new UsageError(`${arg}: no such session file, and no session with that id in ${roots.join(' or ')}`);
}
