import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { BIN, DIST, assertBuilt } from '../helpers/spawn.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: join(cwd, 'home'),
        TRACES_CONFIG_DIR: join(cwd, 'config'),
        TRACES_STATE_DIR: join(cwd, 'state'),
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

/** Makes the process report another Node.js version before the shim runs: the one way to meet an old Node here. */
function asNode(version: string): string[] {
  const js = `for (const [o, k, v] of [[process.versions, 'node', ${JSON.stringify(version)}], [process, 'version', ${JSON.stringify(`v${version}`)}]]) Object.defineProperty(o, k, { value: v });`;
  return ['--import', `data:text/javascript,${encodeURIComponent(js)}`];
}

/** A copy of the shim and package.json (and, when asked, dist/) without node_modules: a clone before `npm install`. */
function clone(root: string, withDist: boolean): string {
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(BIN, join(root, 'bin', 'traces.js'));
  copyFileSync(new URL('../../package.json', import.meta.url), join(root, 'package.json'));
  if (withDist) cpSync(dirname(DIST), join(root, 'dist'), { recursive: true });
  return join(root, 'bin', 'traces.js');
}

const STACK = /^\s+at /m;

let tmp: ReturnType<typeof tempDir>;

beforeAll(() => assertBuilt());
beforeEach(() => {
  tmp = tempDir('traces-shim-');
});
afterEach(() => tmp.cleanup());

describe('bin/traces.js before the CLI loads', () => {
  it('an older Node.js is told which version is needed, exit 2, no stack', async () => {
    for (const version of ['18.20.4', '20.18.3', '16.0.0']) {
      const run = await node([...asNode(version), BIN, '--version'], tmp.path);
      expect(run.stderr).toBe(`error: traces needs Node.js 20.19 or newer; this is v${version}\n`);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
    }
  });

  it('20.19 and any later major (whatever its minor) run the CLI', async () => {
    for (const version of ['20.19.0', '22.1.0', '24.0.0']) {
      const run = await node([...asNode(version), BIN, '--version'], tmp.path);
      expect(run.code, `${version}: ${run.stderr}`).toBe(0);
      expect(run.stdout).toContain(pkg.version);
    }
  });

  it('an unbuilt clone says to run npm install, exit 2, no stack', async () => {
    const bin = clone(join(tmp.path, 'clone'), false);
    const run = await node([bin, 'upload', '--dry-run'], tmp.path);
    expect(run.stderr).toBe('error: dist/ is missing: run npm install (it builds dist/)\n');
    expect(run.code).toBe(2);
  });

  it('a built copy without its packages names the missing one and says to run npm install, exit 2, no stack', async () => {
    const bin = clone(join(tmp.path, 'clone'), true);
    const run = await node([bin, '--version'], tmp.path);
    expect(run.stderr).toMatch(/^error: Cannot find package 'commander'/);
    expect(run.stderr).toMatch(/run npm install/i);
    expect(run.stderr).not.toMatch(STACK);
    expect(run.code).toBe(2);
  });
});
