import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { withLock } from '../util/lock.js';
import { uniqueSuffix } from '../util/unique.js';

/** The queue lock is held for one append or rewrite: older than this, its holder is gone. */
const SHORT_HOLD = { maxHoldMs: 5000 };

/** One session waiting to be uploaded, as the hook recorded it. Never holds a token. */
export interface QueueEntry {
  id: string;
  file: string;
  /** The ledger id of the backend (an http(s) URL, or `file:` + folder), or the value as given if unusable. */
  backend: string;
  /** The hook's --allow-http. */
  allowHttp?: boolean;
  /** The hook's --to, for the metadata save and event push that follow the upload. */
  to?: string;
  maxBytes?: number;
  save?: boolean;
  events?: boolean;
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

  constructor(stateDir: string) {
    this.path = join(stateDir, 'queue.ndjson');
    this.lockPath = join(stateDir, 'queue.lock');
  }

  static newEntry(fields: Omit<QueueEntry, 'id' | 'at'>): QueueEntry {
    return { id: uniqueSuffix(), ...fields, at: new Date().toISOString() };
  }

  async append(entries: QueueEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    await withLock(this.lockPath, () => {
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
    }, SHORT_HOLD);
  }

  /** Every entry now in the queue (a torn line from a crash mid-append is passed over). */
  read(): QueueEntry[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    const entries: QueueEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as QueueEntry;
        if (typeof entry.id === 'string' && typeof entry.file === 'string' && typeof entry.backend === 'string') entries.push(entry);
      } catch {
        // torn
      }
    }
    return entries;
  }

  /** Removes the given entries; entries appended meanwhile are kept. */
  async remove(ids: Iterable<string>): Promise<void> {
    const gone = new Set(ids);
    if (gone.size === 0) return;
    await withLock(this.lockPath, () => {
      const kept = this.read().filter((e) => !gone.has(e.id));
      writeFileAtomic(this.path, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
    }, SHORT_HOLD);
  }
}
