import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../../util/atomic-write.js';
import type { SessionStart, TraceEvent } from '../../contracts/wire.js';
import { readJson, writeJson } from './json-files.js';
import { layout, segmentSeq } from './layout.js';
import { safeName } from './names.js';
import { newEventLines, parseEventLines, uniqueEvents, refuseTooDeep, sessionStartId, startedSession } from './rules.js';
import { StoreDir } from './store-dir.js';
import type { EventStore, SessionEvent, StoredEvent } from './trace-store.js';

/**
 * Session starts and their events: `<data>/events/<session>/session.json` and `events.ndjson`
 * (plus, read only, the log segments a bucket store writes, when a bucket was copied here).
 * Events are deduplicated by `event_id`, so a batch sent again (after a 500 that stored half of
 * it) adds only what is missing. An id counts as stored only once its line is fsynced. Appends
 * and merges hold the session's store lock, which other processes on the store honour too.
 */
export class EventFiles implements EventStore {
  /** The ids of the sessions written to lately, most recent last: a cache, read again from disk when evicted. */
  private readonly seen = new Map<string, { size: number; ids: Set<string> }>();

  constructor(
    private readonly dataDir: string,
    private readonly store = new StoreDir(dataDir),
    /** How many sessions' ids a long-running `traces serve` keeps in memory. */
    private readonly cachedSessions = 256,
  ) {}

  private lock<T>(sessionId: string, fn: () => T | Promise<T>): Promise<T> {
    return this.store.lock(`events-${safeName(sessionId)}`, fn);
  }

  private path(key: string): string {
    return join(this.dataDir, key);
  }

  async getSession(sessionId: string): Promise<SessionEvent | undefined> {
    return readJson<SessionEvent>(this.path(layout.sessionStart(sessionId)));
  }

  startSession(body: SessionStart): Promise<{ created: boolean; session: SessionEvent }> {
    const sessionId = sessionStartId(body);
    refuseTooDeep(body, '');
    return this.lock(sessionId, async () => {
      const path = this.path(layout.sessionStart(sessionId));
      const existing = readJson<SessionEvent>(path);
      const session = startedSession(existing, sessionId, body);
      writeJson(this.store, path, session);
      return { created: !existing, session };
    });
  }

  /**
   * Appends the events not stored yet; returns every event's id (generated when absent).
   * `storeAtMost` stores only that many new events and then throws: a test seam for "partly added".
   */
  append(sessionId: string, events: TraceEvent[], storeAtMost = Number.POSITIVE_INFINITY): Promise<{ eventIds: string[]; added: number }> {
    events.forEach((event, index) => refuseTooDeep(event, `events.${index}.`));
    return this.lock(sessionId, async () => {
      const file = this.path(layout.eventsFile(sessionId));
      const dir = dirname(file);
      const known = this.knownIds(sessionId, file);
      const { eventIds, lines, adding, cut } = newEventLines(sessionId, events, known.ids, storeAtMost);
      if (lines.length) {
        mkdirSync(dir, { recursive: true });
        const fd = openSync(file, 'a+');
        try {
          // A crash mid-append can leave a torn last line: end it, so the next event starts on its own line.
          const torn = known.size > 0 && !endsWithNewline(fd, known.size);
          const bytes = Buffer.from(`${torn ? '\n' : ''}${lines.join('\n')}\n`);
          let written = 0;
          while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
          fsyncSync(fd);
          if (known.size === 0) fsyncDir(dir); // a new file: its name must be durable too
          // Only now, with the bytes durable, do these ids count as stored.
          known.size += bytes.length;
          for (const id of adding) known.ids.add(id);
        } finally {
          closeSync(fd);
        }
      }
      if (cut) throw new Error(`stored ${lines.length} of ${events.length} events`);
      return { eventIds, added: lines.length };
    });
  }

  async list(sessionId: string): Promise<StoredEvent[]> {
    return this.readAll(sessionId);
  }

  /** The events file, then any log segments in order. */
  private readAll(sessionId: string): StoredEvent[] {
    const texts = [readText(this.path(layout.eventsFile(sessionId))), ...this.segments(sessionId).map(readText)];
    return uniqueEvents(texts.flatMap((text) => parseEventLines<StoredEvent>(text)));
  }

  private segments(sessionId: string): string[] {
    const dir = this.path(layout.eventsLog(sessionId));
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => segmentSeq(`/${name}`) !== undefined)
      .sort()
      .map((name) => join(dir, name));
  }

  /** Ids already stored, re-read whenever another process has appended since. */
  private knownIds(sessionId: string, file: string): { size: number; ids: Set<string> } {
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      // no events yet
    }
    const cached = this.seen.get(sessionId);
    this.seen.delete(sessionId);
    const known = cached && cached.size === size ? cached : { size, ids: new Set(this.readAll(sessionId).map((e) => e.event_id)) };
    this.seen.set(sessionId, known);
    for (const oldest of this.seen.keys()) {
      if (this.seen.size <= this.cachedSessions) break;
      this.seen.delete(oldest);
    }
    return known;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 10;
}
