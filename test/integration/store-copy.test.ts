import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { openBucketStore } from '../../src/backend/bucket/index.js';
import { openCopyEnds, planCopy, runCopy, type CopyResult } from '../../src/backend/store-copy.js';
import { LocalStore } from '../../src/backend/store/index.js';
import type { TraceStore } from '../../src/backend/store/trace-store.js';
import type { BackendLocation } from '../../src/contracts/backend-id.js';
import type { TraceEvent } from '../../src/contracts/wire.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { useS3 } from '../helpers/s3.js';

const s3 = useS3();
const OPTIONS = { retries: 1, timeoutMs: 10_000 };

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const patchId = (n: number) => `session_${uuid(n).replace(/-/g, '')}`;
const event = (id: string, extra: Partial<TraceEvent> = {}): TraceEvent =>
  ({ event_id: id, event_type: 'model', event_name: 'call', ...extra }) as TraceEvent;
const USER = { id: 'u1', email: 'u1@example.com' };
const META = { id: uuid(2), model: 'm', message_count: 3, title: 'saved title' };

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** A folder store filled through the store API and through `traces upload --to DIR`. */
async function fillStore(root: string, work: string): Promise<void> {
  const home = buildHome(join(work, 'agent'), { turns: 2 });
  const env = isolatedEnv(work, { TRACES_SESSIONS_DIR: home.sessions });
  const uploaded = await runCli(['upload', '--to', root, '--json'], { env });
  expect(uploaded.code, uploaded.stderr).toBe(0);
  const store = new LocalStore(root);
  const body = '{"type":"message","i":1}\n{"type":"message","i":2}\n';
  await store.sessions.put({ sessionId: uuid(1), traceId: uuid(1), cwd: '/w' }, Readable.from([Buffer.from(body)]), body.length);
  expect((await store.saveMetadata('org', 'ws', META, USER)).status).toBe('created');
  await store.events.startSession({ session_id: uuid(3), metadata: { a: 1 } });
  await store.events.append(uuid(3), [event('e1'), event('e2', { event_name: 'second' })]);
  expect((await store.patch(patchId(3), { title: 'patched', tags: ['x', 'y'] })).status).toBe('patched');
}

/** What a store answers through its API: sessions and bodies, metadata, the patch, the events. */
async function readBack(store: TraceStore) {
  const sessions = await store.sessions.list();
  const bodies: Record<string, string> = {};
  for (const record of sessions) bodies[record.session_id] = await text((await store.sessions.openBody(record.session_id))!.stream());
  const metadata = await store.saveMetadata('org', 'ws', META, USER);
  // Read, not patched again: a patch of nothing still stamps its time, which would be a change to copy.
  const patched = await store.getPatch(patchId(3));
  return {
    sessions,
    bodies,
    metadata,
    patched,
    events: await store.events.list(uuid(3)),
    start: await store.events.getSession(uuid(3)),
    known: await store.knownSince(uuid(2)),
  };
}

const dirOf = (dir: string): BackendLocation => ({ kind: 'dir', dir });

async function copy(from: BackendLocation, to: BackendLocation, env = s3.env()): Promise<CopyResult> {
  const ends = await openCopyEnds(from, to, { env, ...OPTIONS });
  try {
    return await runCopy(ends.from, ends.to, await planCopy(ends.from, ends.to), { concurrency: 16 });
  } finally {
    ends.close();
  }
}

describe('store copy', () => {
  let tmp: ReturnType<typeof tempDir>;
  let source: string;
  let bucket: BackendLocation & { kind: 's3' };
  beforeEach(async () => {
    tmp = tempDir();
    source = join(tmp.path, 'source');
    await fillStore(source, tmp.path);
    bucket = { kind: 's3', bucket: await s3.newBucket('copy'), prefix: 'archive', endpoint: s3.endpoint, pathStyle: true };
  });
  afterEach(() => tmp.cleanup());

  it('copies a folder to a bucket and the bucket to another folder; each reads back the same; a rerun copies nothing', async () => {
    const first = await copy(dirOf(source), bucket);
    expect(first.failed).toEqual([]);
    expect(first.copied).toBeGreaterThan(10);
    expect(first.bytes).toBeGreaterThan(0);
    const keys = await s3.listKeys(bucket.bucket, 'archive/');
    expect(keys.filter((k) => k.includes('.staging') || k.includes('.locks') || k.endsWith('.traces-store'))).toEqual([]);
    expect(keys.length).toBe(first.copied);

    const restored = join(tmp.path, 'restored');
    const second = await copy(bucket, dirOf(restored));
    expect(second).toMatchObject({ copied: first.copied, skipped: 0, failed: [], pending: [] });

    const inBucket = await openBucketStore(bucket, { env: s3.env(), ...OPTIONS });
    try {
      const expected = await readBack(new LocalStore(source));
      expect(expected.sessions.length).toBe(5); // four uploaded by traces upload, one put through the API
      expect(expected.events.map((e) => e.event_id)).toEqual(['e1', 'e2']);
      expect(expected.patched).toMatchObject({ title: 'patched', tags: ['x', 'y'] });
      expect(await readBack(inBucket)).toEqual(expected);
      expect(await readBack(new LocalStore(restored))).toEqual(expected);
    } finally {
      inBucket.close();
    }
    for (const record of await new LocalStore(source).sessions.list()) {
      expect(readFileSync(join(restored, record.key)).equals(readFileSync(join(source, record.key)))).toBe(true);
    }
    expect(statSync(join(restored, '.traces-store')).isFile()).toBe(true);

    expect(await copy(dirOf(source), bucket)).toMatchObject({ copied: 0, skipped: first.copied, failed: [] });
    expect(await copy(bucket, dirOf(restored))).toMatchObject({ copied: 0, skipped: first.copied, failed: [] });
  });

  it('copies only the keys of the store: what else lies in the bucket (a marker synced by another tool, a note) neither fails nor holds back the index', async () => {
    expect((await copy(dirOf(source), bucket)).failed).toEqual([]);
    for (const stray of ['.traces-store', 'README.txt', '.locks/x.lock', 'agent-traces/'])
      await s3.putText(bucket.bucket, `archive/${stray}`, 'x');
    const restored = join(tmp.path, 'restored');
    const back = await copy(bucket, dirOf(restored));
    expect(back).toMatchObject({ failed: [], pending: [] });
    expect((await new LocalStore(restored).sessions.list()).length).toBe(5);
    expect(existsSync(join(restored, 'README.txt'))).toBe(false);
  });

  it('streams a body larger than one part through a bucket and on to another prefix, byte for byte', async () => {
    const line = `${JSON.stringify({ type: 'message', text: 'x'.repeat(1000) })}\n`;
    const big = line.repeat(Math.ceil((9 * 1024 * 1024) / line.length));
    const record = await new LocalStore(source).sessions.put(
      { sessionId: uuid(9), traceId: uuid(9) },
      Readable.from([Buffer.from(big)]),
      big.length,
    );
    expect((await copy(dirOf(source), bucket)).failed).toEqual([]);
    const other = { ...bucket, prefix: 'moved' };
    expect((await copy(bucket, other)).failed).toEqual([]);
    const restored = join(tmp.path, 'restored');
    expect((await copy(other, dirOf(restored))).failed).toEqual([]);
    expect(readFileSync(join(restored, record.key), 'utf8') === big).toBe(true);
    const inBucket = await openBucketStore(other, { env: s3.env(), ...OPTIONS });
    try {
      expect((await text((await inBucket.sessions.openBody(uuid(9)))!.stream())) === big).toBe(true);
    } finally {
      inBucket.close();
    }
    expect((await copy(bucket, other)).copied).toBe(0);
  });

  it('copies again what changed at the source: a longer file, and one rewritten at the same size', async () => {
    const restored = join(tmp.path, 'restored');
    const all = (await copy(dirOf(source), dirOf(restored))).copied;
    await new LocalStore(source).events.append(uuid(3), [event('e3')]);
    const record = (await new LocalStore(source).sessions.get(uuid(1)))!;
    const body = join(source, record.key);
    const same = readFileSync(body, 'utf8').replace('"i":1', '"i":7');
    writeFileSync(body, same);
    const later = new Date(Date.now() + 5000);
    utimesSync(body, later, later);
    const again = await copy(dirOf(source), dirOf(restored));
    expect(again).toMatchObject({ copied: 2, skipped: all - 2, failed: [] });
    expect(readFileSync(join(restored, record.key), 'utf8')).toBe(same);
    // The copy carries the source's time, so the two compare equal on the next run.
    expect(Math.floor(statSync(join(restored, record.key)).mtimeMs / 1000)).toBe(Math.floor(later.getTime() / 1000));
    expect((await new LocalStore(restored).events.list(uuid(3))).map((e) => e.event_id)).toEqual(['e1', 'e2', 'e3']);
  });

  it('a copy stopped by a fault holds back the index, leaves the destination readable, and a rerun finishes it', async () => {
    const restored = join(tmp.path, 'restored');
    // A file where the events folder goes: every events key fails to land.
    mkdirSync(restored);
    writeFileSync(join(restored, '.traces-store'), '');
    writeFileSync(join(restored, 'events'), 'in the way');
    const broken = await copy(dirOf(source), dirOf(restored));
    expect(broken.failed.map((f) => f.key).every((k) => k.startsWith('events/'))).toBe(true);
    expect(broken.failed.length).toBeGreaterThan(0);
    expect(broken.pending.length).toBeGreaterThan(0);
    expect(broken.pending.every((k) => k.startsWith('index/'))).toBe(true);
    // Readable midway: no index names a body that is not there (there is no index yet).
    expect(await new LocalStore(restored).sessions.list()).toEqual([]);

    rmSync(join(restored, 'events'));
    const finished = await copy(dirOf(source), dirOf(restored));
    expect(finished.failed).toEqual([]);
    expect(finished.copied).toBe(broken.failed.length + broken.pending.length);
    // Before readBack, which writes (a patch of nothing still stamps its time): the rerun sees no change.
    expect((await copy(dirOf(source), dirOf(restored))).copied).toBe(0);
    expect(await readBack(new LocalStore(restored))).toEqual(await readBack(new LocalStore(source)));
  });

  it('an empty bucket prefix has nothing to copy; a refused access key stops the copy as an auth error', async () => {
    const empty: BackendLocation = { ...bucket, prefix: 'nothing-here' };
    expect(await copy(empty, dirOf(join(tmp.path, 'empty')))).toMatchObject({ copied: 0, skipped: 0, failed: [] });
    const denied = copy(dirOf(source), bucket, s3.env({ AWS_ACCESS_KEY_ID: 'NOT-A-KEY' }));
    await expect(denied).rejects.toMatchObject({ exitCode: 4 });
  });

  it('refuses a copy into itself or inside it, a bucket prefix inside the source prefix, and a source that is not a store', async () => {
    const refuse = async (from: BackendLocation, to: BackendLocation, message: RegExp) => {
      await expect(copy(from, to)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    };
    await refuse(dirOf(source), dirOf(source), /is the source store itself/);
    await refuse(dirOf(source), dirOf(join(source, 'backup')), /is inside the source store/);
    await refuse(bucket, bucket, /is the source store itself/);
    await refuse(bucket, { ...bucket, prefix: 'archive/inner' }, /is inside the source store/);
    await refuse({ ...bucket, prefix: '' }, bucket, /is inside the source store/);
    await refuse(dirOf(join(tmp.path, 'agent')), dirOf(join(tmp.path, 'x')), /not a traces store/);
    await refuse(dirOf(source), dirOf(join(tmp.path, 'agent')), /not empty and not a traces store/);
    await refuse(dirOf(source), { kind: 'http', url: new URL('http://127.0.0.1:9/') }, /store copy moves stores, not backends/);
  });
});

describe('traces store copy', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string | undefined>;
  beforeEach(async () => {
    tmp = tempDir();
    env = isolatedEnv(tmp.path);
    await fillStore(join(tmp.path, 'source'), tmp.path);
  });
  afterEach(() => tmp.cleanup());
  const cli = (...argv: string[]) => runCli(['store', 'copy', ...argv], { env, cwd: tmp.path });

  it('copies, says so, and a second run copies nothing; --json and --dry-run', async () => {
    const dry = await cli('./source', './copy', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^index\/sessions\/.+\.json {2}\d+ B$/m);
    expect(dry.stderr).toMatch(/^would copy \d+ keys \(.+\) to .+copy, skipped 0 unchanged$/m);
    const count = dry.stdout.trim().split('\n').length;

    const run = await cli('./source', './copy', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ copied: count, skipped: 0, failed: [], pending: [] });
    expect(run.json().bytes).toBeGreaterThan(0);
    expect(run.stderr).toContain(`copied ${count} keys (`);

    const again = await cli('./source', './copy');
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`copied 0 keys (0 B), skipped ${count} unchanged\n`);
    expect((await cli('./source', './copy', '--dry-run')).stdout).toBe('');
  });

  it('copies a folder to s3:// and back; a rerun copies nothing; a refused key is exit 4; an empty prefix says so', async () => {
    const bucket = await s3.newBucket('cli');
    env = { ...env, ...s3.env() };
    const up = await cli('./source', `s3://${bucket}/archive`, '--json');
    expect(up.code, up.stderr).toBe(0);
    const copied = up.json().copied as number;
    expect(copied).toBeGreaterThan(10);
    expect((await s3.listKeys(bucket, 'archive/')).length).toBe(copied);
    const down = await cli(`s3://${bucket}/archive`, './restored');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain(`copied ${copied} keys`);
    expect((await new LocalStore(join(tmp.path, 'restored')).sessions.list()).length).toBe(5);
    expect((await cli('./source', `s3://${bucket}/archive`)).stderr).toBe(`copied 0 keys (0 B), skipped ${copied} unchanged\n`);
    expect((await cli(`s3://${bucket}/archive`, './restored')).stderr).toBe(`copied 0 keys (0 B), skipped ${copied} unchanged\n`);

    const inside = await cli(`s3://${bucket}/archive`, `s3://${bucket}/archive/copy`);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('is inside the source store');
    env = { ...env, AWS_ACCESS_KEY_ID: 'NOT-A-KEY' };
    const denied = await cli('./source', `s3://${bucket}/other`);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/access denied/);
    env = { ...env, ...s3.env() };
    const empty = await cli(`s3://${bucket}/nothing-here`, './empty');
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain('nothing to copy');
  });

  it.each([
    [['./source', './source'], /is the source store itself/],
    [['./source', './source/inside'], /is inside the source store/],
    [['./agent', './x'], /agent: not a traces store/],
    [['./source', 'http://127.0.0.1:8787'], /HTTP backend: store copy moves stores, not backends/],
    [['https://example.com', './x'], /HTTP backend: store copy moves stores, not backends/],
  ])('traces store copy %j: exit 2 with a message', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
