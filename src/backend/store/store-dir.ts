import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStoreRoot, STORE_MARKER } from '../../contracts/store-marker.js';
import { STORE_FOLDERS } from './layout.js';
import { KeyedMutex } from '../../util/keyed-mutex.js';
import { withLock } from '../../util/lock.js';
import { uniqueSuffix } from '../../util/unique.js';

/** Where every writer of the store stages its bytes before a rename puts them in place. */
const STAGING = '.staging';
const LOCKS = '.locks';

/** A temp file this old is left by a crash, not by a write still running in another process. */
export const STALE_TEMP_MS = 5 * 60 * 1000;

/**
 * Lock timing for the store's read-modify-write sections, which take milliseconds: a holder
 * still there after a minute is a reused pid, not a live writer.
 */
const LOCK_OPTIONS = { timeoutMs: 30_000, maxHoldMs: 60_000 };

/** One queue per lock file in this process, so waiters here chain instead of polling the file. */
const inProcess = new KeyedMutex();

/**
 * The store's root folder: its marker, its staging folder for temp files and its lock files.
 * Opening it (once, on first use) marks the folder as a store and removes temp files that a
 * crash left behind. Temp files all live in one staging folder, so that clean-up reads one
 * folder, not the whole store; a store made before the marker gets one full sweep.
 */
export class StoreDir {
  private opened = false;
  private staged = false;

  constructor(readonly root: string) {}

  /** Marks the store and removes stale temp files; cheap after the first call. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      names = [];
    }
    if (!names.includes(STORE_MARKER)) {
      // Never sweep a folder that is not a store: its .tmp files are someone else's.
      if (isStoreRoot(this.root, names)) for (const folder of STORE_FOLDERS) sweepTemps(join(this.root, folder));
      mkdirSync(this.root, { recursive: true });
      try {
        writeFileSync(join(this.root, STORE_MARKER), 'This folder is a traces store; session scans do not enter it.\n', { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    removeStale(join(this.root, STAGING), Date.now() - STALE_TEMP_MS);
  }

  /** A new temp file name in the staging folder (same file system as the store: renames stay atomic). */
  tempPath(): string {
    return join(this.stagingDir(), `${uniqueSuffix()}.tmp`);
  }

  /** The staging folder, for writers that name their own temp file in it. */
  stagingDir(): string {
    this.open();
    const dir = join(this.root, STAGING);
    if (!this.staged) {
      mkdirSync(dir, { recursive: true });
      this.staged = true;
    }
    return dir;
  }

  /**
   * Runs `fn` holding the store lock `name` (a file name part), which excludes other processes
   * on this store as well as other callers in this one.
   */
  lock<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    this.open();
    const path = join(this.root, LOCKS, `${name}.lock`);
    return inProcess.run(path, () => withLock(path, fn, LOCK_OPTIONS));
  }
}

function removeStale(dir: string, before: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // nothing staged yet
  }
  for (const name of names) removeIfStale(join(dir, name), before);
}

function removeIfStale(path: string, before: number): void {
  try {
    if (statSync(path).mtimeMs < before) rmSync(path, { force: true });
  } catch {
    // removed meanwhile by its writer
  }
}

/** A store made before the staging folder kept temp files beside their targets: look everywhere, once. */
function sweepTemps(folder: string): void {
  const before = Date.now() - STALE_TEMP_MS;
  let entries;
  try {
    entries = readdirSync(folder, { recursive: true, withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) removeIfStale(join(entry.parentPath, entry.name), before);
  }
}
