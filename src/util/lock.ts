import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface LockOptions {
  /** How long to wait for another holder before giving up. */
  timeoutMs?: number;
  /** A lock older than this whose holder cannot be checked is taken over. */
  staleMs?: number;
}

export class LockTimeoutError extends Error {}

/**
 * An exclusive lock file (`O_EXCL`) holding the owner's pid. A lock whose process is gone, or that
 * is older than `staleMs`, is stale and taken over, so a crashed holder never blocks anyone.
 */
export async function withLock<T>(path: string, fn: () => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    release();
  }
}

export async function acquireLock(path: string, options: LockOptions = {}): Promise<() => void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  mkdirSync(dirname(path), { recursive: true });
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    const release = tryLock(path);
    if (release) return release;
    if (isStale(path, staleMs)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(`timed out waiting for the lock ${path}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Takes the lock if it is free; returns its release function, or undefined if it is held. */
export function tryLock(path: string): (() => void) | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  writeSync(fd, `${process.pid}\n`);
  closeSync(fd);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    rmSync(path, { force: true });
  };
}

function isStale(path: string, staleMs: number): boolean {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0) return !processAlive(pid);
    return Date.now() - statSync(path).mtimeMs > staleMs;
  } catch {
    return false; // vanished: the next try takes it
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
