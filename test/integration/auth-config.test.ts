import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { RecordingServer } from '../helpers/recording-server.js';

let tmp: ReturnType<typeof tempDir>;
let server: RecordingServer;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  tmp = tempDir();
  server = new RecordingServer(join(tmp.path, 'served'));
  await server.start();
  env = isolatedEnv(tmp.path, { TRACES_API_URL: server.url });
});

afterEach(async () => {
  await server.stop();
  tmp.cleanup();
});

const cli = (args: string[], extra: { stdin?: string; env?: Record<string, string | undefined> } = {}) =>
  runCli(args, { env: extra.env ?? env, stdin: extra.stdin });

describe('login, whoami, logout', () => {
  it('stores a checked token readable by its owner only, and never prints it', async () => {
    const login = await cli(['login', '--with-token'], { stdin: `${server.token}\n` });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('as traces serve');
    const file = join(tmp.path, 'config', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).hosts[server.url].token).toBe(server.token);
    const who = await cli(['whoami', '--json']);
    expect(who.json()).toMatchObject({ credential_source: `the login stored for ${server.url}`, user: { id: 'token-1' } });
    for (const r of [login, who]) expect(r.stdout + r.stderr).not.toContain(server.token);
    expect((await cli(['logout'])).stderr).toContain('removed');
    expect((await cli(['whoami'])).code).toBe(4);
  });

  it('refuses a token the backend rejects (exit 4) and stores nothing', async () => {
    const result = await cli(['login', '--with-token'], { stdin: 'wrong-token-123456' });
    expect(result.code).toBe(4);
    expect(result.stdout + result.stderr).not.toContain('wrong-token-123456');
    expect((await cli(['whoami'])).code).toBe(4);
  });

  it('never waits for a prompt without a terminal (exit 2)', async () => {
    const result = await cli(['login']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--with-token');
  });

  it('follows the credential chain: TRACES_TOKEN, then the stored login, then ~/.prime/config.json', async () => {
    mkdirSync(join(tmp.path, 'home', '.prime'), { recursive: true });
    writeFileSync(join(tmp.path, 'home', '.prime', 'config.json'), JSON.stringify({ api_key: server.token, base_url: server.url }));
    expect((await cli(['whoami', '--json'])).json().credential_source).toContain('.prime/config.json');
    expect((await cli(['login', '--with-token'], { stdin: server.token })).code).toBe(0);
    expect((await cli(['whoami', '--json'])).json().credential_source).toBe(`the login stored for ${server.url}`);
    const withEnv = await cli(['whoami', '--json'], { env: { ...env, TRACES_TOKEN: server.token } });
    expect(withEnv.json().credential_source).toBe('TRACES_TOKEN (environment)');
  });
});

describe('traces config', () => {
  it('sets, gets, lists and unsets settings through one schema', async () => {
    expect((await cli(['config', 'set', 'concurrency', '8'])).code).toBe(0);
    expect((await cli(['config', 'get', 'concurrency'])).stdout).toBe('8\n');
    expect((await cli(['config', 'set', 'events_url', 'https://events.example.com'])).code).toBe(0);
    const list = await cli(['config', 'list', '--json']);
    expect(list.json()).toMatchObject({
      settings: { concurrency: 8 },
      routes: {
        upload: { backend: server.url, source: 'TRACES_API_URL' },
        events: { backend: 'https://events.example.com', source: 'config events_url' },
      },
    });
    expect((await cli(['config', 'path'])).stdout.trim()).toBe(join(tmp.path, 'config', 'config.json'));
    expect((await cli(['config', 'unset', 'concurrency'])).code).toBe(0);
    expect((await cli(['config', 'get', 'concurrency', '--json'])).json()).toEqual({ concurrency: null });
  });

  it('refuses bad keys and values with exit 2, naming them', async () => {
    const key = await cli(['config', 'set', 'colour', 'red']);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain('unknown setting "colour"');
    const value = await cli(['config', 'set', 'concurrency', 'lots']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('concurrency');
    const url = await cli(['config', 'set', 'api_url', 'gopher://x']);
    expect(url.code).toBe(2);
  });

  it('reports a broken settings file by path (exit 2)', async () => {
    mkdirSync(join(tmp.path, 'config'), { recursive: true });
    writeFileSync(join(tmp.path, 'config', 'config.json'), JSON.stringify({ concurrency: 0 }));
    const result = await cli(['status']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('config.json');
    expect(result.stderr).toContain('concurrency');
  });
});
