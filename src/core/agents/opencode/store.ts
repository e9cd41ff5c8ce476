import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { isDirectory } from '../../../util/path-kind.js';
import type { Exported } from '../types.js';
import { exportOpencode, isOpencodeSource } from './export.js';

/**
 * opencode's store as session files: when `path` is opencode's database (or its `-wal`/`-shm`
 * companion, which is what changes while opencode runs), its `storage/` folder (or a JSON file in
 * it), its data folder, or a folder holding a database, every session is exported to a folder of
 * its own under `exportRoot` and that folder is returned; anything else gives undefined.
 */
export async function exportStore(path: string, exportRoot: string): Promise<Exported | undefined> {
  const found = storeOf(resolve(path));
  if (found === undefined) return undefined;
  // One export folder per store however it was reached (the data folder as a home, the database,
  // its WAL as a watcher sees it change): a session is never exported, nor uploaded, twice.
  const dir = join(exportRoot, 'opencode', createHash('sha256').update(found.store).digest('hex').slice(0, 16));
  const problems: string[] = [];
  await exportOpencode(found.store, dir, (reason) => problems.push(reason));
  return { dir, whole: found.whole, problems };
}

/** The store a path belongs to; `whole` when the path is that store or a file of it (nothing else to read there). */
function storeOf(path: string): { store: string; whole: boolean } | undefined {
  const companion = /-(wal|shm|journal)$/.exec(path);
  if (companion) {
    const db = path.slice(0, -companion[0].length);
    return isOpencodeSource(db) ? { store: dataFolderOf(db), whole: true } : undefined;
  }
  if (!isDirectory(path)) {
    if (isOpencodeSource(path)) return { store: dataFolderOf(path), whole: true };
    if (!path.endsWith('.json')) return undefined;
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      if (basename(dir) === 'storage') return isOpencodeSource(dir) ? { store: dataFolderOf(dir), whole: true } : undefined;
    }
    return undefined;
  }
  if (!isOpencodeSource(path)) return undefined;
  const own = basename(path) === 'opencode' || basename(path) === 'storage';
  return { store: own ? dataFolderOf(path) : path, whole: own };
}

/** opencode's data folder, for its database (opencode.db, opencode-<channel>.db) or its storage/; else the path itself. */
function dataFolderOf(path: string): string {
  const name = basename(path);
  return /^opencode(-[A-Za-z0-9._-]+)?\.db$/.test(name) || name === 'storage' ? dirname(path) : path;
}
