import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { useWorld } from '../helpers/world.js';
import { BIN, assertBuilt } from '../helpers/spawn.js';
import { useShortBackoff } from '../helpers/backoff.js';
import { until as waitUntil } from '../helpers/until.js';

/** Waits as the hook tests do: up to 15 s, showing hook.log when it times out. */
const until = (check: () => boolean | Promise<boolean>, what: string, ms = 15_000) =>
  waitUntil(check, what, { ms, everyMs: 50, detail: () => `hook.log:\n${log()}` });

useShortBackoff();
beforeEach(() => assertBuilt());
const world = useWorld();

// Registered after useWorld's, so it runs before the world is removed.
afterEach(async () => {
  // A worker still running would write into the state dir while it is removed: wait for it.
  await until(() => !existsSync(join(world.tmp.path, 'state', 'worker.lock')), 'the worker to finish', 20_000).catch(() => undefined);
});

/** Runs the built CLI as the agent would: a real process, stdin given or closed. */
function runBin(
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env ?? world.env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(options.stdin ?? '');
    child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

const log = () =>
  existsSync(join(world.tmp.path, 'state', 'hook.log')) ? readFileSync(join(world.tmp.path, 'state', 'hook.log'), 'utf8') : '(none)';
const queued = () => {
  const path = join(world.tmp.path, 'state', 'queue.ndjson');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0;
};
const stored = async (id: string) => (await world.server.body(id)) !== undefined;

describe('traces hook', () => {
  it('queues the session and its sub-agents, returns 0, and the worker uploads them', async () => {
    const result = await runBin(['hook', '--session', world.home.root]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    await until(
      async () => (await stored(world.home.rootId)) && (await stored(world.home.childId)) && (await stored(world.home.grandId)),
      'the worker to upload',
    );
    await until(() => queued() === 0, 'the queue to empty');
    expect(await stored(world.home.forkId)).toBe(false); // a fork is not under the root's artifacts
    expect((await world.server.body(world.home.grandId))!.equals(readFileSync(world.home.grand))).toBe(true);
  });

  it.each([['session_file'], ['sessionFile'], ['transcript_path']])('reads %s from JSON on stdin', async (field) => {
    const result = await runBin(['hook'], { stdin: JSON.stringify({ [field]: world.home.fork, other: 1 }) });
    expect(result.code).toBe(0);
    await until(() => stored(world.home.forkId), 'the upload');
  });

  it('reads PRIME_AGENT_SESSION_FILE, and without any input is a usage error', async () => {
    expect((await runBin(['hook'], { env: { ...world.env, PRIME_AGENT_SESSION_FILE: world.home.fork } })).code).toBe(0);
    await until(() => stored(world.home.forkId), 'the upload');
    const none = await runBin(['hook']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--session FILE');
  });

  it('never fails the agent nor loses the session: a bad backend is logged and the session stays queued', async () => {
    const result = await runBin(['hook', '--session', world.home.fork, '--to', 'ftp://nowhere']);
    expect(result.code).toBe(0);
    expect(log()).toContain('unsupported scheme');
    // The worker's own line (the hook says "stays queued" too, before the worker has even started).
    await until(() => /worker\[\d+\] warning: .*stays? queued/.test(log()), 'the worker to stop on the unusable backend');
    expect(await stored(world.home.forkId)).toBe(false); // never rerouted to another backend
    const status = await runCli(['status', '--json'], { env: world.env });
    expect(status.json().queue).toMatchObject({ queued: 1, backends: { 'ftp://nowhere': 1 } });
  });

  it('takes the session from JSON on stdin even when the agent leaves the pipe open', async () => {
    const child = spawn(process.execPath, [BIN, 'hook'], { env: world.env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.write(JSON.stringify({ session_file: world.home.fork }));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.destroy();
    expect(code).toBe(0);
    await until(() => stored(world.home.forkId), 'the upload');
  });

  it('keeps sessions queued while the backend is down; a later upload to it, once back, drains the queue', async () => {
    // A backend on a port that is closed now and opens later.
    const later = new RecordingServer(join(world.tmp.path, 'later'));
    const url = await later.start();
    await later.stop();
    const down = { ...world.env, TRACES_API_URL: url };
    expect((await runBin(['hook', '--session', world.home.root, '--give-up-after', '1s'], { env: down })).code).toBe(0);
    await until(() => /worker\[\d+\] warning: .*stays? queued/.test(log()), 'the worker to give up');
    expect(queued()).toBe(3);
    const status = await runCli(['status', '--json'], { env: down });
    expect(status.json().queue).toMatchObject({ queued: 3, backends: { [url]: 3 } });

    const elsewhere = await runCli(['upload', '--to', join(world.tmp.path, 'archive'), '--json', world.home.fork], { env: down });
    expect(elsewhere.json().total).toBe(1); // the queue belongs to the backend the hook named
    expect(queued()).toBe(3);
    const stillDown = await runCli(['upload', '--json', world.home.fork], { env: down });
    expect(stillDown.code).toBe(1); // still down: nothing lost, nothing removed
    expect(queued()).toBe(3);

    const back = new RecordingServer(join(world.tmp.path, 'back'));
    await back.start(Number(new URL(url).port));
    try {
      const drained = await runCli(['upload', '--json', world.home.fork], { env: { ...down, TRACES_TOKEN: back.token } });
      expect(drained.code).toBe(0);
      expect(queued()).toBe(0);
      expect((await back.body(world.home.grandId))!.equals(readFileSync(world.home.grand))).toBe(true);
    } finally {
      await back.stop();
    }
  });

  it('two hooks at once: nothing skipped, the queue stays whole', async () => {
    const [a, b] = await Promise.all([runBin(['hook', '--session', world.home.root]), runBin(['hook', '--session', world.home.fork])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    await until(
      async () =>
        (await Promise.all([world.home.rootId, world.home.childId, world.home.grandId, world.home.forkId].map(stored))).every(Boolean),
      'all four sessions',
    );
    await until(() => queued() === 0, 'the queue to empty');
  });

  it('a killed worker leaves a stale lock that the next hook takes over', async () => {
    // A backend on a port that is closed now and opens again once the worker is dead.
    const closed = new RecordingServer(join(world.tmp.path, 'closed'));
    const url = await closed.start();
    await closed.stop();
    const down = { ...world.env, TRACES_API_URL: url };
    await runBin(['hook', '--session', world.home.fork, '--give-up-after', '10m'], { env: down });
    const lock = join(world.tmp.path, 'state', 'worker.lock');
    // The lock file is created, then its holder written: wait for the pid (a loaded machine shows the gap).
    const holder = () => (existsSync(lock) ? Number.parseInt(readFileSync(lock, 'utf8'), 10) : Number.NaN);
    await until(() => Number.isInteger(holder()), 'the worker lock and its holder');
    const pid = holder();
    process.kill(pid, 'SIGKILL');
    await until(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the worker to die');
    expect(existsSync(lock)).toBe(true);
    expect(queued()).toBe(1);
    // The queued entry's backend is back (so the next worker does not spend its time backing off
    // on it), and a new hook names another backend that is up:
    const back = new RecordingServer(join(world.tmp.path, 'back'));
    await back.start(Number(new URL(url).port));
    try {
      const up = { ...world.env, TRACES_API_URL: world.server.url };
      expect((await runBin(['hook', '--session', world.home.root, '--give-up-after', '1s'], { env: up })).code).toBe(0);
      await until(() => stored(world.home.rootId), 'the new worker to run');
      expect(log()).not.toContain('another worker is running');
    } finally {
      await until(() => !existsSync(lock), 'the new worker to finish');
      await back.stop();
    }
  });

  it('--wait uploads in the foreground and returns the upload exit code', async () => {
    const ok = await runBin(['hook', '--wait', '--session', world.home.root]);
    expect(ok.code).toBe(0);
    expect(await stored(world.home.childId)).toBe(true);
    const noToken = await runBin(['hook', '--wait', '--session', world.home.root], { env: { ...world.env, TRACES_TOKEN: undefined } });
    expect(noToken.code).toBe(4);
  });
});
