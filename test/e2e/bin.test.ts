import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { tempDir } from '../helpers/cli.js';
import { BIN, assertBuilt } from '../helpers/spawn.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `bin/traces.js` as a real process, with nothing inherited but PATH. */
function traces(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? tmp.path,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: join(tmp.path, 'home'),
        TRACES_CONFIG_DIR: join(tmp.path, 'config'),
        TRACES_STATE_DIR: join(tmp.path, 'state'),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let tmp: ReturnType<typeof tempDir>;

beforeAll(() => assertBuilt());
beforeEach(() => {
  tmp = tempDir('traces-e2e-');
});
afterEach(() => tmp.cleanup());

describe('bin/traces.js', () => {
  it('--version prints the version from package.json and the Node.js version', async () => {
    const run = await traces(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`traces ${pkg.version} (node ${process.version})\n`);
    expect(run.stderr).toBe('');
  });

  it('--help exits 0 and shows the commands', async () => {
    const run = await traces(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: traces/);
    expect(run.stdout).toMatch(/\bupload\b/);
  });

  it('`help exit-codes` lists 0, 1, 2 and 4', async () => {
    const run = await traces(['help', 'exit-codes']);
    expect(run.code).toBe(0);
    for (const code of ['0', '1', '2', '4']) expect(run.stdout).toMatch(new RegExp(`^\\s*${code}\\s+\\S`, 'm'));
  });

  it('an unknown flag exits 2 and says why on stderr', async () => {
    const run = await traces(['upload', '--no-such-flag']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no-such-flag/);
    expect(run.stdout).toBe('');
  });

  it('a bad option value exits 2', async () => {
    const run = await traces(['upload', '--concurrency', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/lots/);
  });

  it('`upload --to ./dir` stores every session of a home in the folder', async () => {
    const home = buildHome(join(tmp.path, 'agent'));
    const run = await traces(['upload', '--to', './store'], { env: { TRACES_SESSIONS_DIR: home.sessions } });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const store = join(tmp.path, 'store');
    for (const [id, file] of [
      [home.rootId, home.root],
      [home.childId, home.child],
      [home.grandId, home.grand],
      [home.forkId, home.fork],
    ] as const) {
      const stored = readFileSync(join(store, 'agent-traces', home.rootId, `${id}.jsonl`));
      expect(stored.equals(readFileSync(file))).toBe(true);
    }
  });

  it('`upload --json` prints one JSON document on stdout', async () => {
    const home = buildHome(join(tmp.path, 'agent'));
    const env = { TRACES_SESSIONS_DIR: home.sessions };
    const first = await traces(['upload', '--to', './store', '--json'], { env });
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ total: 4, uploaded: 4, failed: 0 });
    expect(report.sessions).toHaveLength(4);

    // A rerun has nothing to send, and is still one JSON document.
    const again = await traces(['upload', '--to', './store', '--json'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ total: 4, uploaded: 0, unchanged: 4 });
  });
});
