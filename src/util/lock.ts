import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT, TracesError } from '../errors.js';
import { uniqueSuffix } from './unique.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up. @default 10_000 */
  timeoutMs?: number;
  /** A lock whose holder cannot be identified is stale after this long. @default 60_000 */
  staleMs?: number;
  /**
   * For short critical sections: a lock older than this is stale even if a process with its pid
   * exists (pids are reused, in containers especially).
   */
  maxHoldMs?: number;
}

export class LockTimeoutError extends TracesError {
  constructor(path: string) {
    super(`timed out waiting for the lock ${path} (another traces process holds it)`, { code: 'lock_timeout', exitCode: EXIT.failed });
  }
}

/**
 * An exclusive lock file (`O_EXCL`) holding the owner's pid, a nonce and, where the system says,
 * the owner's start time. A lock whose process is gone (a zombie, or a pid now used by another
 * program) is stale and taken over, so a crashed holder never blocks anyone; a holder that cannot
 * be checked that way is stale once older than `maxHoldMs`. Takeovers are serialised by a guard
 * file, so two takers cannot both win.
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
  const deadline = Date.now() + timeoutMs;
  mkdirSync(dirname(path), { recursive: true });
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    const release = tryLock(path);
    if (release) return release;
    const holder = readHolder(path);
    if (holder && isStale(path, holder, options)) {
      takeOver(path, holder.text);
      continue;
    }
    if (Date.now() >= deadline) throw new LockTimeoutError(path);
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
  const start = processStart(process.pid);
  const text = `${process.pid} ${uniqueSuffix()}${start === undefined ? '' : ` ${start}`}\n`;
  writeSync(fd, text);
  closeSync(fd);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // Only our own lock: if it was taken over meanwhile, the file is someone else's now.
    if (readHolder(path)?.text === text) rmSync(path, { force: true });
  };
}

interface Holder {
  text: string;
  pid?: number;
  /** When the holder started (see processStart); absent in locks written by older versions. */
  start?: string;
}

/** `<pid> <nonce> [<start time>]`: the start time tells a reused pid from the holder. */
function readHolder(path: string): Holder | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const [first, , start] = text.trim().split(/\s+/);
    const pid = Number.parseInt(first ?? '', 10);
    return { text, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, start: start && /^\d+$/.test(start) ? start : undefined };
  } catch {
    return undefined; // vanished: the next try takes it
  }
}

function isStale(path: string, holder: Holder, options: LockOptions): boolean {
  let age: number;
  try {
    age = Date.now() - statSync(path).mtimeMs;
  } catch {
    return false;
  }
  if (holder.pid !== undefined) {
    // A holder whose start time matches is this very process, alive: however long it holds the
    // lock (a stalled disk), taking it would let two writers in. maxHoldMs guards only against a
    // pid that cannot be checked that way (an older lock file, or no /proc), since pids are reused.
    const verified = holder.start !== undefined && processStart(holder.pid) !== undefined;
    if (!verified && options.maxHoldMs !== undefined && age > options.maxHoldMs) return true;
    return !processAlive(holder.pid, holder.start);
  }
  if (options.maxHoldMs !== undefined && age > options.maxHoldMs) return true;
  return age > (options.staleMs ?? 60_000); // a lock being written, or garbage: give it time
}

/**
 * Removes the stale lock `judged`, one taker at a time: under an exclusive guard file the lock is
 * read again and unlinked only if it is still the one judged stale, so a fresh lock taken by
 * someone else meanwhile is never touched. A guard left by a crashed taker is cleared after 5 s.
 */
function takeOver(path: string, judged: string): void {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch {
    try {
      if (Date.now() - statSync(guard).mtimeMs > 5000) rmSync(guard, { force: true });
    } catch {
      // gone already
    }
    return; // another taker is at it; try the lock again
  }
  closeSync(fd);
  try {
    if (readHolder(path)?.text === judged) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * Whether `pid` is a running process (and, given `start`, the same one that wrote the lock).
 * Where /proc exists, a zombie (exited, not yet reaped by its parent: kill(pid, 0) still
 * succeeds for it) is dead, and so is a process whose start time differs (the pid was reused).
 * Elsewhere, kill(pid, 0).
 */
export function processAlive(pid: number, start?: string): boolean {
  const stat = procStat(pid);
  if (stat === null) return false;
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X' && (start === undefined || stat.start === start);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The start time of `pid` (clock ticks after boot), where /proc says. */
export function processStart(pid: number): string | undefined {
  return procStat(pid)?.start ?? undefined;
}

/** State and start time from /proc/<pid>/stat; null = no such process; undefined = no /proc here. */
function procStat(pid: number): { state: string; start: string } | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return existsSync('/proc/self/stat') ? null : undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19]; // field 22 of the line; the fields here start at field 3
  if (!state || !start || !/^\d+$/.test(start)) return undefined;
  return { state, start };
}
