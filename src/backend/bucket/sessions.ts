import { describeError } from '../../errors.js';
import { createHash, randomUUID } from 'node:crypto';
import type { Transform } from 'node:stream';
import { countedBody } from '../store/counted-body.js';
import { isSessionBodyKey, layout } from '../store/layout.js';
import { sessionRecord } from '../store/rules.js';
import { type OpenedBody, type PutSessionInput, type SessionStore, type StoredSessionRecord } from '../store/trace-store.js';
import type { Bucket } from './client.js';
import { mapLimit } from '../../util/map-limit.js';

/**
 * Uploaded session files in a bucket, under the folder store's keys: the body at
 * `agent-traces/<trace>/<session>.jsonl`, its record at `index/sessions/<session>.json`. A body is
 * streamed to its key (an object appears whole or not at all), then the record is written: created
 * with `If-None-Match: *` for a new session, else replaced (the last writer's record stands, as on
 * a folder).
 *
 * A PUT never removes a body: another server may be writing that very key again for a PUT that
 * moves the session back. A PUT that finds the session under another key (it moved to another
 * trace) leaves an intent naming both keys (`index/pending/<session>/<unique>.json`); the bodies
 * an intent names that the index no longer does are removed once they and the intent are
 * `staleAfterMs` old (an hour), by any store that opens the bucket or goes on writing to it.
 */
export class BucketSessions implements SessionStore {
  private swept?: Promise<void>;
  private sweptAt = 0;

  constructor(
    private readonly bucket: Bucket,
    private readonly staleAfterMs = 60 * 60 * 1000,
  ) {}

  keyOf(traceId: string, sessionId: string): string {
    return layout.sessionBody(traceId, sessionId);
  }

  async get(sessionId: string): Promise<StoredSessionRecord | undefined> {
    await this.open();
    return (await this.bucket.getJson<StoredSessionRecord>(layout.sessionIndex(sessionId)))?.value;
  }

  /** The record and its body: a PUT that moved the session meanwhile sends the reader to the new key. */
  async openBody(sessionId: string): Promise<OpenedBody | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = await this.get(sessionId);
      if (!record || !isSessionBodyKey(record.key)) return undefined;
      const body = await this.bucket.open(record.key);
      if (body) return { record, size: body.size, stream: () => body.stream, close: async () => void body.stream.destroy() };
    }
    return undefined;
  }

  async list(): Promise<StoredSessionRecord[]> {
    await this.open();
    const keys: string[] = [];
    for await (const item of this.bucket.list(layout.sessionIndexPrefix)) if (item.key.endsWith('.json')) keys.push(item.key);
    const records: StoredSessionRecord[] = [];
    await mapLimit(keys, 32, async (key) => {
      const record = (await this.bucket.getJson<StoredSessionRecord>(key))?.value;
      if (record) records.push(record);
    });
    return records.sort((a, b) => a.session_id.localeCompare(b.session_id));
  }

  async put(
    input: PutSessionInput,
    body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
    length: number,
    check?: Transform,
  ): Promise<StoredSessionRecord> {
    await this.open();
    const key = this.keyOf(input.traceId, input.sessionId);
    const indexKey = layout.sessionIndex(input.sessionId);
    const hash = createHash('sha256');
    await this.bucket.upload(key, countedBody(body, length, hash, check, { holdLast: true }), length);
    const record = sessionRecord(input, key, length, hash.digest('hex'));
    // A new session costs two requests: the body, and its record created.
    if ((await this.bucket.putJson(indexKey, record, { create: true })) !== 'conflict') return record;
    const current = (await this.bucket.getJson<StoredSessionRecord>(indexKey))?.value;
    if (current && current.key !== key) {
      const intent = layout.pendingMoveOf(input.sessionId, randomUUID());
      await this.bucket.putJson(intent, { session_id: input.sessionId, keys: [key, current.key] });
    }
    await this.bucket.putJson(indexKey, record);
    return record;
  }

  /** Once per process, and again every `staleAfterMs` while it writes: the sweep of old moves. */
  private open(): Promise<void> {
    if (this.swept && Date.now() - this.sweptAt < this.staleAfterMs) return this.swept;
    this.sweptAt = Date.now();
    // Housekeeping never stops the work: credentials allowed to read and write sessions but not to
    // list or delete still upload; what the sweep could not do waits for a later one.
    this.swept = this.sweep().catch((error: unknown) => {
      this.bucket.logger?.debug(`${this.bucket.name}: the sweep of moved sessions' old bodies did not run: ${describeError(error)}`);
    });
    return this.swept;
  }

  /**
   * Removes the bodies that moves left behind: those an intent names, the index does not, and
   * that were not written again since the intent (a session may move back to a key); then the
   * intent. Only intents `staleAfterMs` old by the store's own clock are judged, so a PUT still
   * on its way (its body stored, its record not yet) never loses its body; a body is removed only
   * in the version looked at (If-Match, where the store honours it on deletes).
   */
  private async sweep(): Promise<void> {
    let now: number | undefined;
    for await (const item of this.bucket.list(layout.pendingPrefix)) {
      if (!item.key.endsWith('.json')) continue;
      now ??= await this.bucket.now();
      if (item.lastModified.getTime() > now - this.staleAfterMs) continue;
      const intent = (await this.bucket.getJson<{ session_id?: string; keys?: string[] }>(item.key))?.value;
      if (intent?.session_id && Array.isArray(intent.keys)) {
        const named = (await this.bucket.getJson<StoredSessionRecord>(layout.sessionIndex(intent.session_id)))?.value?.key;
        for (const key of intent.keys) {
          if (key === named || !isSessionBodyKey(key)) continue;
          const body = await this.bucket.stat(key);
          // Written after the intent: a later PUT's body, which that PUT's own intent (if any) answers for.
          if (body && body.lastModified.getTime() <= item.lastModified.getTime()) await this.bucket.delete(key, body.etag);
        }
      }
      await this.bucket.delete(item.key);
    }
  }
}
