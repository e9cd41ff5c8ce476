import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { useWorld } from '../helpers/world.js';

// A stored login belongs to the backend it was made for, a refusal names the credential and
// where it came from, and an environment token that overrides a stored login says so.

const world = useWorld();
let other: RecordingServer;

beforeEach(async () => {
  other = new RecordingServer(join(world.tmp.path, 'other'));
  await other.start();
});

afterEach(async () => {
  await other.stop();
});

/** The world's env without TRACES_TOKEN: only what is stored (or set by the test) can be sent. */
const noEnvToken = () => ({ ...world.env, TRACES_TOKEN: undefined });
const credentialsFile = () => join(world.tmp.path, 'config', 'credentials.json');
const carriedToken = (server: RecordingServer) => server.requests.filter((r) => r.headers.authorization !== undefined);

describe('a stored login belongs to its backend', () => {
  it('traces login --to X, then whoami on another backend: no token is sent there (exit 4, naming the login it has)', async () => {
    const login = await runCli(['login', '--with-token', '--to', world.server.url], { env: noEnvToken(), stdin: world.server.token });
    expect(login.code).toBe(0);
    const who = await runCli(['whoami'], { env: { ...noEnvToken(), TRACES_API_URL: other.url } });
    expect(who.code).toBe(4);
    expect(who.stderr).toContain(`not logged in to ${other.url}`);
    expect(carriedToken(other)).toEqual([]);
    // The login still serves its own backend.
    const own = await runCli(['whoami', '--json', '--to', world.server.url], { env: noEnvToken() });
    expect(own.code).toBe(0);
    expect(own.json()).toMatchObject({ credential_source: `the login stored for ${world.server.url}`, user: { id: 'token-1' } });
  });

  it('upload to a backend with no login of its own sends nothing and says where a login is stored', async () => {
    await runCli(['login', '--with-token', '--to', world.server.url], { env: noEnvToken(), stdin: world.server.token });
    const result = await runCli(['upload', '--to', other.url], { env: noEnvToken() });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`no credential for ${other.url}`);
    expect(result.stderr).toContain(`A login is stored for ${world.server.url}`);
    expect(other.requests).toEqual([]);
  });

  it('keeps one login per backend; logout --to removes one, logout --all the rest', async () => {
    for (const server of [world.server, other]) {
      expect((await runCli(['login', '--with-token', '--to', server.url], { env: noEnvToken(), stdin: server.token })).code).toBe(0);
    }
    const file = JSON.parse(readFileSync(credentialsFile(), 'utf8'));
    expect(Object.keys(file.hosts).sort()).toEqual([world.server.url, other.url].sort());
    expect(statSync(credentialsFile()).mode & 0o777).toBe(0o600);
    const out = await runCli(['logout', '--to', other.url], { env: noEnvToken() });
    expect(out.stderr).toContain(`Stored login for ${other.url} removed.`);
    expect((await runCli(['whoami', '--to', other.url], { env: noEnvToken() })).code).toBe(4);
    expect((await runCli(['whoami', '--to', world.server.url], { env: noEnvToken() })).code).toBe(0);
    expect((await runCli(['logout', '--all'], { env: noEnvToken() })).stderr).toContain('All stored logins removed.');
    expect(existsSync(credentialsFile())).toBe(false);
  });

  it('a login from before per-backend logins is kept for the default backend only, with a note once', async () => {
    mkdirSync(join(world.tmp.path, 'config'), { recursive: true });
    writeFileSync(credentialsFile(), JSON.stringify({ token: 'legacy-token-0123', saved_at: '2024-01-01T00:00:00.000Z' }), { mode: 0o600 });
    const env = noEnvToken(); // TRACES_API_URL: the world's server, not the default
    const upload = await runCli(['upload'], { env });
    expect(upload.code).toBe(4);
    expect(upload.stderr).toContain('it is now kept for https://api.primeintellect.ai only');
    expect(world.server.requests).toEqual([]);
    const list = await runCli(['config', 'list', '--json'], { env: { ...env, TRACES_API_URL: undefined } });
    expect(list.json().routes.upload).toMatchObject({
      backend: 'https://api.primeintellect.ai',
      credential: 'the login stored for https://api.primeintellect.ai',
    });
    expect(list.stderr).not.toContain('earlier traces'); // the note came once
    expect(JSON.parse(readFileSync(credentialsFile(), 'utf8'))).toMatchObject({
      version: 2,
      hosts: { 'https://api.primeintellect.ai': { token: 'legacy-token-0123' } },
    });
    expect(list.stdout + upload.stderr).not.toContain('legacy-token-0123');
  });

  it('a login from before per-backend logins belongs to the configured api_url when one is set', async () => {
    mkdirSync(join(world.tmp.path, 'config'), { recursive: true });
    writeFileSync(credentialsFile(), JSON.stringify({ token: world.server.token }), { mode: 0o600 });
    const env = { ...noEnvToken(), TRACES_API_URL: undefined };
    expect((await runCli(['config', 'set', 'api_url', world.server.url], { env })).code).toBe(0);
    const upload = await runCli(['upload', '--json'], { env });
    expect(upload.code, upload.stderr).toBe(0);
    expect(upload.stderr).toContain(`it is now kept for ${world.server.url} only`);
    expect(JSON.parse(readFileSync(credentialsFile(), 'utf8')).hosts).toEqual({
      [world.server.url]: expect.objectContaining({ token: world.server.token }),
    });
  });

  it("prime's api_key serves the backend of prime's own config only", async () => {
    mkdirSync(join(world.tmp.path, 'home', '.prime'), { recursive: true });
    const primeConfig = join(world.tmp.path, 'home', '.prime', 'config.json');
    writeFileSync(primeConfig, JSON.stringify({ api_key: world.server.token }));
    expect((await runCli(['whoami'], { env: noEnvToken() })).code).toBe(4);
    expect(carriedToken(world.server)).toEqual([]);
    writeFileSync(primeConfig, JSON.stringify({ api_key: world.server.token, base_url: `${world.server.url}/api/v1` }));
    const who = await runCli(['whoami', '--json'], { env: noEnvToken() });
    expect(who.json().credential_source).toBe(`api_key in ${primeConfig}`);
  });

  it("PRIME_API_KEY serves prime's backend only (its config's base_url, else the default), never another host", async () => {
    const env = { ...noEnvToken(), PRIME_API_KEY: 'prime-account-key-123' };
    const elsewhere = await runCli(['upload', '--to', other.url], { env });
    expect(elsewhere.code).toBe(4);
    expect(carriedToken(other)).toEqual([]);
    mkdirSync(join(world.tmp.path, 'home', '.prime'), { recursive: true });
    writeFileSync(join(world.tmp.path, 'home', '.prime', 'config.json'), JSON.stringify({ base_url: other.url }));
    const who = await runCli(['whoami', '--to', other.url], { env });
    // Sent there now (prime's own backend), and refused by this test server: the refusal names it.
    expect(carriedToken(other).map((r) => r.headers.authorization)).toEqual(['Bearer prime-account-key-123']);
    expect(who.code).toBe(4);
    expect(who.stderr).toContain('PRIME_API_KEY (environment) was refused');
  });
});

describe('a refusal names the credential and where it came from', () => {
  it.each([
    [['upload'], 'upload'],
    [['whoami'], 'whoami'],
    [['events', 'push'], 'events push'],
  ])('%s with a wrong TRACES_TOKEN: "TRACES_TOKEN (environment) was refused by <backend> (401 ...)", exit 4', async (argv) => {
    const result = await runCli(argv, { env: { ...world.env, TRACES_TOKEN: 'wrong-secret-token' } });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`TRACES_TOKEN (environment) was refused by ${world.server.url} (401`);
    expect(result.stderr).toContain('Check TRACES_TOKEN, or unset it.');
    expect(result.stdout + result.stderr).not.toContain('wrong-secret-token');
    expect(result.stderr).not.toMatch(/this is a bug/);
  });

  it('a per-operation token is named as such', async () => {
    const result = await runCli(['sessions', 'save', '--org', 'acme', '--workspace', 'main', world.home.root], {
      env: { ...world.env, TRACES_SESSIONS_TOKEN: 'wrong-sessions-token' },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`TRACES_SESSIONS_TOKEN (environment) was refused by ${world.server.url} (401`);
  });

  it('a stored login that is refused is named with its backend and how to replace it', async () => {
    mkdirSync(join(world.tmp.path, 'config'), { recursive: true });
    writeFileSync(credentialsFile(), JSON.stringify({ version: 2, hosts: { [world.server.url]: { token: 'stale-token-999' } } }), {
      mode: 0o600,
    });
    const result = await runCli(['upload'], { env: noEnvToken() });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`the login stored for ${world.server.url} was refused by ${world.server.url} (401`);
    expect(result.stderr).toContain(`traces login --to ${world.server.url}`);
    expect(result.stderr).not.toContain('stale-token-999');
  });
});

describe('an environment token that overrides a stored login says so', () => {
  beforeEach(async () => {
    expect((await runCli(['login', '--with-token'], { env: noEnvToken(), stdin: world.server.token })).code).toBe(0);
  });

  it('in whoami', async () => {
    const human = await runCli(['whoami'], { env: world.env });
    expect(human.stderr).toContain(`TRACES_TOKEN (environment) overrides the login stored for ${world.server.url}`);
    const json = await runCli(['whoami', '--json'], { env: world.env });
    expect(json.json()).toMatchObject({
      credential_source: 'TRACES_TOKEN (environment)',
      overrides: `the login stored for ${world.server.url}`,
    });
    const alone = await runCli(['whoami', '--json'], { env: noEnvToken() });
    expect(alone.json()).toMatchObject({ credential_source: `the login stored for ${world.server.url}`, overrides: null });
  });

  it('in config list', async () => {
    const human = await runCli(['config', 'list'], { env: world.env });
    expect(human.stdout).toContain(`TRACES_TOKEN (environment) overrides the login stored for ${world.server.url}`);
    const json = await runCli(['config', 'list', '--json'], { env: world.env });
    expect(json.json().routes.upload).toMatchObject({
      credential: 'TRACES_TOKEN (environment)',
      overrides: `the login stored for ${world.server.url}`,
    });
    expect(human.stdout + json.stdout).not.toContain(world.server.token);
  });
});
