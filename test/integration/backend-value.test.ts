import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let cwd: string;

beforeEach(() => {
  tmp = tempDir();
  const home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
  env = isolatedEnv(tmp.path, { TRACES_TOKEN: 'secret-token-value', TRACES_SESSIONS_DIR: home.sessions });
  cwd = join(tmp.path, 'cwd');
  mkdirSync(cwd);
});

afterEach(() => tmp.cleanup());

const entries = () => readdirSync(cwd).sort();

describe('a backend value that is not clearly a folder never becomes one', () => {
  it.each([
    ['api.primeintellect.ai', /did you mean https:\/\/api\.primeintellect\.ai\?/i],
    [' http://127.0.0.1:1', /did you mean http:\/\/127\.0\.0\.1:1\?/i],
    ['http://127.0.0.1:1 ', /did you mean http:\/\/127\.0\.0\.1:1\?/i],
    ['//host.example:1', /did you mean https:\/\/host\.example:1\?/i],
    ['localhost:8787', /did you mean http:\/\/localhost:8787\?/i],
    ['127.0.0.1:8787', /did you mean http:\/\/127\.0\.0\.1:8787\?/i],
    ['10.1.2.3', /did you mean https:\/\/10\.1\.2\.3\?/i],
    ['my.archive', /\.\/my\.archive/],
    ['localhost', /did you mean http:\/\/localhost\?/i],
    ['https:/api.example.com', /not a valid URL/],
  ])('--to %j is a usage error (exit 2) and writes nothing', async (value, hint) => {
    const before = entries();
    const result = await runCli(['upload', '--to', value], { env, cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(hint);
    expect(result.stderr).not.toMatch(/this is a bug/);
    expect(entries()).toEqual(before);
  });

  it('the same value from TRACES_API_URL or config api_url is a configuration error (exit 2)', async () => {
    const before = entries();
    const fromEnv = await runCli(['upload'], { env: { ...env, TRACES_API_URL: 'api.primeintellect.ai' }, cwd });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/TRACES_API_URL: .*api\.primeintellect\.ai/);
    const set = await runCli(['config', 'set', 'api_url', 'api.primeintellect.ai'], { env, cwd });
    expect(set.code).toBe(2);
    expect(set.stderr).toMatch(/did you mean https:\/\/api\.primeintellect\.ai\?/i);
    expect((await runCli(['config', 'get', 'api_url'], { env, cwd })).stdout).toBe('');
    expect(entries()).toEqual(before);
  });

  it.each([
    ['archive', 'archive'],
    ['traces-archive', 'traces-archive'],
    ['./my.archive', 'my.archive'],
  ])('--to %j is a folder under the working directory', async (value, name) => {
    const result = await runCli(['upload', '--to', value, '--json'], { env, cwd });
    expect(result.code).toBe(0);
    expect(existsSync(join(cwd, name))).toBe(true);
  });

  it('--to ~/x is a folder in the home directory the CLI was given', async () => {
    const result = await runCli(['upload', '--to', '~/store', '--json'], { env, cwd });
    expect(result.code).toBe(0);
    expect(existsSync(join(env.HOME!, 'store'))).toBe(true);
    expect(existsSync(join(cwd, '~'))).toBe(false);
  });
});

describe('a folder backend that is a file', () => {
  it.each([['upload'], ['events', 'push'], ['sessions', 'save', '--all', '--org', 'o', '--workspace', 'w']])(
    '--to FILE (%s) is a usage error naming it (exit 2), before any session',
    async (...command) => {
      const file = join(cwd, 'archive');
      writeFileSync(file, 'not a folder');
      const result = await runCli([...command, '--to', file], { env, cwd });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file} is not a folder`);
      expect(result.stderr).not.toMatch(/ENOTDIR|this is a bug/);
    },
  );
});

describe('a folder backend that would swallow the sessions', () => {
  it('is refused when it is the sessions dir or holds it (the store marker would hide the sessions from every later scan)', async () => {
    const home = join(tmp.path, 'agent');
    for (const to of [join(home, 'sessions'), home, join(home, 'session-artifacts')]) {
      const result = await runCli(['upload', '--to', to], { env, cwd });
      expect(result.code, to).toBe(2);
      expect(result.stderr).toContain('would hold the sessions it reads');
      expect(existsSync(join(to, '.traces-store'))).toBe(false);
    }
    // Inside the sessions dir is fine: a store there is never scanned.
    const inside = await runCli(['upload', '--to', join(home, 'sessions', 'archive'), '--json'], { env, cwd });
    expect(inside.code).toBe(0);
    expect(inside.json().uploaded).toBe(4);
  });

  it('a sessions dir marked as a store by an earlier run is still scanned', async () => {
    const sessions = join(tmp.path, 'agent', 'sessions');
    writeFileSync(join(sessions, '.traces-store'), 'marked by mistake\n');
    const result = await runCli(['upload', '--to', join(tmp.path, 'archive'), '--json'], { env, cwd });
    expect(result.code).toBe(0);
    expect(result.json().uploaded).toBe(4);
  });
});
