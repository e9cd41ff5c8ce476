import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TraceStore } from '../../src/backend/store/trace-store.js';
import { LengthMismatchError } from '../../src/backend/store/trace-store.js';
import type { TraceEvent } from '../../src/contracts/wire.js';
import { openBucketStore, type BucketStore } from '../../src/backend/bucket/index.js';
import { useS3 } from '../helpers/s3.js';
import { storeKinds, type StorePlace } from '../helpers/stores.js';

/**
 * The store's answers, on a folder and on a bucket alike: both doors (`--to`, `traces serve`)
 * get them from here. The cross-process cases use two independent stores on one place.
 */

const line = (i: number) => `{"type":"message","i":${i}}\n`;
const bodyOf = (text: string) => Readable.from([Buffer.from(text)]);

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString();
}

const event = (id: string, extra: Partial<TraceEvent> = {}): TraceEvent =>
  ({ event_id: id, event_type: 'model', event_name: 'call', ...extra }) as TraceEvent;

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const patchId = (n: number) => `session_${uuid(n).replace(/-/g, '')}`;

describe.each(storeKinds())('the $name store', (kind) => {
  let place: StorePlace;
  let store: TraceStore;
  beforeEach(async () => {
    place = await kind.open();
    store = place.store;
  });
  afterEach(async () => place.cleanup());

  describe('session files', () => {
    it('stores a body under its key and reads it back byte for byte', async () => {
      const text = line(1) + line(2);
      const record = await store.sessions.put({ sessionId: 's1', traceId: 't1', cwd: '/w' }, bodyOf(text), text.length);
      expect(record).toMatchObject({ session_id: 's1', trace_id: 't1', bytes: text.length, key: 'agent-traces/t1/s1.jsonl', cwd: '/w' });
      const opened = (await store.sessions.openBody('s1'))!;
      expect(opened.size).toBe(text.length);
      expect(await readAll(opened.stream())).toBe(text);
      expect((await store.sessions.list()).map((r) => r.session_id)).toEqual(['s1']);
    });

    it('keeps the previous version when a body is shorter or longer than announced', async () => {
      await store.sessions.put({ sessionId: 's1', traceId: 't1' }, bodyOf(line(1)), line(1).length);
      const short = store.sessions.put({ sessionId: 's1', traceId: 't1' }, bodyOf(line(2)), line(2).length + 5);
      await expect(short).rejects.toBeInstanceOf(LengthMismatchError);
      const long = store.sessions.put({ sessionId: 's1', traceId: 't1' }, bodyOf(line(2) + line(3)), line(2).length);
      await expect(long).rejects.toBeInstanceOf(LengthMismatchError);
      expect(await readAll((await store.sessions.openBody('s1'))!.stream())).toBe(line(1));
    });

    it('a session moved to another trace leaves one body, the new one', async () => {
      await store.sessions.put({ sessionId: 's1', traceId: 't1' }, bodyOf(line(1)), line(1).length);
      const moved = await store.sessions.put({ sessionId: 's1', traceId: 't2' }, bodyOf(line(2)), line(2).length);
      expect(moved.key).toBe('agent-traces/t2/s1.jsonl');
      expect(await readAll((await store.sessions.openBody('s1'))!.stream())).toBe(line(2));
      const other = await place.another();
      expect((await other.sessions.get('s1'))?.trace_id).toBe('t2');
      await place.settle();
      expect(await place.keys('agent-traces/')).toEqual(['agent-traces/t2/s1.jsonl']);
      expect(await place.keys('index/pending/')).toEqual([]);
    });

    it('hostile ids stay inside their folder of keys', async () => {
      const record = await store.sessions.put({ sessionId: '../../etc/x', traceId: 'a/b' }, bodyOf(line(1)), line(1).length);
      expect(record.key).toBe('agent-traces/a%2Fb/%2E%2E%2F%2E%2E%2Fetc%2Fx.jsonl');
      expect((await store.sessions.get('../../etc/x'))?.key).toBe(record.key);
    });
  });

  describe('metadata saves', () => {
    const save = (s: TraceStore, n: number, title: string) =>
      s.saveMetadata('org', 'ws', { id: uuid(n), model: 'm', message_count: 1, title }, { id: 'u', email: null });

    it('creates once: a repeat answers exists with the first record', async () => {
      expect((await save(store, 1, 'first')).status).toBe('created');
      const again = await save(store, 1, 'second');
      expect(again).toMatchObject({ status: 'exists', session: { title: 'first' } });
    });

    it('of many saves of one id at once through two stores, exactly one creates it', async () => {
      const other = await place.another();
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => save(i % 2 ? other : store, 2, `t${i}`)));
      expect(outcomes.filter((o) => o.status === 'created')).toHaveLength(1);
      const titles = new Set(outcomes.map((o) => (o.status === 'invalid' ? '' : o.session.title)));
      expect(titles.size).toBe(1); // every answer names the one record kept
    });

    it('answers invalid for a body that breaks the contract', async () => {
      expect((await store.saveMetadata('o', 'w', { id: 'not-a-uuid' }, { id: 'u', email: null })).status).toBe('invalid');
    });
  });

  describe('patches', () => {
    it('refuses a malformed id and an unknown session', async () => {
      expect((await store.patch('nope', { title: 'x' })).status).toBe('invalid_id');
      expect((await store.patch(patchId(9), { title: 'x' })).status).toBe('not_found');
    });

    it('keeps the title when only the tags change', async () => {
      await store.events.startSession({ session_id: uuid(3) });
      await store.patch(patchId(3), { title: 'kept' });
      const out = await store.patch(patchId(3), { tags: ['a'] });
      expect(out).toMatchObject({ status: 'patched', session: { title: 'kept', tags: ['a'] } });
    });

    it('reads back what the patches came to, through another store too', async () => {
      expect(await store.getPatch(patchId(6))).toBeUndefined();
      expect(await store.getPatch('session_../../x')).toBeUndefined();
      await store.events.startSession({ session_id: uuid(6) });
      await store.patch(patchId(6), { title: 'named', tags: ['x', 'y'] });
      const other = await place.another();
      expect(await other.getPatch(patchId(6))).toMatchObject({ id: patchId(6), title: 'named', tags: ['x', 'y'] });
    });

    it('lists every patch it holds, and nothing else under its patches', async () => {
      expect(await store.listPatches()).toEqual([]);
      for (const n of [7, 8]) {
        await store.events.startSession({ session_id: uuid(n) });
        await store.patch(patchId(n), { title: `t${n}` });
      }
      const listed = await (await place.another()).listPatches();
      expect(listed.map((p) => [p.id, p.title]).sort()).toEqual([
        [patchId(7), 't7'],
        [patchId(8), 't8'],
      ]);
    });

    it('loses no patch to a concurrent one through another store', async () => {
      await store.events.startSession({ session_id: uuid(4) });
      const other = await place.another();
      // Half set the title, half the tags: every patch applied to what the others left keeps both.
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other : store).patch(patchId(4), i % 4 < 2 ? { title: `title-${i}` } : { tags: [`tag-${i}`] }),
        ),
      );
      const final = await store.patch(patchId(4), {});
      expect(final.status).toBe('patched');
      if (final.status !== 'patched') return;
      expect(final.session.title).toMatch(/^title-/);
      expect(final.session.tags).toHaveLength(1);
    });
  });

  describe('events', () => {
    it('a session start is idempotent and merges metadata', async () => {
      const first = await store.events.startSession({ session_id: uuid(5), metadata: { a: 1 } });
      const again = await store.events.startSession({ session_id: uuid(5), metadata: { b: 2 } });
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, session: { metadata: { a: 1, b: 2 } } });
    });

    it('concurrent starts through two stores lose no metadata', async () => {
      const other = await place.another();
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).events.startSession({ session_id: uuid(6), metadata: { [`k${i}`]: i } }),
        ),
      );
      expect(Object.keys((await store.events.getSession(uuid(6)))!.metadata).sort()).toEqual([
        'k0',
        'k1',
        'k2',
        'k3',
        'k4',
        'k5',
        'k6',
        'k7',
      ]);
    });

    it('a batch sent again adds only what is missing', async () => {
      const s = uuid(7);
      expect((await store.events.append(s, [event('a'), event('b')])).added).toBe(2);
      expect((await store.events.append(s, [event('b'), event('c'), event('c')])).added).toBe(1);
      expect((await store.events.list(s)).map((e) => e.event_id)).toEqual(['a', 'b', 'c']);
    });

    it('batches with overlapping ids sent at once through two stores store every event once', async () => {
      const s = uuid(8);
      const other = await place.another();
      const ids = Array.from({ length: 60 }, (_, i) => `e${i}`);
      // 12 batches of 10 ids, each overlapping the next by 5, half through each store.
      const batches = Array.from({ length: 11 }, (_, b) => ids.slice(b * 5, b * 5 + 10).map((id) => event(id)));
      await Promise.all(batches.map((batch, i) => (i % 2 ? other : store).events.append(s, batch)));
      const stored = (await (await place.another()).events.list(s)).map((e) => e.event_id);
      expect(stored).toHaveLength(ids.length);
      expect(new Set(stored)).toEqual(new Set(ids));
    });

    it('stores part of a batch when told to fail midway, and the repeat completes it', async () => {
      const s = uuid(9);
      await expect(store.events.append(s, [event('a'), event('b'), event('c')], 1)).rejects.toThrow(/stored 1 of 3/);
      expect((await store.events.append(s, [event('a'), event('b'), event('c')])).added).toBe(2);
      expect(await store.events.list(s)).toHaveLength(3);
    });
  });

  it('knows since when a session is known, by any route', async () => {
    expect(await store.knownSince(uuid(10))).toBeUndefined();
    await store.events.startSession({ session_id: uuid(10) });
    expect(await store.knownSince(uuid(10))).toMatch(/^\d{4}-/);
  });
});

describe('a bucket store on a store that ignores conditional writes', () => {
  const [, bucketKind] = storeKinds();
  let place: StorePlace;
  beforeEach(async () => {
    place = await bucketKind!.open({ raw: true });
  });
  afterEach(async () => place.cleanup());

  it('finds out at its probe', async () => {
    const { BucketStore } = await import('../../src/backend/bucket/index.js');
    expect(place.store).toBeInstanceOf(BucketStore);
    expect(await (place.store as InstanceType<typeof BucketStore>).probe()).toEqual({ conditionalWrites: false });
  });

  it('loses no event of batches sent at once through two stores, and lists each once', async () => {
    const s = uuid(11);
    const other = await place.another();
    const ids = Array.from({ length: 40 }, (_, i) => `e${i}`);
    const batches = Array.from({ length: 7 }, (_, b) => ids.slice(b * 5, b * 5 + 10).map((id) => event(id)));
    await Promise.all(batches.map((batch, i) => (i % 2 ? other : place.store).events.append(s, batch)));
    const stored = (await place.store.events.list(s)).map((e) => e.event_id);
    expect(stored.sort()).toEqual([...ids].sort());
  });
});

describe('a bucket store uploading large bodies in parts', () => {
  const s3 = useS3();
  const MiB = 1024 * 1024;
  let store: BucketStore;
  beforeEach(async () => {
    const bucket = await s3.newBucket('parts');
    store = await openBucketStore(
      { bucket, prefix: '', endpoint: s3.endpoint, pathStyle: true },
      { env: s3.env(), retries: 1, timeoutMs: 10_000, multipartThreshold: 5 * MiB },
    );
  });
  afterEach(() => store.close());

  /** `n` MiB of NDJSON lines, as chunks of 64 KiB (a stream, as a request body is). */
  const chunks = (n: number, tag: string) => {
    const one = Buffer.from(`${JSON.stringify({ type: 'message', tag, pad: 'x'.repeat(1000) })}\n`);
    const chunk = Buffer.concat(Array.from({ length: Math.floor((64 * 1024) / one.length) }, () => one));
    return Array.from({ length: Math.ceil((n * MiB) / chunk.length) }, () => chunk);
  };

  it('round-trips a body of several parts byte for byte', async () => {
    const body = chunks(12, 'a');
    const length = body.reduce((n, c) => n + c.length, 0);
    const record = await store.sessions.put({ sessionId: 'big', traceId: 'big' }, Readable.from(body), length);
    expect(record.bytes).toBe(length);
    const text = await readAll((await store.sessions.openBody('big'))!.stream());
    expect(text).toBe(Buffer.concat(body).toString());
  });

  it('keeps the previous version when a body of several parts falls short midway', async () => {
    await store.sessions.put({ sessionId: 'big', traceId: 'big' }, bodyOf(line(1)), line(1).length);
    const body = chunks(12, 'b');
    const length = body.reduce((n, c) => n + c.length, 0);
    await expect(store.sessions.put({ sessionId: 'big', traceId: 'big' }, Readable.from(body), length + 1)).rejects.toBeInstanceOf(
      LengthMismatchError,
    );
    expect(await readAll((await store.sessions.openBody('big'))!.stream())).toBe(line(1));
  });

  it('keeps the previous version when a streamed body of one PUT falls short after sending most of it', async () => {
    await store.sessions.put({ sessionId: 'small', traceId: 'small' }, bodyOf(line(1)), line(1).length);
    const body = chunks(3, 'c');
    const length = body.reduce((n, c) => n + c.length, 0);
    await expect(store.sessions.put({ sessionId: 'small', traceId: 'small' }, Readable.from(body), length + 10)).rejects.toBeInstanceOf(
      LengthMismatchError,
    );
    expect(await readAll((await store.sessions.openBody('small'))!.stream())).toBe(line(1));
  });
});

describe.each(storeKinds())('the $name store, given records it did not write', (kind) => {
  let place: StorePlace;
  let outside: string;
  beforeEach(async () => {
    place = await kind.open();
    // A file outside the store that a hostile record names.
    outside = join(mkdtempSync(join(tmpdir(), 'traces-outside-')), 'victim.txt');
    writeFileSync(outside, 'precious\n');
  });
  afterEach(async () => {
    await place.cleanup();
    rmSync(dirname(outside), { recursive: true, force: true });
  });

  /** Writes `text` under `key` as the store's own bytes would be (a bucket copied in, a hand edit). */
  const plant = async (key: string, text: string) => {
    if (kind.name === 'folder') {
      mkdirSync(dirname(join(place.to, key)), { recursive: true });
      writeFileSync(join(place.to, key), text);
    } else {
      const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(place.to)!;
      await useS3().putText(bucket!, `${prefix}/${key}`, text);
    }
  };

  it('never opens nor removes what a record or a move intent names outside its session bodies', async () => {
    const hostile = relative(place.to, outside); // ../../…/victim.txt from a folder; a plain key from a bucket
    for (const key of [hostile, outside, '../victim.txt', 'agent-traces/../../victim.txt']) {
      const record = {
        session_id: 'abc',
        trace_id: 't',
        parent_session: null,
        bytes: 9,
        sha256: '',
        key,
        updated: new Date().toISOString(),
      };
      await plant('index/sessions/abc.json', JSON.stringify(record));
      await plant('index/pending/abc.json', JSON.stringify({ session_id: 'abc', keys: [key] }));
      await plant('index/pending/abc/one.json', JSON.stringify({ session_id: 'abc', keys: [key] }));
      const store = await place.another();
      expect(await store.sessions.openBody('abc')).toBeUndefined();
      await store.sessions.list();
      await store.sessions.put({ sessionId: 'abc', traceId: 't2' }, bodyOf(line(1)), line(1).length);
      await place.settle();
      expect(readFileSync(outside, 'utf8')).toBe('precious\n');
    }
  });
});
