import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { STATE_HINT, fsError } from '../util/fs-error.js';
import { tryLock, withLock } from '../util/lock.js';
import { uniqueSuffix } from '../util/unique.js';
import { plural } from '../util/plural.js';

/** The queue lock is held for one append or rewrite: older than this, its holder is gone. */
const SHORT_HOLD = { maxHoldMs: 5000 };

/** One session waiting to be uploaded, as the hook recorded it. Never holds a token. */
export interface QueueEntry {
  id: string;
  file: string;
  /** The ledger id of the backend (an http(s) URL, `file:` + folder, or `s3://bucket/prefix[?endpoint=...]`), or the value as given if unusable. */
  backend: string;
  /** The hook's --allow-http. */
  allowHttp?: boolean;
  /** The hook's --to (entries queued before sessionsTo/eventsTo existed). */
  to?: string;
  /** Where the metadata save (--save) and the event push (--events) go, fixed when the hook ran: a URL, a folder or a bucket's id. */
  sessionsTo?: string;
  eventsTo?: string;
  maxBytes?: number;
  save?: boolean;
  events?: boolean;
  /** False when the hook ran with --no-redact: sent as it is. Absent: the `redact` setting decides when it is sent. */
  redact?: boolean;
  at: string;
}

/**
 * The durable queue of the hook (`<state>/queue.ndjson`): one JSON line per session, appended
 * and fsynced under a lock, so two hooks racing never corrupt it and a recorded session survives
 * any crash. Entries leave only when a run has dealt with them.
 */
export class Queue {
  readonly path: string;
  private readonly lockPath: string;
  private readonly warn: (message: string) => void;
  private warned = false;

  /** `warn` hears, once, that the file held malformed lines (they are dropped and the file rewritten). */
  constructor(stateDir: string, options: { warn?: (message: string) => void } = {}) {
    this.path = join(stateDir, 'queue.ndjson');
    this.lockPath = join(stateDir, 'queue.lock');
    this.warn = options.warn ?? (() => {});
  }

  static newEntry(fields: Omit<QueueEntry, 'id' | 'at'>): QueueEntry {
    return { id: uniqueSuffix(), ...fields, at: new Date().toISOString() };
  }

  async append(entries: QueueEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    await this.locked(() => {
      mkdirSync(join(this.path, '..'), { recursive: true });
      const fd = openSync(this.path, 'a+');
      try {
        // A hook killed mid-append leaves a torn line: end it, so this entry starts on its own line.
        const size = fstatSync(fd).size;
        const last = Buffer.alloc(1);
        if (size > 0) readSync(fd, last, 0, 1, size - 1);
        const bytes = Buffer.from(size > 0 && last[0] !== 10 ? `\n${text}` : text);
        let written = 0;
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }

  /**
   * Every entry now in the queue. A malformed line (a torn append, a hand edit) is dropped with
   * one warning and the file rewritten without it when its lock is free; an unterminated last
   * line may be an append in progress and is only passed over.
   */
  read(): QueueEntry[] {
    const { entries, malformed } = this.parse();
    if (malformed > 0) {
      if (!this.warned) this.warn(`${this.path}: dropped ${plural(malformed, 'malformed line')}; rewriting the file without them`);
      this.warned = true;
      this.repair();
    }
    return entries;
  }

  /** Removes the given entries; entries appended meanwhile are kept. */
  async remove(ids: Iterable<string>): Promise<void> {
    const gone = new Set(ids);
    if (gone.size === 0) return;
    await this.locked(() => this.rewrite(gone));
  }

  private parse(): { entries: QueueEntry[]; malformed: number } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], malformed: 0 };
      throw fsError(error, 'cannot read the queue', this.path, STATE_HINT);
    }
    const entries: QueueEntry[] = [];
    let malformed = 0;
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      if (isQueueEntry(value)) entries.push(value);
      else if (i < lines.length - 1) malformed++; // the last piece has no newline yet: maybe being written
    });
    return { entries, malformed };
  }

  /** Writes back the valid entries, less `gone`. Under the lock. */
  private rewrite(gone: Set<string>): void {
    const kept = this.parse().entries.filter((e) => !gone.has(e.id));
    writeFileAtomic(this.path, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }

  /** Best effort: a busy lock or an unwritable state dir leaves the rewrite to a later read or remove. */
  private repair(): void {
    try {
      const release = tryLock(this.lockPath);
      if (!release) return;
      try {
        this.rewrite(new Set());
      } finally {
        release();
      }
    } catch {
      // the valid entries are read all the same
    }
  }

  private async locked(fn: () => void): Promise<void> {
    try {
      await withLock(this.lockPath, fn, SHORT_HOLD);
    } catch (error) {
      throw fsError(error, 'cannot write the queue', this.path, STATE_HINT);
    }
  }
}

const optional = (value: unknown, type: 'string' | 'number' | 'boolean') => value === undefined || typeof value === type;

/** The shape every reader of a QueueEntry relies on. Hand-written: the hook loads no zod. */
function isQueueEntry(value: unknown): value is QueueEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.file === 'string' &&
    typeof e.backend === 'string' &&
    typeof e.at === 'string' &&
    optional(e.allowHttp, 'boolean') &&
    optional(e.to, 'string') &&
    optional(e.sessionsTo, 'string') &&
    optional(e.eventsTo, 'string') &&
    optional(e.save, 'boolean') &&
    optional(e.events, 'boolean') &&
    optional(e.redact, 'boolean') &&
    (e.maxBytes === undefined || (typeof e.maxBytes === 'number' && Number.isInteger(e.maxBytes) && e.maxBytes > 0))
  );
}
