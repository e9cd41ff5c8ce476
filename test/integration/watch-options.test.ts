import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { watch } from '../../src/commands/watch.js';
import type { Io } from '../../src/output/io.js';
import { runCli } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';
import { until } from '../helpers/until.js';

const world = useWorld();

/** `traces watch` in-process; `stop()` sends SIGTERM and resolves with the exit code. */
function startWatch(args: Partial<Parameters<typeof watch>[1]> = {}, env = world.env) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdout.resume();
  const io: Io = { stdout, stderr, stdin: Readable.from([]), env, cwd: world.tmp.path, stdinIsTTY: false, stderrIsTTY: false };
  const signals = new EventEmitter();
  const done = watch([], { retries: 3, timeout: 10_000, debounce: 50, minInterval: 100, flushTimeout: 5000, ...args }, io, signals);
  done.catch(() => undefined);
  return {
    stderr: () => err,
    done,
    ready: () => until(() => err.includes('watching'), 'the watcher to start'),
    stop: async () => {
      signals.emit('SIGTERM');
      return done;
    },
  };
}

const label = (n: number) =>
  `${JSON.stringify({ type: 'label', id: `b${String(n).padStart(7, '0')}`, parentId: null, timestamp: '2026-11-01T12:00:00Z', label: `n${n}` })}\n`;

describe('traces watch', () => {
  it('--help says --json prints NDJSON, and lists --force and --dry-run', async () => {
    const help = await runCli(['watch', '--help'], { env: world.env });
    expect(help.stdout).toMatch(/--json\s+print NDJSON/);
    expect(help.stdout).toContain('--force');
    expect(help.stdout).toContain('--dry-run');
    // Parsed, not refused: the run stops at the next (bad) option instead.
    const parsed = await runCli(['watch', '--force', '--dry-run', '--debounce', 'soon'], { env: world.env });
    expect(parsed.code).toBe(2);
    expect(parsed.stderr).toContain('--debounce');
    expect(parsed.stderr).not.toMatch(/unknown option/);
  });

  it('--dry-run reports what the catch-up and each change would send, and sends nothing', async () => {
    const w = startWatch({ dryRun: true });
    await w.ready();
    expect(w.stderr()).toContain('dry run: nothing is sent');
    expect(w.stderr().match(/would send /g)?.length).toBe(4);
    appendFileSync(world.home.root, label(1));
    await until(() => (w.stderr().match(/would send /g)?.length ?? 0) >= 5, 'the change to be reported');
    expect(await w.stop()).toBe(0);
    expect(world.server.puts()).toHaveLength(0);
  });

  it('--force sends every session again in the catch-up', async () => {
    expect((await runCli(['upload'], { env: world.env })).code).toBe(0);
    expect(world.server.puts()).toHaveLength(4);
    const w = startWatch({ force: true });
    await w.ready();
    expect(await w.stop()).toBe(0);
    expect(world.server.puts()).toHaveLength(8);
  });

  it('prints short lines: time, outcome, short id, size, the path below the agent home; --quiet drops the uploads', async () => {
    const w = startWatch({});
    await w.ready();
    appendFileSync(world.home.grand, label(2));
    await until(async () => (await world.server.body(world.home.grandId))!.toString().includes('"n2"'), 'the upload');
    await until(
      () =>
        w
          .stderr()
          .split('\n')
          .filter((l) => l.includes(world.home.grandId.slice(0, 8))).length >= 2,
      'the upload line',
    );
    const lines = w
      .stderr()
      .split('\n')
      .filter((l) => l.includes('uploaded'));
    expect(lines.length).toBeGreaterThanOrEqual(5); // the catch-up's four, then the append
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(80);
      expect(line).toMatch(/^\d\d:\d\d:\d\d {2}uploaded {2}/);
      expect(line).not.toContain(world.home.grandId);
    }
    expect(await w.stop()).toBe(0);
    const quiet = startWatch({ quiet: true });
    await quiet.ready();
    appendFileSync(world.home.grand, label(3));
    await until(async () => (await world.server.body(world.home.grandId))!.toString().includes('"n3"'), 'the upload');
    expect(await quiet.stop()).toBe(0);
    expect(quiet.stderr()).not.toMatch(/uploaded/);
  });

  it('waits for a named sessions dir that does not exist yet, and uploads what appears in it', async () => {
    const home = join(world.tmp.path, 'fresh', 'agent');
    const w = startWatch({}, { ...world.env, TRACES_SESSIONS_DIR: join(home, 'sessions') });
    await w.ready();
    expect(w.stderr()).toContain(`waiting for ${join(home, 'sessions')} to appear`);
    const id = uuidFrom('late');
    mkdirSync(join(home, 'sessions'), { recursive: true });
    writeSession(join(home, 'sessions', `${id}.jsonl`), header({ id }), entries('late', 1));
    await until(async () => (await world.server.body(id)) !== undefined, 'the new session to be uploaded');
    expect(await w.stop()).toBe(0);
  });
});

describe('--dry-run without a credential', () => {
  it('says that a real run would stop for lack of one, and exits 0', async () => {
    const env = { ...world.env, TRACES_TOKEN: undefined };
    const upload = await runCli(['upload', '--dry-run'], { env });
    expect(upload.code).toBe(0);
    expect(upload.stderr).toMatch(/dry run: no credential for .*a real run would stop here \(exit 4\)/);
    const save = await runCli(['sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml', '--dry-run'], { env });
    expect(save.code).toBe(0);
    expect(save.stderr).toContain('a real run would stop here');
    const real = await runCli(['upload'], { env });
    expect(real.code).toBe(4);
  });
});
