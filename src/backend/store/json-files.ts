import { linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic, fsyncDir } from '../../util/atomic-write.js';
import type { StoreDir } from './store-dir.js';

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces `path` atomically, its temp file in the store's staging folder. */
export function writeJson(store: StoreDir, path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value)}\n`, 0o644, store.stagingDir());
}

/**
 * Creates `path` only if it does not exist, atomically and whole: the content goes to a temp file
 * first, then a hard link claims the name (link fails if the name is taken). Returns false if it existed.
 */
export function createJsonExclusive(store: StoreDir, path: string, value: unknown): boolean {
  mkdirSync(dirname(path), { recursive: true });
  const temp = store.tempPath();
  writeFileAtomic(temp, `${JSON.stringify(value)}\n`);
  try {
    linkSync(temp, path);
    fsyncDir(dirname(path));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}
