import { createServer, type AddressInfo } from 'node:net';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { until } from '../helpers/until.js';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tryLock } from '../../src/util/lock.js';
import { runCli } from '../helpers/cli.js';
import { useS3 } from '../helpers/s3.js';
import { useWorld } from '../helpers/world.js';

// `--to s3://bucket/prefix` through the CLI, against the suite's S3 server and the real SDK: the
// folder store's layout under the prefix, the ledger as for HTTP backends, no traces token.
const world = useWorld();
const s3 = useS3();

/** The world's env aimed at the suite's S3 server, with no traces token and no backend of its own. */
const env = () => s3.env({ ...world.env, ...s3.env(), TRACES_TOKEN: undefined, TRACES_API_URL: undefined });

describe('traces upload --to s3://bucket/prefix', () => {
  it('puts the session bodies at prefix/agent-traces/..., and a rerun sends nothing', async () => {
    const bucket = await s3.newBucket('upload');
    const to = `s3://${bucket}/ci/run-1/`;
    const first = await runCli(['upload', '--to', to, '--json'], { env: env() });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const keys = await s3.listKeys(bucket);
    const bodies = keys.filter((k) => k.endsWith('.jsonl'));
    expect(bodies.length).toBe(first.json().total);
    expect(bodies.length).toBeGreaterThan(1);
    for (const key of bodies) expect(key).toMatch(/^ci\/run-1\/agent-traces\/[^/]+\/[^/]+\.jsonl$/);
    expect(keys.every((k) => k.startsWith('ci/run-1/'))).toBe(true);
    // The key an upload answers is the object's key under the prefix.
    const report = first.json();
    const uploaded = report.sessions.filter((s: { status: string }) => s.status === 'uploaded');
    expect(uploaded).toHaveLength(bodies.length);
    for (const s of uploaded) expect(bodies).toContain(`ci/run-1/${s.key}`);

    const rerun = await runCli(['upload', '--to', to, '--json'], { env: env() });
    expect(rerun.code).toBe(0);
    expect(rerun.json().sessions.every((s: { status: string }) => s.status === 'unchanged')).toBe(true);
    expect(await s3.listKeys(bucket)).toEqual(keys);
  });

  it('sends again, from a new read of the file, a body the store failed or cut off; with --retries 0 the rerun sends it', async () => {
    const bucket = await s3.newBucket('retry');
    const to = `s3://${bucket}/r`;
    // Every session's first body PUT fails: one answered 500, the next cut off midway.
    await s3.faults([
      { bucket, method: 'PUT', key: '.jsonl', times: 1, status: 500 },
      { bucket, method: 'PUT', key: '.jsonl', times: 1, reset: true, afterBytes: 100 },
    ]);
    // The SDK writes its own remark on a failed streamed body to the console unless given a logger.
    const console = vi.spyOn(globalThis.console, 'warn');
    const first = await runCli(['upload', '--to', to, '--json', '--concurrency', '1'], { env: env() });
    expect(console).not.toHaveBeenCalled();
    console.mockRestore();
    expect(first.code).toBe(0);
    const report = first.json();
    expect(report.uploaded).toBe(report.total);
    for (const s of report.sessions) {
      const stored = await s3.getText(bucket, `r/${s.key}`);
      expect(stored).toBe(readFileSync(s.file, 'utf8'));
    }
    const other = await s3.newBucket('noretry');
    await s3.faults([{ bucket: other, method: 'PUT', key: '.jsonl', times: 1, status: 503, code: 'SlowDown' }]);
    const once = await runCli(['upload', '--to', `s3://${other}`, '--json', '--retries', '0', '--concurrency', '1'], { env: env() });
    expect(once.code).toBe(1);
    expect(once.json().failed).toBe(1);
    expect(once.json().sessions.find((s: { status: string }) => s.status === 'failed').error).toMatch(/503 SlowDown/);
    const again = await runCli(['upload', '--to', `s3://${other}`, '--json'], { env: env() });
    expect(again.code).toBe(0);
    expect(again.json().uploaded).toBe(1);
  });

  it('an endpoint nobody answers for stops the run early, keeps the rest pending, and the next run sends them', async () => {
    const bucket = await s3.newBucket('dead');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const dead = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const many = Array.from({ length: 12 }, (_, i) => {
      const id = uuidFrom(`s3-dead:${i}`);
      return writeSession(join(world.env.TRACES_SESSIONS_DIR!, `${id}.jsonl`), header({ id }), entries(`s3-dead:${i}`, 1));
    });
    const stopped = await runCli(['upload', '--to', `s3://${bucket}`, '--json', '--retries', '0'], {
      env: { ...env(), AWS_ENDPOINT_URL_S3: dead },
    });
    expect(stopped.code).toBe(1);
    const report = stopped.json();
    expect(report.unreachable).toBe('ECONNREFUSED');
    expect(report.pending).toBeGreaterThan(0);
    expect(stopped.stderr.split('\n').filter((l) => /unreachable/.test(l))).toHaveLength(1);
    const next = await runCli(['upload', '--to', `s3://${bucket}`, '--json'], { env: env() });
    expect(next.code).toBe(0);
    expect(next.json().uploaded).toBe(report.total);
    expect(report.total).toBeGreaterThanOrEqual(many.length);
  });

  it('credentials that may write objects but not list or probe the bucket still upload; events, which need the listing, say so (exit 4)', async () => {
    const bucket = await s3.newBucket('narrow');
    const denied = { bucket, key: '', bucketLevel: true, times: 1000, status: 403, code: 'AccessDenied' };
    await s3.faults([
      { ...denied, method: 'GET' as const },
      { ...denied, method: 'HEAD' as const },
    ]);
    try {
      const up = await runCli(['upload', '--to', `s3://${bucket}/n`, '--json'], { env: env() });
      expect(up.code, up.stderr).toBe(0);
      expect(up.json().uploaded).toBe(up.json().total);
      const push = await runCli(['events', 'push', '--to', `s3://${bucket}/n`], { env: env() });
      expect(push.code).toBe(4);
      expect(push.stderr).toMatch(/listing events\/[^ ]+\/log\/: access denied \(AccessDenied\)/);
    } finally {
      await s3.faults([]);
    }
  });

  it('with AWS_ENDPOINT_URL alone, and with the s3_endpoint setting', async () => {
    const bucket = await s3.newBucket('endpoint');
    const viaEnv = await runCli(['upload', '--to', `s3://${bucket}/a`], {
      env: { ...env(), AWS_ENDPOINT_URL_S3: undefined, AWS_ENDPOINT_URL: s3.endpoint },
    });
    expect(viaEnv.code).toBe(0);
    expect((await runCli(['config', 'set', 's3_endpoint', s3.endpoint], { env: env() })).code).toBe(0);
    const viaSetting = await runCli(['upload', '--to', `s3://${bucket}/b`], { env: { ...env(), AWS_ENDPOINT_URL_S3: undefined } });
    expect(viaSetting.code).toBe(0);
    const keys = await s3.listKeys(bucket);
    expect(keys.some((k) => k.startsWith('a/agent-traces/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('b/agent-traces/'))).toBe(true);
  });

  it('a missing bucket stops the run, said once (exit 2); an unknown access key stops it too (exit 4); no key is printed', async () => {
    const missing = await runCli(['upload', '--to', 's3://no-such-bucket-here/x'], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('the bucket does not exist')).toHaveLength(2);
    expect(missing.stderr).toContain('s3://no-such-bucket-here/x: the bucket does not exist');
    // The other sending commands stop the same way.
    for (const args of [
      ['events', 'push'],
      ['sessions', 'save', '--all', '--org', 'o', '--workspace', 'w'],
    ]) {
      const out = await runCli([...args, '--to', 's3://no-such-bucket-here/x'], { env: env() });
      expect({ args, code: out.code, times: out.stderr.split('the bucket does not exist').length - 1 }).toEqual({
        args,
        code: 2,
        times: 1,
      });
    }
    // watch stops at its first catch-up instead of trying again forever.
    const watched = await runCli(['watch', '--to', 's3://no-such-bucket-here/x'], { env: env() });
    expect(watched.code).toBe(2);
    expect(watched.stderr).toContain('the bucket does not exist');
    const bucket = await s3.newBucket('denied');
    const denied = await runCli(['upload', '--to', `s3://${bucket}`], {
      env: { ...env(), AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000001', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-value' },
    });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('access denied (InvalidAccessKeyId)');
    expect(denied.stderr).not.toContain('not-a-real-secret-value');
  });
});

describe('events and metadata to a bucket', () => {
  it('events push, sessions save and the hook --wait follow-ups go to the bucket with no traces token', async () => {
    const bucket = await s3.newBucket('follow');
    const to = `s3://${bucket}/p`;
    const push = await runCli(['events', 'push', '--to', to], { env: env() });
    expect(push.stderr).not.toMatch(/credential|traces login/);
    expect(push.code).toBe(0);
    const save = await runCli(['sessions', 'save', '--all', '--to', to, '--org', 'acme', '--workspace', 'main'], { env: env() });
    expect(save.stderr).not.toMatch(/credential|traces login/);
    expect(save.code).toBe(0);
    const keys = await s3.listKeys(bucket);
    expect(keys.some((k) => k.startsWith(`p/events/${world.home.rootId}/`))).toBe(true);
    expect(keys.some((k) => k.startsWith('p/metadata/acme/main/'))).toBe(true);
  });

  it('hook --wait uploads and pushes the events to the bucket; status names it by its id', async () => {
    const bucket = await s3.newBucket('hook');
    const hooked = await runCli(['hook', '--wait', '--events', '--session', world.home.root, '--to', `s3://${bucket}/h`], { env: env() });
    expect(hooked.code).toBe(0);
    const keys = await s3.listKeys(bucket);
    expect(keys.some((k) => k.startsWith('h/agent-traces/'))).toBe(true);
    expect(keys.some((k) => k.startsWith(`h/events/${world.home.rootId}/`))).toBe(true);
    const status = await runCli(['status', '--json', '--to', `s3://${bucket}/h`], { env: env() });
    expect(status.json().current_backend).toBe(`s3://${bucket}/h?endpoint=${encodeURIComponent(s3.endpoint)}`);
  });

  it("the hook's worker drains a queued session to the bucket of the id it queued, though its own environment names no endpoint", async () => {
    const bucket = await s3.newBucket('queue');
    mkdirSync(join(world.tmp.path, 'state'), { recursive: true });
    const release = tryLock(join(world.tmp.path, 'state', 'worker.lock'))!;
    const hooked = await runCli(['hook', '--events', '--session', world.home.root, '--to', `s3://${bucket}/q`], { env: env() });
    expect(hooked.code).toBe(0);
    // The worker the hook starts meets the lock held and leaves: wait for it, so that it cannot drain the queue instead.
    const hookLog = () =>
      existsSync(join(world.tmp.path, 'state', 'hook.log')) ? readFileSync(join(world.tmp.path, 'state', 'hook.log'), 'utf8') : '';
    await until(() => hookLog().includes('another worker is running'), "the hook's own worker to give way");
    release();
    const worker = await runCli(['hook', '--worker', '--give-up-after', '1s'], {
      env: { ...env(), AWS_ENDPOINT_URL_S3: undefined, AWS_ENDPOINT_URL: undefined },
    });
    expect(worker.code).toBe(0);
    const keys = await s3.listKeys(bucket);
    expect(keys.some((k) => k.startsWith('q/agent-traces/'))).toBe(true);
    expect(keys.some((k) => k.startsWith(`q/events/${world.home.rootId}/`))).toBe(true);
    const status = await runCli(['status', '--json'], { env: env() });
    expect(status.json().queue.queued).toBe(0);
  });
});
