import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

// The hook's worker takes over the lock of a worker that is gone. A zombie (exited, never reaped
// by its parent) or a pid now used by another program is gone too, though kill(pid, 0) succeeds.

let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let home: ReturnType<typeof buildHome>;
let state: string;
let store: string;
let parent: ChildProcess | undefined;

beforeEach(() => {
  tmp = tempDir();
  home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
  state = join(tmp.path, 'state');
  store = join(tmp.path, 'store');
  env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
  mkdirSync(state, { recursive: true });
  // One queued session for a folder backend: the worker stores it if it gets the lock.
  const entry = { id: 'q1', file: home.root, backend: `file:${store}`, at: new Date().toISOString() };
  writeFileSync(join(state, 'queue.ndjson'), `${JSON.stringify(entry)}\n`);
});

afterEach(() => {
  parent?.kill();
  parent = undefined;
  tmp.cleanup();
});

/** A process that stays a zombie: its parent (`sleep`, after exec) never reaps it. */
async function zombie(): Promise<number> {
  // The child exits only once its parent has become `sleep`: had it exited before the exec, the
  // shell would have reaped it.
  const script = '( while [ "$(cat /proc/$$/comm)" != sleep ]; do sleep 0.01; done ) & echo $!; exec sleep 60';
  parent = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve) =>
    parent!.stdout!.once('data', (c: Buffer) => resolve(Number.parseInt(c.toString(), 10))),
  );
  // Wait until the child has exited and is a zombie (state Z), not merely started.
  while (!/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) await new Promise((r) => setImmediate(r));
  return pid;
}

const queued = () => readFileSync(join(state, 'queue.ndjson'), 'utf8').trim();
const workerRun = () => runCli(['hook', '--worker', '--give-up-after', '1000'], { env });

describe.runIf(process.platform === 'linux')('the worker lock', () => {
  it('a lock held by a zombie is taken over at once (an old lock file: pid and nonce only)', async () => {
    const pid = await zombie();
    writeFileSync(join(state, 'worker.lock'), `${pid} abcdef\n`);
    expect((await workerRun()).code).toBe(0);
    expect(queued()).toBe('');
    expect(existsSync(join(store, 'index', 'sessions', `${home.rootId}.json`))).toBe(true);
  });

  it('a lock whose pid now belongs to another program (another start time) is taken over', async () => {
    parent = spawn('sleep', ['60'], { stdio: 'ignore' });
    writeFileSync(join(state, 'worker.lock'), `${parent.pid} abcdef 1\n`);
    expect((await workerRun()).code).toBe(0);
    expect(queued()).toBe('');
  });

  it('a lock of a live holder with its own start time is respected', async () => {
    parent = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => parent!.once('spawn', r));
    const start = readFileSync(`/proc/${parent.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    writeFileSync(join(state, 'worker.lock'), `${parent.pid} abcdef ${start}\n`);
    expect((await workerRun()).code).toBe(0);
    expect(queued()).not.toBe('');
  });
});
