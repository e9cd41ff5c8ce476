import { AuthError, ConfigError, UsageError, describeError } from '../errors.js';
import { acquireLock, LockTimeoutError, tryLock } from '../util/lock.js';
import { backoffMs } from '../util/backoff.js';
import { existsSync } from 'node:fs';
import type { Logger } from './logger.js';
import type { Queue, QueueEntry } from './queue.js';
import type { SessionReport } from './upload.js';
import { plural } from '../util/plural.js';
import { recordLastFailure } from './worker-status.js';

/** Outcomes after which a queue entry is done: sending it again could not change anything. */
export const SETTLED = new Set<SessionReport['status']>(['uploaded', 'unchanged', 'too_large', 'invalid']);

export interface DrainDeps {
  queue: Queue;
  logger: Logger;
  /** Uploads the entries' files to their backend, with the upload's own retries. */
  upload(backend: string, entries: QueueEntry[]): Promise<SessionReport[]>;
  /**
   * The metadata save and event push asked for with --save / --events, once a file is uploaded;
   * resolves with the files whose follow-up failed (their entries stay queued and are tried again).
   */
  followUp?(backend: string, entries: QueueEntry[]): Promise<Set<string>>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface DrainResult {
  /** Every entry id this drain attempted. */
  attempted: Set<string>;
  done: number;
  left: number;
  /** Why entries were left queued (the last problem met); absent when none were. */
  reason?: string;
}

/**
 * Works the queue until it is empty: uploads what it holds, removes what is settled, and while
 * the backend is unreachable backs off (1 s doubling to 60 s) up to `giveUpAfterMs`, leaving what
 * it could not send in the queue for the next run. A refused credential stops at once.
 */
export async function drainQueue(deps: DrainDeps, options: { giveUpAfterMs: number }): Promise<DrainResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  const attempted = new Set<string>();
  let done = 0;
  let problem: string | undefined;
  const warn = (message: string) => {
    problem = message;
    deps.logger.warn(message);
  };
  /** Groups no retry can help (no credential, a refused one, an unusable backend): left queued. */
  const blocked = new Set<string>();
  // Entries go together when everything a run of them uses is the same: the follow-ups' backends too.
  const groupKey = (e: QueueEntry) =>
    [e.backend, e.maxBytes ?? '', e.allowHttp ? 1 : 0, e.sessionsTo ?? e.to ?? '', e.eventsTo ?? e.to ?? ''].join('\u0000');
  for (let round = 0; ; round++) {
    const entries = deps.queue.read();
    const open = entries.filter((e) => !blocked.has(groupKey(e)));
    if (open.length === 0) {
      return { attempted, done, left: entries.length, ...(entries.length ? { reason: problem } : {}) };
    }
    open.forEach((e) => attempted.add(e.id));
    const settled: string[] = [];
    let failed = false;
    for (const [key, group] of groupBy(open, groupKey)) {
      // A file not there yet (the agent may write it late) waits with the retries; see the give-up below.
      const present = group.filter((e) => existsSync(e.file));
      if (present.length < group.length) failed = true;
      if (present.length === 0) continue;
      const target = key.split('\u0000')[0]!;
      try {
        const reports = await deps.upload(target, present);
        const ok = new Set(reports.filter((r) => SETTLED.has(r.status)).map((r) => r.file));
        const uploaded = present.filter((e) => ok.has(e.file));
        // Sessions a run did not attempt (it stopped on an unreachable backend) share one reason: one line.
        const notAttempted = reports.filter((r) => r.status === 'pending');
        for (const r of reports) if (!SETTLED.has(r.status) && r.status !== 'pending') warn(`${r.file}: ${r.error ?? r.status}`);
        if (notAttempted.length) warn(`${plural(notAttempted.length, 'session')} ${notAttempted[0]!.error ?? 'not attempted'}`);
        if (uploaded.length < present.length) failed = true;
        // An entry is done once its follow-ups are too: a failed one keeps it queued (the upload is
        // then found unchanged, and the follow-up is tried again).
        let unfinished = new Set<string>();
        if (deps.followUp && uploaded.some((e) => e.save || e.events)) {
          unfinished = await deps.followUp(target, uploaded).catch((error) => {
            deps.logger.warn(`save/events: ${describeError(error)}`);
            return new Set(uploaded.map((e) => e.file));
          });
        }
        if (unfinished.size) failed = true;
        settled.push(...uploaded.filter((e) => !unfinished.has(e.file)).map((e) => e.id));
      } catch (error) {
        // No credential, a refused one, or a backend that is not usable as named: waiting cannot help
        // this group, but the others go on.
        if (error instanceof AuthError || error instanceof ConfigError || error instanceof UsageError) {
          blocked.add(key);
          warn(`${error.message}; ${plural(group.length, 'session')} stay${group.length === 1 ? 's' : ''} queued`);
          continue;
        }
        warn(`upload to ${target} failed: ${describeError(error)}`);
        failed = true;
      }
    }
    await deps.queue.remove(settled);
    done += settled.length;
    if (!failed) continue;
    const waited = now() - started;
    if (waited >= options.giveUpAfterMs) {
      // Files that never appeared are given up on; the rest stays queued for the next run.
      const missing = deps.queue.read().filter((e) => !blocked.has(groupKey(e)) && !existsSync(e.file));
      for (const e of missing) deps.logger.warn(`${e.file}: never appeared; dropped from the queue`);
      await deps.queue.remove(missing.map((e) => e.id));
      done += missing.length;
      const left = deps.queue.read().length;
      deps.logger.warn(
        `backend still unreachable after ${Math.round(waited / 1000)} s; ${plural(left, 'session')} stay${left === 1 ? 's' : ''} queued for the next run`,
      );
      return { attempted, done, left, reason: `gave up after ${Math.round(waited / 1000)} s: ${problem ?? 'backend unreachable'}` };
    }
    await sleep(Math.min(backoffMs(round), Math.max(0, options.giveUpAfterMs - waited)));
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let group = groups.get(k);
    if (!group) groups.set(k, (group = []));
    group.push(item);
  }
  return groups;
}

/**
 * The hook's worker: one per state dir (a lock file; a holder whose process is gone is taken
 * over). It drains the queue, then looks again after letting go of the lock, so an entry queued by
 * a hook that saw the lock held is never left behind. A drain that fails (a full disk, a lock it
 * cannot get) ends the worker: the entries stay queued for the next run.
 */
export async function runWorker(
  lockPath: string,
  deps: DrainDeps,
  options: { giveUpAfterMs: number; lastFailureFile?: string },
): Promise<void> {
  const note = (reason: string | null) => {
    if (options.lastFailureFile)
      recordLastFailure(options.lastFailureFile, reason === null ? null : { at: new Date().toISOString(), by: 'worker', reason });
  };
  const seen = new Set<string>();
  for (;;) {
    const release = tryLock(lockPath) ?? (await takeStaleLock(lockPath));
    if (!release) {
      deps.logger.debug('another worker is running; it will pick up the queue');
      return;
    }
    try {
      const result = await drainQueue(deps, options);
      result.attempted.forEach((id) => seen.add(id));
      deps.logger.debug(`drained: ${result.done} done, ${result.left} left`);
      note(result.left > 0 ? (result.reason ?? `${plural(result.left, 'session')} left queued`) : null);
    } catch (error) {
      deps.logger.warn(`worker stopped: ${describeError(error)}; what is queued stays queued`);
      note(`worker stopped: ${describeError(error)}`);
      return;
    } finally {
      release();
    }
    if (!deps.queue.read().some((e) => !seen.has(e.id))) return;
  }
}

async function takeStaleLock(path: string): Promise<(() => void) | undefined> {
  try {
    return await acquireLock(path, { timeoutMs: 0 });
  } catch (error) {
    if (error instanceof LockTimeoutError) return undefined;
    throw error;
  }
}
