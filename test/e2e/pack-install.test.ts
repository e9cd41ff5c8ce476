import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { tempDir } from '../helpers/cli.js';

/**
 * What a user gets from `npm pack` + `npm install -g`: the tarball is built from a copy of the
 * clone (so packing, which rebuilds dist/, never touches the dist/ other tests are running),
 * installed into a fresh global prefix, and run by name from a folder outside the clone.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** npm's own environment minus what `npm test` put there about this project (its prefix, its lifecycle). */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())));
}

function expectOk(run: Run, what: string): void {
  expect(run.code, `${what} failed:\n${run.stdout}\n${run.stderr}`).toBe(0);
}

// Not copied: what git ignores and what the build makes.
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage', 'traces-archive', 'traces-data']);

let tmp: ReturnType<typeof tempDir>;
let tarball: string;
let entries: string[];
let prefix: string;
let installed: string;
let outside: string;

beforeAll(async () => {
  tmp = tempDir('traces-pack-');
  const copy = join(tmp.path, 'clone');
  cpSync(ROOT, copy, {
    recursive: true,
    filter: (src) => {
      const rel = relative(ROOT, src);
      return !SKIP.has(rel.split(sep)[0]!) && rel !== join('bench', '.work');
    },
  });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(copy, 'node_modules'));

  const packed = join(tmp.path, 'packed');
  mkdirSync(packed);
  expectOk(await exec('npm', ['pack', '--pack-destination', packed, '--loglevel=error'], { cwd: copy, env: npmEnv() }), 'npm pack');
  const [file] = readdirSync(packed);
  tarball = join(packed, file!);
  const listing = await exec('tar', ['-tzf', tarball], { cwd: tmp.path, env: process.env });
  expectOk(listing, 'tar -t');
  entries = listing.stdout.split('\n').filter(Boolean);

  // Dependencies come from npm's cache (filled by `npm ci`); the registry only for what it lacks.
  prefix = join(tmp.path, 'prefix');
  const install = await exec(
    'npm',
    ['install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: tmp.path, env: npmEnv() },
  );
  expectOk(install, 'npm install -g');
  installed = join(prefix, 'lib', 'node_modules', pkg.name);
  outside = join(tmp.path, 'elsewhere');
  mkdirSync(outside);
}, 180_000);

afterAll(() => tmp?.cleanup());

/** `traces` found on the PATH (the prefix's bin first), with its own home, settings and state. */
function traces(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return exec('traces', args, {
    cwd: outside,
    env: {
      PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
      HOME: join(outside, 'home'),
      TRACES_CONFIG_DIR: join(outside, 'config'),
      TRACES_STATE_DIR: join(outside, 'state'),
      ...env,
    },
  });
}

describe(`npm pack + npm install -g (${pkg.name})`, () => {
  it('the tarball holds the shim, the built dist/, package.json, README and LICENSE, and nothing else', () => {
    expect(entries).toContain('package/bin/traces.js');
    expect(entries).toContain('package/dist/cli.js');
    expect(entries).toContain('package/dist/web/app.js');
    expect(entries).toContain('package/package.json');
    expect(entries).toContain('package/README.md');
    expect(entries).toContain('package/LICENSE');
    const others = entries.filter(
      (e) => !/^package\/(bin\/traces\.js|dist\/[^/]+\.js(\.map)?|dist\/web\/app\.(js|css)|package\.json|README\.md|LICENSE)$/.test(e),
    );
    expect(others).toEqual([]);
  });

  it('installs the runtime dependencies only: no dev dependency, nothing built at install time', () => {
    expect(existsSync(join(prefix, 'bin', 'traces'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(installed, 'node_modules', dep)), dep).toBe(true);
    // tsup and typescript among them: a build at install time would have failed without them.
    for (const dev of Object.keys(pkg.devDependencies)) {
      expect(existsSync(join(installed, 'node_modules', dev)), dev).toBe(false);
      expect(existsSync(join(prefix, 'lib', 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('`traces --version` runs from outside the clone', async () => {
    expect(relative(ROOT, outside).startsWith('..')).toBe(true);
    const run = await traces(['--version']);
    expectOk(run, 'traces --version');
    expect(run.stdout).toContain(pkg.version);
  });

  it('`traces upload --dry-run` finds the sessions and sends nothing', async () => {
    const home = buildHome(join(outside, 'agent'));
    const run = await traces(['upload', '--dry-run', '--json', '--to', './store'], { TRACES_SESSIONS_DIR: home.sessions });
    expectOk(run, 'traces upload --dry-run');
    const report = JSON.parse(run.stdout) as { total: number; pending: number; sessions: { session_id: string }[] };
    expect(report.total).toBe(4);
    expect(report.pending).toBe(4);
    expect(report.sessions.map((s) => s.session_id).sort()).toEqual([home.rootId, home.childId, home.grandId, home.forkId].sort());
    expect(existsSync(join(outside, 'store'))).toBe(false);
  });
});
