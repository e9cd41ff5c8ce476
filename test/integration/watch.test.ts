import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { watch } from '../../src/commands/watch.js';
import type { Io } from '../../src/output/io.js';
import { useWorld } from '../helpers/world.js';
import { useShortBackoff } from '../helpers/backoff.js';
import { until } from '../helpers/until.js';

useShortBackoff();
const world = useWorld();

/** Starts `traces watch` in-process; `stop()` sends SIGTERM and resolves with the exit code. */
function startWatch(args: Partial<Parameters<typeof watch>[1]> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdout.resume();
  const io: Io = {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: world.env,
    cwd: world.tmp.path,
    stdinIsTTY: false,
    stderrIsTTY: false,
  };
  const signals = new EventEmitter();
  const done = watch([], { retries: 3, timeout: 10_000, debounce: 100, minInterval: 300, flushTimeout: 5000, ...args }, io, signals);
  return {
    stderr: () => err,
    ready: () => until(() => err.includes('watching'), 'the watcher to start'),
    stop: async () => {
      signals.emit('SIGTERM');
      return done;
    },
  };
}

const stored = async (id: string) => (await world.server.body(id))?.toString();
const line = (n: number) =>
  `${JSON.stringify({ type: 'label', id: `a${String(n).padStart(7, '0')}`, parentId: null, timestamp: '2026-11-01T12:00:00Z', label: `n${n}` })}\n`;

describe('traces watch', () => {
  it('catches up first, then follows appends, holding back a torn line', async () => {
    const w = startWatch();
    await w.ready();
    expect(world.server.puts().length).toBe(4); // the catch-up
    appendFileSync(world.home.root, line(1));
    await until(async () => (await stored(world.home.rootId)) === readFileSync(world.home.root, 'utf8'), 'the append to arrive');
    const whole = readFileSync(world.home.root, 'utf8');
    appendFileSync(world.home.root, '{"type":"label","id":"torn"');
    appendFileSync(world.home.child, line(2));
    await until(async () => (await stored(world.home.childId)) === readFileSync(world.home.child, 'utf8'), 'the child append');
    await new Promise((r) => setTimeout(r, 400));
    expect(await stored(world.home.rootId)).toBe(whole);
    appendFileSync(world.home.root, ',"parentId":null,"timestamp":"t"}\n');
    await until(async () => (await stored(world.home.rootId)) === readFileSync(world.home.root, 'utf8'), 'the completed line');
    expect(await w.stop()).toBe(0);
  });

  it('sees atomic rewrites, truncation, and sub-agents in new folders', async () => {
    const w = startWatch();
    await w.ready();
    const temp = `${world.home.fork}.tmp`;
    writeFileSync(temp, `${readFileSync(world.home.fork, 'utf8')}${line(3)}`);
    renameSync(temp, world.home.fork);
    await until(async () => (await stored(world.home.forkId)) === readFileSync(world.home.fork, 'utf8'), 'the rename-over');

    const lines = readFileSync(world.home.child, 'utf8').split('\n');
    truncateSync(world.home.child, Buffer.byteLength(`${lines.slice(0, 3).join('\n')}\n`));
    await until(async () => (await stored(world.home.childId)) === readFileSync(world.home.child, 'utf8'), 'the truncation');

    const id = uuidFrom('late-sub-agent');
    const file = join(world.home.artifacts, world.home.rootId, 'sub-0badcafe', `${id}.jsonl`);
    mkdirSync(join(world.home.artifacts, world.home.rootId, 'sub-0badcafe'), { recursive: true });
    writeSession(file, header({ id, parentSession: world.home.root, rlmDepth: 1 }), entries('late', 1));
    await until(async () => (await stored(id)) === readFileSync(file, 'utf8'), 'the new sub-agent');
    const put = world.server.puts().find((r) => r.url.endsWith(id))!;
    expect(put.headers['x-parent-session']).toBe(world.home.rootId);
    expect(await w.stop()).toBe(0);
  });

  it('uploads a session that never stops changing at least every min-interval', async () => {
    const w = startWatch({ debounce: 200, minInterval: 400 });
    await w.ready();
    const before = world.server.puts().length;
    const started = Date.now();
    let n = 10;
    while (Date.now() - started < 1500) {
      appendFileSync(world.home.root, line(n++));
      await new Promise((r) => setTimeout(r, 50)); // always busier than the debounce
    }
    const during = world.server.puts().length - before;
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(5);
    expect(await w.stop()).toBe(0);
    expect(await stored(world.home.rootId)).toBe(readFileSync(world.home.root, 'utf8'));
  });

  it('flushes what is pending on SIGTERM, ignoring the debounce', async () => {
    const w = startWatch({ debounce: 60_000, minInterval: 60_000 });
    await w.ready();
    appendFileSync(world.home.grand, line(99));
    await new Promise((r) => setTimeout(r, 300)); // let the watcher see it
    expect(await w.stop()).toBe(0);
    expect(await stored(world.home.grandId)).toBe(readFileSync(world.home.grand, 'utf8'));
    expect(w.stderr()).toContain('SIGTERM: sending 1 pending session');
  });

  it('tries again what failed in the catch-up, without any change', async () => {
    world.server.fail(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const w = startWatch({ retries: 0, minInterval: 200 });
    await w.ready();
    await until(
      async () =>
        (await Promise.all([world.home.rootId, world.home.childId, world.home.grandId, world.home.forkId].map(stored))).every(Boolean),
      'every session',
    );
    expect(await w.stop()).toBe(0);
  });

  it('keeps going while the backend is down and converges when it is back', async () => {
    const w = startWatch({ retries: 0, minInterval: 100 });
    await w.ready();
    world.server.fail(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    appendFileSync(world.home.root, line(5));
    await until(() => w.stderr().includes('failed'), 'the failure to be reported');
    // No further change: the scheduler itself tries again, backing off, until the backend answers.
    await until(async () => (await stored(world.home.rootId)) === readFileSync(world.home.root, 'utf8'), 'the upload after recovery');
    expect(await w.stop()).toBe(0);
  });
});
