import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { withLock } from '../util/lock.js';

export type LedgerStatus = 'uploaded' | 'failed' | 'invalid' | 'too_large' | 'not_session';

/** What happened to one session file on one backend, and the file's state at that moment. */
export interface LedgerEntry {
  status: LedgerStatus;
  /** Size and mtime of the file when it was snapshotted: equal on a later stat = unchanged. */
  size: number;
  mtimeMs: number;
  sessionId?: string;
  traceId?: string;
  parentId?: string;
  /** sha256 (hex) of the bytes stored, and how many: lets a touched but unchanged file be skipped. */
  hash?: string;
  bytes?: number;
  key?: string;
  error?: string;
  /** ISO time of the last attempt. */
  at: string;
}

interface LedgerFile<E> {
  version: 1;
  backends: Record<string, Record<string, E>>;
}

/**
 * The ledger: per backend and session file, what was stored. Kept in the state dir, written
 * atomically, and merged under a lock on every save so that several `traces` processes can run at
 * once: each save writes only the entries this process changed over what is on disk now.
 */
export class Ledger<E = LedgerEntry> {
  readonly path: string;
  private data: LedgerFile<E>;
  private readonly dirty = new Map<string, Map<string, E | null>>();

  private constructor(path: string, data: LedgerFile<E>) {
    this.path = path;
    this.data = data;
  }

  /** The upload ledger (`ledger.json`), or another file of the same shape (the events ledger). */
  static load<E = LedgerEntry>(stateDir: string, name = 'ledger.json'): Ledger<E> {
    const path = join(stateDir, name);
    return new Ledger<E>(path, readLedgerFile<E>(path));
  }

  get(backend: string, file: string): E | undefined {
    return this.data.backends[backend]?.[file];
  }

  /** Every backend the ledger knows, with its entries. */
  backends(): Record<string, Record<string, E>> {
    return this.data.backends;
  }

  set(backend: string, file: string, entry: E): void {
    (this.data.backends[backend] ??= {})[file] = entry;
    this.markDirty(backend, file, entry);
  }

  delete(backend: string, file: string): void {
    const entries = this.data.backends[backend];
    if (entries) delete entries[file];
    this.markDirty(backend, file, null);
  }

  get pending(): number {
    let n = 0;
    for (const files of this.dirty.values()) n += files.size;
    return n;
  }

  /** Merges this process's changes into the file on disk. Cheap when nothing changed. */
  async save(): Promise<void> {
    if (this.pending === 0) return;
    const changes = [...this.dirty.entries()].map(([backend, files]) => [backend, new Map(files)] as const);
    this.dirty.clear();
    await withLock(`${this.path}.lock`, () => {
      const disk = readLedgerFile<E>(this.path);
      for (const [backend, files] of changes) {
        const entries = (disk.backends[backend] ??= {});
        for (const [file, entry] of files) {
          if (entry === null) delete entries[file];
          else entries[file] = entry;
        }
        if (Object.keys(entries).length === 0) delete disk.backends[backend];
      }
      writeFileAtomic(this.path, JSON.stringify(disk));
      this.data = disk;
    }, { maxHoldMs: 5000 });
  }

  private markDirty(backend: string, file: string, entry: E | null): void {
    let files = this.dirty.get(backend);
    if (!files) this.dirty.set(backend, (files = new Map()));
    files.set(file, entry);
  }
}

function readLedgerFile<E>(path: string): LedgerFile<E> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, backends: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as LedgerFile<E>;
    if (parsed && parsed.version === 1 && typeof parsed.backends === 'object' && parsed.backends !== null) return parsed;
  } catch {
    // fall through: a ledger we cannot read is rebuilt; uploads are idempotent PUTs
  }
  return { version: 1, backends: {} };
}
