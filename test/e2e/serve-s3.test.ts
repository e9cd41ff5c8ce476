import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../helpers/http.js';
import { until } from '../helpers/until.js';
import { useS3 } from '../helpers/s3.js';
import { BIN, assertBuilt, spawnServe, type Served } from '../helpers/spawn.js';

// `traces serve --store s3://bucket/prefix` as a process, against the suite's S3 server: it
// probes the bucket before it listens, serves the four contracts from it, and says so when the
// store ignores conditional writes.
const s3 = useS3();
const uuid = '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const patchId = 'session_3f1c2a4b5d6e4f708a9b0c1d2e3f4a5b';
const WARNING =
  'this store ignores conditional writes: with several traces serve processes on it, a patch or a session start may be lost to a concurrent one and an event may be stored twice (it is still listed once); one process is safe';

let served: Served | undefined;
afterEach(async () => {
  if (served && served.child.exitCode === null) {
    served.child.kill('SIGTERM');
    await served.exited;
  }
  served = undefined;
});

/** `traces serve` run to its end: its exit code and stderr (for a refusal to start). */
function serveToEnd(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-auth', ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('traces serve --store s3://bucket/prefix', () => {
  it('answers the four contracts from the bucket, under the prefix', async () => {
    const bucket = await s3.newBucket('serve');
    served = await spawnServe(['--no-auth', '--store', `s3://${bucket}/srv`], s3.env());
    await until(() => served!.stderr().includes('\n'), 'the store line');
    expect(served.stderr()).toContain(`store s3://${bucket}/srv at ${s3.endpoint}; no authentication`);
    expect(served.stderr()).not.toContain('conditional writes');
    const url = served.url;
    const body = '{"type":"session"}\n{"a":1}\n';
    const put = await call(`${url}/api/v1/agent-traces/sessions/${uuid}`, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/x-ndjson', 'x-trace-id': 'trace-1' },
    });
    expect(put.status).toBe(200);
    expect(put.json().key).toBe(`agent-traces/trace-1/${uuid}.jsonl`);
    expect(await s3.getText(bucket, `srv/agent-traces/trace-1/${uuid}.jsonl`)).toBe(body);
    const saved = await call(`${url}/api/v1/org/acme/ws/main/sessions`, { method: 'POST', json: { id: uuid, model: 'm' } });
    expect(saved.status).toBe(201);
    expect((await call(`${url}/api/v1/org/acme/ws/main/sessions`, { method: 'POST', json: { id: uuid, model: 'm' } })).status).toBe(409);
    const patched = await call(`${url}/v1/sessions/${patchId}`, { method: 'PATCH', json: { title: 'T', tags: ['a'] } });
    expect(patched.status).toBe(200);
    expect(patched.json()).toMatchObject({ id: patchId, title: 'T', tags: ['a'] });
    expect((await call(`${url}/v1/sessions`, { method: 'POST', json: { session_id: uuid, session_name: 'run' } })).status).toBeLessThan(
      300,
    );
    const events = [
      { event_type: 'tool', inputs: {}, event_id: 'e1' },
      { event_type: 'model', inputs: {}, event_id: 'e2' },
    ];
    expect((await call(`${url}/v1/sessions/${uuid}/events/batch`, { method: 'POST', json: { events } })).json()).toEqual({ success: true });
    await call(`${url}/v1/sessions/${uuid}/events/batch`, { method: 'POST', json: { events } });
    const keys = await s3.listKeys(bucket);
    expect(keys.every((k) => k.startsWith('srv/'))).toBe(true);
    expect(keys).toContain(`srv/metadata/acme/main/${uuid}.json`);
    expect(keys).toContain(`srv/patches/${patchId}.json`);
    expect(keys).toContain(`srv/events/${uuid}/session.json`);
    expect(keys.some((k) => k.startsWith(`srv/events/${uuid}/log/`))).toBe(true);
  });

  it('refuses to start on a missing bucket (exit 2) and on an unknown access key (exit 4), printing no key', async () => {
    const missing = await serveToEnd(['--store', 's3://no-such-bucket-here/x'], s3.env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('s3://no-such-bucket-here/x: the bucket does not exist');
    expect(missing.stderr).not.toContain('listening');
    const bucket = await s3.newBucket('denied');
    const denied = await serveToEnd(
      ['--store', `s3://${bucket}`],
      s3.env({ AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000001', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-value' }),
    );
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('access denied');
    expect(denied.stderr).not.toContain('not-a-real-secret-value');
  });

  it('warns, in one line, when the store ignores conditional writes', async () => {
    const bucket = await s3.newBucket('raw');
    served = await spawnServe(['--no-auth', '--store', `s3://${bucket}`], s3.env({ AWS_ENDPOINT_URL_S3: s3.raw }));
    await until(() => served!.stderr().includes('warning'), 'the warning');
    expect(served.stderr()).toContain(`store s3://${bucket} at ${s3.raw}`);
    expect(served.stderr().split('\n')).toContain(`warning: ${WARNING}`);
  });

  it('takes exactly one of --data and --store', async () => {
    const both = await serveToEnd(['--data', './x', '--store', 's3://abc'], s3.env());
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--data and --store both name a store');
    const url = await serveToEnd(['--store', 'https://example.com'], s3.env());
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('a URL names a backend, not a store');
    const bad = await serveToEnd(['--store', 's3://Bad_Bucket'], s3.env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--store: "s3://Bad_Bucket" names the bucket "Bad_Bucket"');
  });
});
