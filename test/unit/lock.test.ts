import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError, acquireLock, processAlive, tryLock, withLock } from '../../src/util/lock.js';

let dir: string;
let lock: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-lock-'));
  lock = join(dir, 'ledger.json.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.pid).toBeGreaterThan(0);
  return child.pid;
}

describe('tryLock', () => {
  it('takes a free lock and writes the owner pid into it', () => {
    const release = tryLock(lock);
    expect(release).toBeTypeOf('function');
    expect(Number.parseInt(readFileSync(lock, 'utf8'), 10)).toBe(process.pid);
    release!();
    expect(existsSync(lock)).toBe(false);
  });

  it('fails while the lock is held, and succeeds once it is released', () => {
    const release = tryLock(lock)!;
    expect(tryLock(lock)).toBeUndefined();
    expect(tryLock(lock)).toBeUndefined();
    release();
    const again = tryLock(lock);
    expect(again).toBeTypeOf('function');
    again!();
  });

  it('releasing twice does not remove a lock someone else took in between', () => {
    const release = tryLock(lock)!;
    release();
    const other = tryLock(lock)!;
    release();
    expect(existsSync(lock)).toBe(true);
    other();
  });

  it('throws when the folder does not exist (only EEXIST means held)', () => {
    expect(() => tryLock(join(dir, 'missing', 'x.lock'))).toThrow();
  });
});

describe('acquireLock', () => {
  it('takes over the stale lock of a process that is gone', async () => {
    const pid = deadPid();
    expect(processAlive(pid)).toBe(false);
    writeFileSync(lock, `${pid}\n`);
    const release = await acquireLock(lock, { timeoutMs: 2000 });
    expect(Number.parseInt(readFileSync(lock, 'utf8'), 10)).toBe(process.pid);
    release();
    expect(existsSync(lock)).toBe(false);
  });

  it('waits out a live holder and times out with LockTimeoutError', async () => {
    writeFileSync(lock, `${process.pid}\n`);
    await expect(acquireLock(lock, { timeoutMs: 50 })).rejects.toBeInstanceOf(LockTimeoutError);
    expect(Number.parseInt(readFileSync(lock, 'utf8'), 10)).toBe(process.pid);
  });

  it('takes over a lock without a pid once it is older than staleMs, not before', async () => {
    writeFileSync(lock, 'garbage');
    await expect(acquireLock(lock, { timeoutMs: 50, staleMs: 60_000 })).rejects.toBeInstanceOf(LockTimeoutError);
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    const release = await acquireLock(lock, { timeoutMs: 2000, staleMs: 60_000 });
    expect(Number.parseInt(readFileSync(lock, 'utf8'), 10)).toBe(process.pid);
    release();
  });

  it('creates the lock folder when it is missing', async () => {
    const nested = join(dir, 'a', 'b', 'x.lock');
    const release = await acquireLock(nested);
    expect(existsSync(nested)).toBe(true);
    release();
  });

  it('gets the lock once the holder releases it', async () => {
    const release = tryLock(lock)!;
    const waiting = acquireLock(lock, { timeoutMs: 5000 });
    setTimeout(release, 20);
    const second = await waiting;
    expect(existsSync(lock)).toBe(true);
    second();
  });
});

describe('withLock', () => {
  it('runs one holder at a time', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withLock(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 5));
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('returns what the function returns and releases the lock', async () => {
    expect(await withLock(lock, () => 42)).toBe(42);
    expect(existsSync(lock)).toBe(false);
  });

  it('releases the lock when the function throws', async () => {
    await expect(withLock(lock, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });
});

describe('processAlive', () => {
  it('knows this process is alive and an exited one is not', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(deadPid())).toBe(false);
  });
});

describe('lock takeover', () => {
  it('treats a short-section lock held too long as stale even if its pid is alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'traces-lock-hold-'));
    const lock = join(dir, 'q.lock');
    writeFileSync(lock, `${process.pid} someone-else\n`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await expect(acquireLock(lock, { timeoutMs: 50 })).rejects.toThrow(LockTimeoutError);
    const release = await acquireLock(lock, { timeoutMs: 50, maxHoldMs: 30_000 });
    expect(readFileSync(lock, 'utf8')).not.toContain('someone-else');
    release();
    expect(existsSync(lock)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(process.platform === 'linux')(
    'keeps a short-section lock whose holder is verified alive (pid and start time), however long it holds it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'traces-lock-live-'));
      const lock = join(dir, 'q.lock');
      const release = tryLock(lock)!; // this process: its pid and its start time
      const old = new Date(Date.now() - 60_000);
      utimesSync(lock, old, old);
      // A writer stalled on a slow disk still holds the queue: taking its lock would lose an append.
      await expect(acquireLock(lock, { timeoutMs: 100, maxHoldMs: 50 })).rejects.toThrow(LockTimeoutError);
      release();
      expect(existsSync(lock)).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    },
  );

  it('release removes only its own lock, never one taken over since', () => {
    const dir = mkdtempSync(join(tmpdir(), 'traces-lock-own-'));
    const lock = join(dir, 'q.lock');
    const release = tryLock(lock)!;
    writeFileSync(lock, `${process.pid} the-new-holder\n`);
    release();
    expect(readFileSync(lock, 'utf8')).toContain('the-new-holder');
    rmSync(dir, { recursive: true, force: true });
  });
});
