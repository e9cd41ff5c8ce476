import { randomBytes } from 'node:crypto';
import type { SessionStart, TraceEvent } from '../../contracts/wire.js';
import { mapLimit } from '../../util/map-limit.js';
import { layout, segmentKey, segmentSeq } from '../store/layout.js';
import { newEventLines, parseEventLines, refuseTooDeep, sessionStartId, startedSession, uniqueEvents } from '../store/rules.js';
import type { EventStore, SessionEvent, StoredEvent } from '../store/trace-store.js';
import type { Bucket } from './client.js';
import { retryConflicts } from './conflicts.js';

/** What this process knows of one session's log: the ids in it, and the segments they came from. */
interface LogState {
  ids: Set<string>;
  /** Segments read (or written) so far. */
  segments: Set<string>;
  /** The highest sequence number known; the next segment claims the one after. */
  last: number;
  /** The events file (from a copied folder store), read once. */
  baseRead: boolean;
}

/**
 * Session starts and events in a bucket. Objects cannot be appended to, so a session's events
 * are a log of immutable segments `events/<session>/log/<seq>.ndjson`, each created with
 * `If-None-Match: *`: the writer that claims a sequence number has seen every segment before it,
 * so it adds only events no segment holds, and a writer that loses the claim reads the winner's
 * segment and tries the next number. So batches sent at once through several servers store each
 * event once. The events file a copied folder store brings (`events.ndjson`) is read before the
 * log and never written.
 *
 * On a store that ignores conditional writes, segments get a random suffix instead: nothing is
 * overwritten, an event sent at the same moment through two servers may be stored twice, and
 * reading lists it once.
 */
export class BucketEvents implements EventStore {
  /** The logs of the sessions written to lately, most recent last: a cache, read again when evicted. */
  private readonly logs = new Map<string, LogState>();

  constructor(
    private readonly bucket: Bucket,
    private readonly conditional: () => Promise<boolean>,
    private readonly cachedSessions = 256,
  ) {}

  async getSession(sessionId: string): Promise<SessionEvent | undefined> {
    return (await this.bucket.getJson<SessionEvent>(layout.sessionStart(sessionId)))?.value;
  }

  async startSession(body: SessionStart): Promise<{ created: boolean; session: SessionEvent }> {
    const sessionId = sessionStartId(body);
    refuseTooDeep(body, '');
    const key = layout.sessionStart(sessionId);
    return retryConflicts(`${this.bucket.name}: session ${sessionId}`, async () => {
      const existing = await this.bucket.getJson<SessionEvent>(key);
      const session = startedSession(existing?.value, sessionId, body);
      const written = await this.bucket.putJson(key, session, existing ? { etag: existing.etag } : { create: true });
      return written === 'conflict' ? 'conflict' : { created: !existing, session };
    });
  }

  async append(
    sessionId: string,
    events: TraceEvent[],
    storeAtMost = Number.POSITIVE_INFINITY,
  ): Promise<{ eventIds: string[]; added: number }> {
    events.forEach((event, index) => refuseTooDeep(event, `events.${index}.`));
    const conditional = await this.conditional();
    const prefix = layout.eventsLog(sessionId);
    const state = this.state(sessionId);
    // Without conditional writes a claim proves nothing: every append lists the log first.
    let stale = !conditional || state.last < 0;
    for (;;) {
      if (stale) await this.catchUp(sessionId, state);
      const { eventIds, lines, adding, cut } = newEventLines(sessionId, events, state.ids, storeAtMost);
      if (lines.length) {
        const seq = state.last + 1;
        const key = segmentKey(prefix, seq, conditional ? '' : `-${randomBytes(6).toString('hex')}`);
        if ((await this.bucket.put(key, `${lines.join('\n')}\n`, { create: true })) === 'conflict') {
          stale = true; // another writer claimed this number: read its segment, then try the next
          continue;
        }
        state.segments.add(key);
        state.last = seq;
        for (const id of adding) state.ids.add(id);
      }
      if (cut) throw new Error(`stored ${lines.length} of ${events.length} events`);
      return { eventIds, added: lines.length };
    }
  }

  async list(sessionId: string): Promise<StoredEvent[]> {
    const base = await this.bucket.getText(layout.eventsFile(sessionId));
    const texts = await this.readSegments(await this.segmentKeys(sessionId));
    return uniqueEvents([base?.value ?? '', ...texts].flatMap((text) => parseEventLines<StoredEvent>(text)));
  }

  private state(sessionId: string): LogState {
    let state = this.logs.get(sessionId);
    this.logs.delete(sessionId);
    state ??= { ids: new Set(), segments: new Set(), last: -1, baseRead: false };
    this.logs.set(sessionId, state);
    for (const oldest of this.logs.keys()) {
      if (this.logs.size <= this.cachedSessions) break;
      this.logs.delete(oldest);
    }
    return state;
  }

  /** Reads what other writers added to the log since this process last looked. */
  private async catchUp(sessionId: string, state: LogState): Promise<void> {
    if (!state.baseRead) {
      const base = await this.bucket.getText(layout.eventsFile(sessionId));
      for (const event of parseEventLines<StoredEvent>(base?.value ?? '')) state.ids.add(event.event_id);
      state.baseRead = true;
    }
    const fresh = (await this.segmentKeys(sessionId)).filter((key) => !state.segments.has(key));
    const texts = await this.readSegments(fresh);
    fresh.forEach((key, i) => {
      for (const event of parseEventLines<StoredEvent>(texts[i]!)) state.ids.add(event.event_id);
      state.segments.add(key);
      state.last = Math.max(state.last, segmentSeq(key)!);
    });
  }

  /** The segments' texts, in the order of `keys`, a few read at once. */
  private async readSegments(keys: string[]): Promise<string[]> {
    const texts = new Array<string>(keys.length);
    await mapLimit(
      keys.map((key, i) => ({ key, i })),
      16,
      async ({ key, i }) => {
        texts[i] = (await this.bucket.getText(key))?.value ?? '';
      },
    );
    return texts;
  }

  /** The log's segments in order. */
  private async segmentKeys(sessionId: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const item of this.bucket.list(layout.eventsLog(sessionId))) if (segmentSeq(item.key) !== undefined) keys.push(item.key);
    return keys.sort();
  }
}
