import { basename, dirname, resolve, sep } from 'node:path';
import { existsSync } from 'node:fs';
import { describeError } from '../errors.js';
import type { Logger } from './logger.js';

const MAX_RETRY_MS = 5 * 60_000;

export interface ScheduleOptions {
  /** Quiet time after the last change before a session is uploaded. @default 1000 */
  debounceMs: number;
  /** At most one upload per session per this long; also the longest a changing session waits. @default 10000 */
  minIntervalMs: number;
  /** Uploads at once, across sessions. @default 4 */
  concurrency: number;
}

interface FileState {
  timer?: NodeJS.Timeout;
  /** Failed uploads in a row: a failed session is tried again, later each time. */
  failures: number;
  firstPendingAt?: number;
  lastUploadAt?: number;
  running: boolean;
  dirty: boolean;
}

/**
 * When to upload each watched session: `debounceMs` after its last change, at most
 * once per `minIntervalMs`, and never later than `minIntervalMs` after its first unsent change, so
 * a session that never stops changing is still sent regularly. Due uploads wait in one FIFO line
 * for a free slot, so a busy session cannot starve the others.
 */
export class UploadScheduler {
  private readonly files = new Map<string, FileState>();
  private readonly line: string[] = [];
  private active = 0;
  private readonly idle = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly options: ScheduleOptions,
    /** Resolves true when the session is settled, false when it must be tried again. */
    private readonly upload: (file: string) => Promise<boolean>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A change to `file` was seen. */
  notify(file: string): void {
    if (this.stopped) return;
    const state = this.state(file);
    state.dirty = true;
    state.firstPendingAt ??= this.now();
    if (!state.running) this.schedule(file, state);
  }

  /** The file is gone: nothing is pending for it any more. */
  forget(file: string): void {
    const state = this.files.get(file);
    if (!state) return;
    clearTimeout(state.timer);
    state.dirty = false;
    state.firstPendingAt = undefined;
    const at = this.line.indexOf(file);
    if (at >= 0) this.line.splice(at, 1);
    if (!state.running) this.files.delete(file);
  }

  get pending(): number {
    let n = 0;
    for (const s of this.files.values()) if (s.dirty || s.running) n++;
    return n;
  }

  /**
   * Stops scheduling and sends every pending session now, ignoring the debounce and the minimum
   * interval; resolves when nothing is in flight or `timeoutMs` has passed.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    for (const [file, state] of this.files) {
      clearTimeout(state.timer);
      state.timer = undefined;
      if (state.dirty && !state.running && !this.line.includes(file)) this.line.push(file);
    }
    this.stopped = true;
    this.pump();
    if (this.active === 0 && this.line.length === 0) return true;
    return new Promise<boolean>((resolveFlush) => {
      const timer = setTimeout(() => {
        this.idle.delete(done);
        resolveFlush(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolveFlush(true);
      };
      this.idle.add(done);
    });
  }

  private state(file: string): FileState {
    let state = this.files.get(file);
    if (!state) this.files.set(file, (state = { running: false, dirty: false, failures: 0 }));
    return state;
  }

  private schedule(file: string, state: FileState): void {
    const now = this.now();
    const { debounceMs, minIntervalMs } = this.options;
    // A session that keeps changing still goes out once it has waited the longer of the two.
    const settled = Math.min(now + debounceMs, (state.firstPendingAt ?? now) + Math.max(minIntervalMs, debounceMs));
    // After a failure: the minimum interval, doubled for each failure in a row, at most 5 minutes.
    const interval = state.failures ? Math.min(MAX_RETRY_MS, minIntervalMs * 2 ** (state.failures - 1)) : minIntervalMs;
    const due = Math.max(settled, (state.lastUploadAt ?? -Infinity) + interval);
    clearTimeout(state.timer);
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        if (!this.line.includes(file)) this.line.push(file);
        this.pump();
      },
      Math.max(0, due - now),
    );
  }

  private pump(): void {
    while (this.active < this.options.concurrency && this.line.length) {
      const file = this.line.shift()!;
      const state = this.files.get(file);
      if (!state || !state.dirty) continue;
      state.running = true;
      state.dirty = false;
      state.firstPendingAt = undefined;
      this.active++;
      void this.upload(file)
        .catch((error) => {
          this.logger.warn(`${file}: ${describeError(error)}`);
          return false;
        })
        .then((settled) => {
          this.active--;
          state.running = false;
          state.lastUploadAt = this.now();
          state.failures = settled ? 0 : state.failures + 1;
          if (!settled && !this.stopped) {
            state.dirty = true;
            state.firstPendingAt ??= this.now();
          }
          if (state.dirty) {
            if (this.stopped) this.line.push(file);
            else this.schedule(file, state);
          }
          this.pump();
          if (this.active === 0 && this.line.length === 0) for (const done of this.idle) done();
        });
    }
  }
}

/**
 * What to watch. Named PATHs as they are. Else each root (every chosen agent's homes; for
 * prime-agent the sessions dir and its sibling `session-artifacts`): the nearest existing folder
 * above it is watched, filtered to the roots, so a root created later (the artifacts folder when
 * the first sub-agent runs, an agent's home on a fresh machine, Codex's dated folders) is seen.
 * `waitingFor` names the first root when none exists yet. Files are filtered by `wants`.
 */
export function watchPlan(
  paths: string[],
  roots: string[],
  wants: (fileName: string) => boolean,
): { watch: string[]; waitingFor?: string; ignored: (path: string, stats?: { isFile(): boolean }) => boolean } {
  const otherFile = (p: string, stats?: { isFile(): boolean }) => stats?.isFile() === true && !wants(basename(p));
  if (paths.length) return { watch: paths.map((p) => resolve(p)), ignored: otherFile };
  const resolved = roots.map((r) => resolve(r));
  // A root may be a file (a database opencode's OPENCODE_DB names): its -wal companion is in it too.
  const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + sep) || p === `${dir}-wal`;
  // Each root's parent (so a sibling root that appears later is seen), or its nearest existing ancestor.
  const tops = new Set<string>();
  for (const root of resolved) {
    let top = dirname(root);
    while (!existsSync(top) && dirname(top) !== top) top = dirname(top);
    tops.add(top);
  }
  // A folder inside another watched one is watched through it.
  const watch = [...tops].filter((t) => ![...tops].some((o) => o !== t && inside(t, o)));
  return {
    watch,
    waitingFor: resolved.some((r) => existsSync(r)) ? undefined : resolved[0],
    ignored: (p, stats) => {
      const path = resolve(p);
      // A folder on the way down to a root: it is how the root will appear.
      if (resolved.some((root) => inside(root, path))) return false;
      if (!resolved.some((root) => inside(path, root))) return true;
      return otherFile(path, stats);
    },
  };
}
