import { createReadStream, readdirSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { isStoreRoot } from '../../contracts/store-marker.js';
import { fsyncDir } from '../../util/atomic-write.js';
import { isStoreKey } from './layout.js';
import { StoreDir } from './store-dir.js';

/** One key of a store as a copy sees it: its length and when it was last written. */
export interface KeyInfo {
  key: string;
  size: number;
  modified: Date;
}

/** A key's body, open for reading, with the length and time of the version being read. */
export interface OpenedKey extends KeyInfo {
  stream: Readable;
}

/**
 * A store seen as keys (store/layout.ts), whatever holds them: what `traces store copy` reads from
 * one store and writes to another.
 */
export interface KeyView {
  /** How people name the store: its folder or its `s3://` URL. */
  readonly name: string;
  /** Every key of the store, except the store's own working files (staging, locks, probes). */
  list(): AsyncIterable<KeyInfo>;
  /** The key's body; undefined when it is gone. */
  open(key: string): Promise<OpenedKey | undefined>;
  /** Writes the whole body under `key`, so that a reader sees the old version or the new one, never a mix. */
  write(from: OpenedKey): Promise<void>;
  close(): void;
}

/** Does the folder hold a store (this version's marker, or an older version's layout)? */
export function isStoreFolder(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  return isStoreRoot(dir, names);
}

/**
 * A folder store as keys: its files, with `/` between folders. A write streams to a temp file in
 * the store's staging folder, fsyncs it, gives it the source's time (so a second copy finds it
 * unchanged) and renames it into place.
 */
export class FolderKeys implements KeyView {
  readonly name: string;
  private readonly dir: StoreDir;

  constructor(readonly root: string) {
    this.name = root;
    this.dir = new StoreDir(root);
  }

  async *list(): AsyncIterable<KeyInfo> {
    let entries;
    try {
      entries = readdirSync(this.root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
      const key = join(entry.parentPath, entry.name)
        .slice(this.root.length + 1)
        .split(sep)
        .join('/');
      if (!isStoreKey(key)) continue; // the marker, locks, staging, what other tools left here
      let stat;
      try {
        stat = statSync(join(this.root, key));
      } catch {
        continue; // removed since the folder was read
      }
      yield { key, size: stat.size, modified: stat.mtime };
    }
  }

  async open(key: string): Promise<OpenedKey | undefined> {
    let handle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // The length and time of the file as opened: a file appended to meanwhile is copied as it
    // was here, and a later copy finds it changed.
    const stat = await handle.stat();
    if (stat.size === 0) {
      await handle.close();
      return { key, size: 0, modified: stat.mtime, stream: Readable.from([]) };
    }
    return { key, size: stat.size, modified: stat.mtime, stream: createReadStream('', { fd: handle, start: 0, end: stat.size - 1 }) };
  }

  async write(from: OpenedKey): Promise<void> {
    const path = this.pathOf(from.key);
    const temp = this.dir.tempPath();
    const handle = await open(temp, 'w', 0o644);
    try {
      let written = 0;
      for await (const chunk of from.stream as AsyncIterable<Buffer>) {
        await handle.write(chunk);
        written += chunk.length;
      }
      if (written !== from.size) throw new Error(`${from.key}: read ${written} bytes of ${from.size}`);
      await handle.sync();
      await handle.utimes(from.modified, from.modified);
      await handle.close();
      await mkdir(dirname(path), { recursive: true });
      await rename(temp, path);
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
    fsyncDir(dirname(path));
  }

  /** The key's file; a key that would name a place outside the store, or one of its working files, is refused. */
  private pathOf(key: string): string {
    const parts = key.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\')) || !isStoreKey(key)) {
      throw new Error(`${key}: not a key a folder store can hold`);
    }
    return join(this.root, ...parts);
  }

  close(): void {}
}
