import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome, entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { watch } from '../../src/commands/watch.js';
import type { Io } from '../../src/output/io.js';
import { isolatedEnv, tempDir } from '../helpers/cli.js';
import type { RecordingServer } from '../helpers/recording-server.js';
import { createWorld, destroyWorld } from '../helpers/world.js';

let tmp: ReturnType<typeof tempDir>;
let server: RecordingServer;
let home: ReturnType<typeof buildHome>;

beforeEach(async () => {
  ({ tmp, server, home } = await createWorld());
});

afterEach(() => destroyWorld({ tmp, server, home, env: {} }));

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
    env: isolatedEnv(tmp.path, { TRACES_TOKEN: server.token, TRACES_API_URL: server.url, TRACES_SESSIONS_DIR: home.sessions }),
    cwd: tmp.path,
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

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const stored = async (id: string) => (await server.body(id))?.toString();
const line = (n: number) => `${JSON.stringify({ type: 'label', id: `a${String(n).padStart(7, '0')}`, parentId: null, timestamp: '2026-11-01T12:00:00Z', label: `n${n}` })}\n`;

describe('traces watch', () => {
  it('catches up first, then follows appends, holding back a torn line', async () => {
    const w = startWatch();
    await w.ready();
    expect(server.puts().length).toBe(4); // the catch-up
    appendFileSync(home.root, line(1));
    await until(async () => (await stored(home.rootId)) === readFileSync(home.root, 'utf8'), 'the append to arrive');
    const whole = readFileSync(home.root, 'utf8');
    appendFileSync(home.root, '{"type":"label","id":"torn"');
    appendFileSync(home.child, line(2));
    await until(async () => (await stored(home.childId)) === readFileSync(home.child, 'utf8'), 'the child append');
    await new Promise((r) => setTimeout(r, 400));
    expect(await stored(home.rootId)).toBe(whole);
    appendFileSync(home.root, ',"parentId":null,"timestamp":"t"}\n');
    await until(async () => (await stored(home.rootId)) === readFileSync(home.root, 'utf8'), 'the completed line');
    expect(await w.stop()).toBe(0);
  });

  it('sees atomic rewrites, truncation, and sub-agents in new folders', async () => {
    const w = startWatch();
    await w.ready();
    const temp = `${home.fork}.tmp`;
    writeFileSync(temp, `${readFileSync(home.fork, 'utf8')}${line(3)}`);
    renameSync(temp, home.fork);
    await until(async () => (await stored(home.forkId)) === readFileSync(home.fork, 'utf8'), 'the rename-over');

    const lines = readFileSync(home.child, 'utf8').split('\n');
    truncateSync(home.child, Buffer.byteLength(`${lines.slice(0, 3).join('\n')}\n`));
    await until(async () => (await stored(home.childId)) === readFileSync(home.child, 'utf8'), 'the truncation');

    const id = uuidFrom('late-sub-agent');
    const file = join(home.artifacts, home.rootId, 'sub-0badcafe', `${id}.jsonl`);
    mkdirSync(join(home.artifacts, home.rootId, 'sub-0badcafe'), { recursive: true });
    writeSession(file, header({ id, parentSession: home.root, rlmDepth: 1 }), entries('late', 1));
    await until(async () => (await stored(id)) === readFileSync(file, 'utf8'), 'the new sub-agent');
    const put = server.puts().find((r) => r.url.endsWith(id))!;
    expect(put.headers['x-parent-session']).toBe(home.rootId);
    expect(await w.stop()).toBe(0);
  });

  it('uploads a session that never stops changing at least every min-interval', async () => {
    const w = startWatch({ debounce: 200, minInterval: 400 });
    await w.ready();
    const before = server.puts().length;
    const started = Date.now();
    let n = 10;
    while (Date.now() - started < 1500) {
      appendFileSync(home.root, line(n++));
      await new Promise((r) => setTimeout(r, 50)); // always busier than the debounce
    }
    const during = server.puts().length - before;
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(5);
    expect(await w.stop()).toBe(0);
    expect(await stored(home.rootId)).toBe(readFileSync(home.root, 'utf8'));
  });

  it('flushes what is pending on SIGTERM, ignoring the debounce', async () => {
    const w = startWatch({ debounce: 60_000, minInterval: 60_000 });
    await w.ready();
    appendFileSync(home.grand, line(99));
    await new Promise((r) => setTimeout(r, 300)); // let the watcher see it
    expect(await w.stop()).toBe(0);
    expect(await stored(home.grandId)).toBe(readFileSync(home.grand, 'utf8'));
    expect(w.stderr()).toContain('SIGTERM: sending 1 pending session(s)');
  });

  it('tries again what failed in the catch-up, without any change', async () => {
    server.fail(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const w = startWatch({ retries: 0, minInterval: 200 });
    await w.ready();
    await until(async () => (await Promise.all([home.rootId, home.childId, home.grandId, home.forkId].map(stored))).every(Boolean), 'every session');
    expect(await w.stop()).toBe(0);
  });

  it('keeps going while the backend is down and converges when it is back', async () => {
    const w = startWatch({ retries: 0 });
    await w.ready();
    server.fail(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    appendFileSync(home.root, line(5));
    await until(() => w.stderr().includes('failed'), 'the failure to be reported');
    // No further change: the scheduler itself tries again, backing off, until the backend answers.
    await until(async () => (await stored(home.rootId)) === readFileSync(home.root, 'utf8'), 'the upload after recovery');
    expect(await w.stop()).toBe(0);
  });
});
