import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../errors.js';
import { fsyncDir } from '../../util/atomic-write.js';
import { tooDeepAt, tooDeepMessage, UUID_TEXT, type SessionStart, type TraceEvent } from '../../contracts/wire.js';
import { readJson, writeJson } from './json-files.js';
import { safeName } from './names.js';
import { StoreDir } from './store-dir.js';

export type StoredEvent = TraceEvent & { event_id: string; session_id: string };

/** The session event that `POST /v1/sessions` creates and returns. */
export interface SessionEvent {
  session_id: string;
  event_id: string;
  event_type: 'session';
  event_name: string;
  session_name: string | null;
  source: string;
  start_time: number | null;
  end_time: number | null;
  duration: number | null;
  config: Record<string, unknown>;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  metadata: Record<string, unknown>;
  user_properties: Record<string, unknown>;
  children_ids: string[];
  created_at: string;
  updated_at: string;
}

/**
 * Session starts and their events: `<data>/events/<session>/session.json` and `events.ndjson`.
 * Events are deduplicated by `event_id`, so a batch sent again (after a 500 that stored half of
 * it) adds only what is missing. An id counts as stored only once its line is fsynced. Appends
 * and merges hold the session's store lock, which other processes on the store honour too.
 */
export class EventFiles {
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

  private dir(sessionId: string): string {
    return join(this.dataDir, 'events', safeName(sessionId));
  }

  getSession(sessionId: string): SessionEvent | undefined {
    return readJson<SessionEvent>(join(this.dir(sessionId), 'session.json'));
  }

  /** Idempotent on session_id: a repeat merges metadata and user_properties into the existing session. */
  startSession(body: SessionStart): Promise<{ created: boolean; session: SessionEvent }> {
    const sessionId = body.session_id && UUID_TEXT.test(body.session_id) ? body.session_id.toLowerCase() : randomUUID();
    refuseTooDeep(body, '');
    return this.lock(sessionId, async () => {
      const path = join(this.dir(sessionId), 'session.json');
      const now = new Date().toISOString();
      const existing = readJson<SessionEvent>(path);
      if (existing) {
        const merged: SessionEvent = {
          ...existing,
          metadata: { ...existing.metadata, ...body.metadata },
          user_properties: { ...existing.user_properties, ...body.user_properties },
          updated_at: now,
        };
        writeJson(this.store, path, merged);
        return { created: false, session: merged };
      }
      const session: SessionEvent = {
        session_id: sessionId,
        event_id: sessionId,
        event_type: 'session',
        event_name: body.event_name ?? body.session_name ?? 'unknown',
        session_name: body.session_name ?? null,
        source: body.source ?? 'unknown',
        start_time: body.start_time ?? null,
        end_time: body.end_time ?? null,
        duration: body.duration ?? null,
        config: body.config ?? {},
        inputs: body.inputs ?? {},
        outputs: body.outputs ?? {},
        metadata: body.metadata ?? {},
        user_properties: body.user_properties ?? {},
        children_ids: body.children_ids ?? [],
        created_at: now,
        updated_at: now,
      };
      writeJson(this.store, path, session);
      return { created: true, session };
    });
  }

  /**
   * Appends the events not stored yet; returns every event's id (generated when absent).
   * `storeAtMost` stores only that many new events and then throws: a test seam for "partly added".
   */
  append(sessionId: string, events: TraceEvent[], storeAtMost = Number.POSITIVE_INFINITY): Promise<{ eventIds: string[]; added: number }> {
    events.forEach((event, index) => refuseTooDeep(event, `events.${index}.`));
    return this.lock(sessionId, async () => {
      const dir = this.dir(sessionId);
      const file = join(dir, 'events.ndjson');
      const known = this.knownIds(sessionId, file);
      const eventIds: string[] = [];
      const lines: string[] = [];
      const adding = new Set<string>();
      let cut = false;
      for (const event of events) {
        const eventId = event.event_id ?? randomUUID();
        eventIds.push(eventId);
        if (known.ids.has(eventId) || adding.has(eventId)) continue;
        if (lines.length >= storeAtMost) {
          cut = true;
          continue;
        }
        adding.add(eventId);
        lines.push(JSON.stringify({ ...event, event_id: eventId, session_id: sessionId }));
      }
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

  list(sessionId: string): StoredEvent[] {
    let text: string;
    try {
      text = readFileSync(join(this.dir(sessionId), 'events.ndjson'), 'utf8');
    } catch {
      return [];
    }
    const events: StoredEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as StoredEvent);
      } catch {
        // a torn last line from a crash mid-append: that event was never acknowledged
      }
    }
    return events;
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
    const known = cached && cached.size === size ? cached : { size, ids: new Set(this.list(sessionId).map((e) => e.event_id)) };
    this.seen.set(sessionId, known);
    for (const oldest of this.seen.keys()) {
      if (this.seen.size <= this.cachedSessions) break;
      this.seen.delete(oldest);
    }
    return known;
  }
}

/** The store's own check of the depth bound, for callers that reach it without the HTTP schema (`--to DIR`). */
function refuseTooDeep(value: object, prefix: string): void {
  const path = tooDeepAt(value);
  if (!path) return;
  const message = `${prefix}${path.join('.')}: ${tooDeepMessage()}`;
  throw new ApiError(message, { status: 400, body: JSON.stringify({ error: { message } }) });
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 10;
}
