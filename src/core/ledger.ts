import { isObject } from '../util/is-object.js';
export { isObject };
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { STATE_HINT, fsError } from '../util/fs-error.js';
import { tryLock, withLock } from '../util/lock.js';
import { plural } from '../util/plural.js';

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
  /** too_large only: the client's --max-bytes that refused it (absent when the server answered 413). */
  limit?: number;
  /** ISO time of the last attempt. */
  at: string;
}

interface LedgerFile<E> {
  version: 1;
  backends: Record<string, Record<string, E>>;
}

/** Whether a value read from disk has the shape of one entry. */
export type EntryCheck = (value: unknown) => boolean;

/**
 * The ledger: per backend and session file, what was stored. Kept in the state dir, written
 * atomically, and merged under a lock on every save so that several `traces` processes can run at
 * once: each save writes only the entries this process changed over what is on disk now.
 * Malformed entries found on disk are dropped (`problem` says so, once) and the file rewritten.
 */
export class Ledger<E = LedgerEntry> {
  readonly path: string;
  /** Set when the file on disk held malformed entries: a warning for the caller to show. */
  readonly problem?: string;
  private data: LedgerFile<E>;
  private readonly dirty = new Map<string, Map<string, E | null>>();
  private readonly isEntry: EntryCheck;
  private rewrite: boolean;

  private constructor(path: string, isEntry: EntryCheck) {
    this.path = path;
    this.isEntry = isEntry;
    const read = readLedgerFile<E>(path, isEntry);
    this.data = read.data;
    this.rewrite = read.dropped !== undefined;
    if (read.dropped !== undefined) this.problem = `${path}: ${read.dropped}; rewriting the file without them`;
  }

  /**
   * The upload ledger (`ledger.json`), or another file of the same shape (the events ledger).
   * Each entry is checked with `isEntry` (by default the check known for `name`).
   */
  static load<E = LedgerEntry>(stateDir: string, name = 'ledger.json', isEntry: EntryCheck = isLedgerEntry): Ledger<E> {
    const ledger = new Ledger<E>(join(stateDir, name), isEntry);
    ledger.repair();
    return ledger;
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

  /**
   * Drops every entry of `backend`, under the lock, straight to disk (changes of this process to
   * it included). Returns how many entries there were.
   */
  async forget(backend: string): Promise<number> {
    this.dirty.delete(backend);
    let count = 0;
    try {
      await withLock(
        `${this.path}.lock`,
        () => {
          const disk = readLedgerFile<E>(this.path, this.isEntry).data;
          count = Object.keys(disk.backends[backend] ?? {}).length;
          if (count === 0) return;
          delete disk.backends[backend];
          writeFileAtomic(this.path, JSON.stringify(disk));
          this.data = disk;
        },
        { maxHoldMs: 5000 },
      );
    } catch (error) {
      throw fsError(error, 'cannot write the ledger', this.path, STATE_HINT);
    }
    delete this.data.backends[backend];
    return count;
  }

  get pending(): number {
    let n = 0;
    for (const files of this.dirty.values()) n += files.size;
    return n;
  }

  /** Merges this process's changes into the file on disk. Cheap when nothing changed. */
  async save(): Promise<void> {
    if (this.pending === 0 && !this.rewrite) return;
    const changes = [...this.dirty.entries()].map(([backend, files]) => [backend, new Map(files)] as const);
    this.dirty.clear();
    try {
      await withLock(`${this.path}.lock`, () => this.merge(changes), { maxHoldMs: 5000 });
    } catch (error) {
      // Not written: the changes stay pending for the next save (a newer change to a file wins).
      for (const [backend, files] of changes) {
        for (const [file, entry] of files) if (!this.dirty.get(backend)?.has(file)) this.markDirty(backend, file, entry);
      }
      throw fsError(error, 'cannot write the ledger', this.path, STATE_HINT);
    }
  }

  /**
   * A file with malformed entries is rewritten at once when its lock is free (so that a read-only
   * command such as `traces status` warns only once), else at the next save. Best effort: a state
   * dir we cannot write is reported by the save that needs it.
   */
  private repair(): void {
    if (!this.rewrite) return;
    try {
      const release = tryLock(`${this.path}.lock`);
      if (!release) return;
      try {
        this.merge([]);
      } finally {
        release();
      }
    } catch {
      // left for the next save
    }
  }

  private merge(changes: (readonly [string, Map<string, E | null>])[]): void {
    const disk = readLedgerFile<E>(this.path, this.isEntry).data;
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
    this.rewrite = false;
  }

  private markDirty(backend: string, file: string, entry: E | null): void {
    let files = this.dirty.get(backend);
    if (!files) this.dirty.set(backend, (files = new Map<string, E | null>()));
    files.set(file, entry);
  }
}

/**
 * The file's valid entries, and what was dropped (undefined when nothing was). A file that is
 * not a ledger at all is started afresh: uploads are idempotent PUTs, so forgetting costs a resend.
 */
function readLedgerFile<E>(path: string, isEntry: EntryCheck): { data: LedgerFile<E>; dropped?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { data: { version: 1, backends: {} } };
    throw fsError(error, 'cannot read the ledger', path, STATE_HINT);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const file = parsed as Partial<LedgerFile<unknown>> | undefined;
  if (!isObject(file) || file.version !== 1 || !isObject(file.backends)) {
    return { data: { version: 1, backends: {} }, dropped: 'not a ledger file (no version 1 and backends object); starting a new one' };
  }
  let bad = 0;
  const backends: Record<string, Record<string, E>> = {};
  for (const [backend, entries] of Object.entries(file.backends as Record<string, unknown>)) {
    if (!isObject(entries)) {
      bad++;
      continue;
    }
    const kept: Record<string, E> = {};
    for (const [key, entry] of Object.entries(entries)) {
      if (isEntry(entry)) kept[key] = entry as E;
      else bad++;
    }
    if (Object.keys(kept).length) backends[backend] = kept;
  }
  return { data: { version: 1, backends }, dropped: bad ? `dropped ${plural(bad, 'malformed entry', 'malformed entries')}` : undefined };
}

const STATUSES = new Set<string>(['uploaded', 'failed', 'invalid', 'too_large', 'not_session']);
const optional = (value: unknown, type: 'string' | 'number') => value === undefined || typeof value === type;
export const finite = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

/** An upload ledger entry: what every reader of `LedgerEntry` relies on. */
export function isLedgerEntry(value: unknown): boolean {
  if (!isObject(value)) return false;
  return (
    typeof value.status === 'string' &&
    STATUSES.has(value.status) &&
    finite(value.size) &&
    finite(value.mtimeMs) &&
    typeof value.at === 'string' &&
    (['sessionId', 'traceId', 'parentId', 'hash', 'key', 'error'] as const).every((k) => optional(value[k], 'string')) &&
    optional(value.bytes, 'number') &&
    optional(value.limit, 'number')
  );
}
