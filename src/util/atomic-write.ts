import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { uniqueSuffix } from './unique.js';

/**
 * Writes `data` to `path` so that readers see the old file or the new one, never a mix, even
 * after a crash: a temp file in the same folder, fsync, rename, then fsync of the folder.
 * `tempDir` puts the temp file elsewhere on the same file system (the store's staging folder,
 * where crash leftovers are found without a scan).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, tempDir?: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(tempDir ?? dir, `.${basename(path)}.${uniqueSuffix()}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
