import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { exportOpencode, isOpencodeSource } from './export.js';

/**
 * opencode's store as session files: when `path` is opencode's database (or its `-wal`/`-shm`
 * companion, which is what changes while opencode runs), its `storage/` folder (or a JSON file in
 * it), or the data folder holding either, every session is exported to a folder of its own under
 * `exportRoot` (one per store) and that folder is returned; anything else gives undefined.
 */
export async function exportStore(path: string, exportRoot: string): Promise<string | undefined> {
  const store = storeOf(resolve(path));
  if (store === undefined) return undefined;
  const dir = join(exportRoot, 'opencode', createHash('sha256').update(store).digest('hex').slice(0, 16));
  await exportOpencode(store, dir);
  return dir;
}

function storeOf(path: string): string | undefined {
  const companion = /-(wal|shm|journal)$/.exec(path);
  if (companion) {
    const db = path.slice(0, -companion[0].length);
    return isOpencodeSource(db) ? db : undefined;
  }
  if (isOpencodeSource(path)) return path;
  if (path.endsWith('.json')) {
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      if (basename(dir) === 'storage') return isOpencodeSource(dir) ? dir : undefined;
    }
  }
  return undefined;
}
