import { createHash } from 'node:crypto';
import { PassThrough, Transform, pipeline } from 'node:stream';
import { layout } from '../store/layout.js';
import {
  LengthMismatchError,
  type OpenedBody,
  type PutSessionInput,
  type SessionStore,
  type StoredSessionRecord,
} from '../store/trace-store.js';
import type { Bucket } from './client.js';
import { mapLimit } from '../../util/map-limit.js';
import { retryConflicts } from './conflicts.js';

/**
 * A move's intent older than this was left by a PUT that died: its orphan bodies are removed.
 * Long, since a PUT that is still streaming a large body must not lose it.
 */
const STALE_INTENT_MS = 60 * 60 * 1000;

/**
 * Uploaded session files in a bucket, under the folder store's keys: the body at
 * `agent-traces/<trace>/<session>.jsonl`, its record at `index/sessions/<session>.json`. A body is
 * streamed to its key (an object appears whole or not at all), then the record is replaced with
 * `If-Match` on the version read, so two servers writing one session leave one record. A PUT that
 * moves a session to another trace writes an intent first, so the body it leaves behind is
 * removed even if the PUT dies midway (by the next store that opens the bucket).
 */
export class BucketSessions implements SessionStore {
  private recovered?: Promise<void>;

  constructor(private readonly bucket: Bucket) {}

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
      if (!record) return undefined;
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
    const before = await this.bucket.getJson<StoredSessionRecord>(indexKey);
    if (before && before.value.key !== key) {
      await this.bucket.putJson(layout.pendingMove(input.sessionId), { session_id: input.sessionId, keys: [key, before.value.key] });
    }
    const hash = createHash('sha256');
    const counted = countedBody(body, length, hash, check);
    await this.bucket.upload(key, counted, length);
    const record: StoredSessionRecord = {
      session_id: input.sessionId,
      trace_id: input.traceId,
      parent_session: input.parentId ?? null,
      bytes: length,
      sha256: hash.digest('hex'),
      key,
      cwd: input.cwd ?? null,
      agent_version: input.agentVersion ?? null,
      git_repo: input.gitRepo ?? null,
      git_commit: input.gitCommit ?? null,
      updated: new Date().toISOString(),
    };
    let replaced: StoredSessionRecord | undefined;
    let read = false; // the first attempt goes on the record read before the upload
    await retryConflicts(`${this.bucket.name}: index of session ${input.sessionId}`, async () => {
      const current = read ? await this.bucket.getJson<StoredSessionRecord>(indexKey) : before;
      read = true;
      replaced = current?.value;
      return this.bucket.putJson(indexKey, record, current ? { etag: current.etag } : { create: true });
    });
    if (replaced && replaced.key !== key) await this.bucket.delete(replaced.key);
    if (before && before.value.key !== key) await this.bucket.delete(layout.pendingMove(input.sessionId));
    return record;
  }

  /** Once per process: the bodies that PUTs which died mid-move left behind are removed. */
  private open(): Promise<void> {
    return (this.recovered ??= (async () => {
      const before = Date.now() - STALE_INTENT_MS;
      for await (const item of this.bucket.list(layout.pendingPrefix)) {
        if (item.lastModified.getTime() > before) continue;
        const intent = await this.bucket.getJson<{ session_id: string; keys: string[] }>(item.key);
        if (!intent) continue;
        const current = (await this.bucket.getJson<StoredSessionRecord>(layout.sessionIndex(intent.value.session_id)))?.value;
        for (const key of intent.value.keys) if (key !== current?.key) await this.bucket.delete(key);
        await this.bucket.delete(item.key);
      }
    })());
  }
}

/**
 * The body as the bucket receives it: through `check` when given, counted and hashed on the way.
 * A body longer or shorter than `length` fails the stream before its end, so the upload never
 * completes and the key keeps its previous version.
 */
function countedBody(
  body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  length: number,
  hash: ReturnType<typeof createHash>,
  check?: Transform,
): PassThrough {
  let seen = 0;
  // The last chunk is held back until the body has ended at exactly `length`: until then the
  // store has not been sent the whole length, so a body that turns out short or long cannot be
  // taken as complete by it.
  let held: Buffer | undefined;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > length) return done(new LengthMismatchError(`body is longer than its Content-Length of ${length}`));
      hash.update(chunk);
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      if (seen !== length) return done(new LengthMismatchError(`body has ${seen} bytes, Content-Length said ${length}`));
      done(null, held);
    },
  });
  const out = new PassThrough();
  const stages = [body as NodeJS.ReadableStream, ...(check ? [check] : []), counter, out] as const;
  pipeline(stages as unknown as [NodeJS.ReadableStream, PassThrough], () => {
    // an error reaches `out`, which the upload reads: it fails there
  });
  return out;
}
