import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';
import { tryLock } from '../../src/util/lock.js';

// An s3:// backend as the commands that name a backend see it: no traces token asked for or
// sent, logins refused with what a bucket uses instead, its settings, its id in status and in
// the hook's queue. No request reaches a bucket in these tests.
const world = useWorld();

const ENDPOINT = 'http://127.0.0.1:9';
/** The world's env pointing at a bucket, with no traces token and fake AWS keys that must never be shown. */
const bucketEnv = (extra: Record<string, string | undefined> = {}) => ({
  ...world.env,
  TRACES_TOKEN: undefined,
  TRACES_API_URL: 's3://ci-archive/traces',
  AWS_ENDPOINT_URL_S3: ENDPOINT,
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID0001',
  AWS_SECRET_ACCESS_KEY: 'example-secret-access-key-never-shown',
  ...extra,
});
const ID = `s3://ci-archive/traces?endpoint=${encodeURIComponent(ENDPOINT)}`;
const noSecrets = (text: string) => {
  expect(text).not.toContain('AKIAEXAMPLEKEYID0001');
  expect(text).not.toContain('example-secret-access-key-never-shown');
};

describe('traces login, logout and whoami on a bucket', () => {
  it('say that a bucket uses the AWS credential chain, not a traces login', async () => {
    const login = await runCli(['login', '--with-token'], { env: bucketEnv(), stdin: 'some-token' });
    expect(login.code).toBe(2);
    expect(login.stderr).toContain(
      `${ID} (from TRACES_API_URL) is a bucket: it uses the AWS credential chain (environment, shared config and credentials files, AWS_PROFILE), not a traces login, so there is no login to store`,
    );
    expect(existsCredentials()).toBe(false);
    const logout = await runCli(['logout', '--to', 's3://ci-archive'], { env: bucketEnv() });
    expect(logout.code).toBe(2);
    expect(logout.stderr).toContain('is a bucket: it uses the AWS credential chain');
    const who = await runCli(['whoami'], { env: bucketEnv() });
    expect(who.code).toBe(0);
    expect(who.stderr).toContain(`${ID} (from TRACES_API_URL) is a bucket: it uses the AWS credential chain`);
    const json = await runCli(['whoami', '--json'], { env: bucketEnv() });
    expect(json.json()).toEqual({ backend: ID, credential_source: 'aws', overrides: null, user: null });
    for (const r of [login, logout, who, json]) noSecrets(r.stdout + r.stderr);
  });
});

const existsCredentials = () => {
  try {
    readFileSync(join(world.tmp.path, 'config', 'credentials.json'));
    return true;
  } catch {
    return false;
  }
};

describe('traces config and a bucket', () => {
  it('sets, gets and lists s3_endpoint and s3_path_style, and shows each route to a bucket by its id', async () => {
    const env = { ...world.env, TRACES_API_URL: undefined, TRACES_TOKEN: undefined };
    expect((await runCli(['config', 'set', 'api_url', 's3://ci-archive/traces/'], { env })).code).toBe(0);
    expect((await runCli(['config', 'set', 's3_endpoint', 'https://acct.r2.cloudflarestorage.com'], { env })).code).toBe(0);
    expect((await runCli(['config', 'set', 's3_path_style', 'false'], { env })).code).toBe(0);
    expect((await runCli(['config', 'get', 's3_path_style'], { env })).stdout).toBe('false\n');
    const list = await runCli(['config', 'list', '--json'], { env });
    const id = `s3://ci-archive/traces?endpoint=${encodeURIComponent('https://acct.r2.cloudflarestorage.com')}`;
    expect(list.json()).toMatchObject({
      settings: { s3_endpoint: 'https://acct.r2.cloudflarestorage.com', s3_path_style: false },
      routes: { upload: { backend: id, source: 'config api_url', credential: 'the AWS credential chain' } },
    });
    const text = await runCli(['config', 'list'], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'example-secret-access-key-never-shown' } });
    expect(text.stdout).toContain(`upload         → ${id} (config api_url)`);
    noSecrets(text.stdout + text.stderr);
  });

  it('refuses a bad bucket URL or endpoint when it is set, naming the setting', async () => {
    const bucket = await runCli(['config', 'set', 'events_url', 's3://Bad_Bucket/x'], { env: world.env });
    expect(bucket.code).toBe(2);
    expect(bucket.stderr).toContain('events_url: "s3://Bad_Bucket/x" names the bucket "Bad_Bucket"');
    const endpoint = await runCli(['config', 'set', 's3_endpoint', 'minio:9000'], { env: world.env });
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain('s3_endpoint: is not an http(s):// URL (got "minio:9000")');
    const style = await runCli(['config', 'set', 's3_path_style', 'yes'], { env: world.env });
    expect(style.code).toBe(2);
    expect(style.stderr).toContain('s3_path_style: must be true or false');
  });

  it('a bad TRACES_S3_PATH_STYLE is a config error (exit 2) naming the variable', async () => {
    const result = await runCli(['upload'], { env: bucketEnv({ TRACES_S3_PATH_STYLE: 'yes' }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TRACES_S3_PATH_STYLE: "yes" must be 1, 0, true or false');
  });
});

describe('no traces token for a bucket', () => {
  // The runs that reach a bucket (upload, events push, sessions save) are in s3-store.test.ts.
  it('traces upload --dry-run asks for none', async () => {
    const result = await runCli(['upload', '--dry-run'], { env: bucketEnv() });
    expect(result.stderr).not.toMatch(/no credential|a real run would stop here|traces login/);
    expect(result.code).toBe(0);
    noSecrets(result.stdout + result.stderr);
  });
});

describe('traces status and the hook queue with a bucket', () => {
  it('status names the bucket by its id', async () => {
    const result = await runCli(['status', '--json'], { env: bucketEnv() });
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ current_backend: ID });
  });

  it('the hook queues a session for the bucket by its id, the follow-ups too, and status shows it waiting', async () => {
    // A worker holds the lock: the hook's own worker leaves the queue as it is.
    mkdirSync(join(world.tmp.path, 'state'), { recursive: true });
    const release = tryLock(join(world.tmp.path, 'state', 'worker.lock'))!;
    try {
      const hooked = await runCli(['hook', '--events', '--save', '--session', world.home.root, '--to', 's3://ci-archive/traces'], {
        env: bucketEnv({ TRACES_API_URL: undefined }),
      });
      expect(hooked.code).toBe(0);
      const entries = readFileSync(join(world.tmp.path, 'state', 'queue.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) expect(e).toMatchObject({ backend: ID, to: ID, sessionsTo: ID, eventsTo: ID });
      noSecrets(JSON.stringify(entries));
      const status = await runCli(['status', '--json'], { env: bucketEnv() });
      expect(status.json()).toMatchObject({ queue: { queued: entries.length, backends: { [ID]: entries.length } } });
    } finally {
      release();
    }
  });
});
