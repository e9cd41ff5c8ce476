import { mkdirSync, writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli.js';
import type { Io } from '../../src/output/io.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

// Bad input or a bad environment gets a clear message naming the path and exit 2 (1 for a
// machine problem such as a full disk); "this is a bug" is kept for real bugs.

let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let config: string;

beforeEach(() => {
  tmp = tempDir();
  env = isolatedEnv(tmp.path, { TRACES_API_URL: join(tmp.path, 'store') });
  config = join(tmp.path, 'config');
});

afterEach(() => tmp.cleanup());

const settingsFile = () => join(config, 'config.json');

function expectClear(result: { code: number; stderr: string }, path: string, code = 2): void {
  expect(result.stderr).not.toMatch(/this is a bug/);
  expect(result.code).toBe(code);
  expect(result.stderr).toContain(path);
}

describe('the settings file', () => {
  it.each(['null', '[1, 2]', '"text"', '42'])('holding JSON %s that is not an object is a configuration error', async (text) => {
    mkdirSync(config, { recursive: true });
    writeFileSync(settingsFile(), text);
    const result = await runCli(['status'], { env });
    expectClear(result, settingsFile());
    expect(result.stderr).toMatch(/not a JSON object/);
  });

  it('that is a folder says it cannot be read (not "not valid JSON")', async () => {
    mkdirSync(settingsFile(), { recursive: true });
    const result = await runCli(['status'], { env });
    expectClear(result, settingsFile());
    expect(result.stderr).toMatch(/EISDIR/);
  });

  it.each([
    ['config', 'set', 'org', 'acme'],
    ['config', 'unset', 'org'],
  ])('traces %s %s with a config dir that is a file names it', async (...argv) => {
    writeFileSync(config, '');
    expectClear(await runCli(argv, { env }), config);
  });
});

describe('the credentials file', () => {
  it.each([
    ['logout', '--to', 'http://127.0.0.1:9'],
    ['logout', '--all'],
    ['upload', '--to', 'http://127.0.0.1:9'],
  ])('traces %s %s with a credentials path that is a folder names it', async (...argv) => {
    mkdirSync(join(config, 'credentials.json'), { recursive: true });
    const result = await runCli(argv, { env });
    expectClear(result, join(config, 'credentials.json'));
  });

  it('a credentials file that is not valid JSON is named, with how to start again (exit 2)', async () => {
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'credentials.json'), '{"version": 2, "hosts": ');
    const result = await runCli(['upload', '--to', 'http://127.0.0.1:9'], { env });
    expectClear(result, join(config, 'credentials.json'));
    expect(result.stderr).toContain('traces logout --all');
    // A token set for this run does not need the stored logins.
    const withEnv = await runCli(['upload', '--to', 'http://127.0.0.1:9'], { env: { ...env, TRACES_TOKEN: 'env-token-1234' } });
    expect(withEnv.code).toBe(0);
    expect(
      (await runCli(['whoami', '--to', 'http://127.0.0.1:9'], { env: { ...env, TRACES_TOKEN: 'env-token-1234' } })).stderr,
    ).not.toContain('credentials.json');
  });

  it('traces login with a config dir that is a file names it', async () => {
    writeFileSync(config, '');
    const result = await runCli(['login', '--with-token', '--to', 'http://127.0.0.1:9'], { env, stdin: 'a-token-value\n' });
    expectClear(result, config);
    expect(result.stderr).not.toMatch(/not valid JSON/);
    expect(result.stderr).not.toContain('a-token-value');
  });
});

describe('reportError, the last safety net', () => {
  function io(): Io & { err(): string } {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (c: Buffer) => (text += c.toString()));
    return {
      stdout: new PassThrough(),
      stderr,
      stdin: Readable.from([]),
      env: {},
      cwd: tmp.path,
      stdinIsTTY: false,
      stderrIsTTY: false,
      err: () => text,
    };
  }

  it('turns a file-system error that names its path into a clear error', () => {
    const file = join(tmp.path, 'a-file');
    writeFileSync(file, '');
    let error: unknown;
    try {
      mkdirSync(join(file, 'sub'));
    } catch (e) {
      error = e;
    }
    const out = io();
    expect(reportError(error, out)).toBe(2);
    expect(out.err()).toContain(join(file, 'sub'));
    expect(out.err()).not.toMatch(/this is a bug/);
  });

  it('still calls anything else a bug', () => {
    const out = io();
    expect(reportError(new TypeError('x is undefined'), out)).toBe(1);
    expect(out.err()).toMatch(/this is a bug/);
  });
});
