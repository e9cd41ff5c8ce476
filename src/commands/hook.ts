import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendFromId, backendId, resolveBackend } from '../config/backend.js';
import { sessionsDir, stateDir } from '../config/paths.js';
import { readSettings } from '../config/settings.js';
import type { Logger } from '../core/logger.js';
import { Queue, type QueueEntry } from '../core/queue.js';
import { discover, sessionRoots } from '../core/sessions/discover.js';
import { readHeader } from '../core/sessions/header.js';
import { EXIT, UsageError, describeError } from '../errors.js';
import { createFileLogger } from '../output/file-log.js';
import type { Io } from '../output/io.js';
import { readAll } from '../output/prompt.js';
import { tryLock } from '../util/lock.js';

export interface HookFlags {
  to?: string;
  sessionsDir?: string;
  maxBytes?: number;
  allowHttp?: boolean;
  session?: string;
  wait?: boolean;
  save?: boolean;
  events?: boolean;
  giveUpAfter: number;
  worker?: boolean;
  verbose?: boolean;
}

const STDIN_FIELDS = ['session_file', 'sessionFile', 'transcript_path'] as const;

/**
 * `traces hook`: record the session and its sub-agents in the durable queue, start a detached
 * worker, return 0 at once. Every problem goes to `<state>/hook.log`; only a missing session (a
 * broken hook setup) is a usage error. With --wait it uploads in the foreground instead.
 */
export async function hook(flags: HookFlags, io: Io): Promise<number> {
  const state = stateDir(io.env);
  const log = createFileLogger(join(state, 'hook.log'), { verbose: true, prefix: flags.worker ? `worker[${process.pid}]` : `hook[${process.pid}]` });
  if (flags.worker) return worker(flags, io, log);
  const file = await sessionInput(flags, io);
  try {
    const settings = readSettings(io.env);
    const backend = resolveBackend(flags.to, io.env, settings, { allowHttp: Boolean(flags.allowHttp), cwd: io.cwd });
    const files = withSubAgents(resolve(io.cwd, file));
    if (flags.wait) {
      const { upload } = await import('./upload.js');
      return upload(files, { to: flags.to, sessionsDir: flags.sessionsDir, maxBytes: flags.maxBytes, allowHttp: flags.allowHttp, retries: 3, timeout: 30_000 }, io);
    }
    const queue = new Queue(state);
    const backendKey = backendId(backend);
    // `to` is kept (a folder made absolute) so that --save/--events follow the upload's --to.
    const to = flags.to === undefined ? undefined : backend.kind === 'dir' ? backend.dir : flags.to;
    await queue.append(files.map((f) => Queue.newEntry({ file: f, backend: backendKey, to, maxBytes: flags.maxBytes, save: flags.save, events: flags.events })));
    if (!existsSync(files[0]!)) log.warn(`${files[0]}: no such file (queued anyway; the worker will drop it if it never appears)`);
    log.debug(`queued ${files.length} session(s) for ${backendKey}: ${files.map((f) => basename(f)).join(', ')}`);
    startWorker(io, flags, log);
  } catch (error) {
    if (flags.wait) throw error;
    log.warn(`hook failed: ${describeError(error)}`);
  }
  return EXIT.ok;
}

/** --session, else JSON on stdin, else PRIME_AGENT_SESSION_FILE; none is a usage error. */
async function sessionInput(flags: HookFlags, io: Io): Promise<string> {
  if (flags.session) return flags.session;
  if (!io.stdinIsTTY) {
    const text = await readStdin(io, 2000);
    if (text.trim()) {
      try {
        const value = JSON.parse(text) as Record<string, unknown>;
        for (const field of STDIN_FIELDS) if (typeof value[field] === 'string' && value[field]) return value[field] as string;
      } catch {
        throw new UsageError('stdin is not JSON', `Give the session as JSON on stdin with ${STDIN_FIELDS.join(', ')}, or --session FILE.`);
      }
    }
  }
  if (io.env.PRIME_AGENT_SESSION_FILE) return io.env.PRIME_AGENT_SESSION_FILE;
  throw new UsageError(
    'no session to record',
    `Pass --session FILE, JSON on stdin with ${STDIN_FIELDS.join(', ')}, or set PRIME_AGENT_SESSION_FILE.`,
  );
}

/** Reads stdin, but never waits on it for more than `ms`: an agent may leave it open. */
function readStdin(io: Io, ms: number): Promise<string> {
  return new Promise((done) => {
    const timer = setTimeout(() => done(''), ms);
    timer.unref();
    readAll(io.stdin).then(
      (text) => {
        clearTimeout(timer);
        done(text);
      },
      () => done(''),
    );
  });
}

/** The session and every session under its `session-artifacts/<id>/` (sub-agents, nested). */
export function withSubAgents(file: string): string[] {
  const read = readHeader(file);
  const ids = new Set([basename(file, '.jsonl')]);
  if (read.ok) ids.add(read.header.id);
  const dirs = [...ids].map((id) => join(dirname(dirname(file)), 'session-artifacts', id)).filter((d) => existsSync(d));
  return [file, ...discover(dirs, { required: false }).map((c) => c.path).filter((p) => p !== file)];
}

/** The detached worker: its own process group, no stdio, not waited for. */
function startWorker(io: Io, flags: HookFlags, log: Logger): void {
  const bin = [new URL('../bin/traces.js', import.meta.url), new URL('../../bin/traces.js', import.meta.url)].map((u) => fileURLToPath(u)).find((p) => existsSync(p));
  if (!bin) {
    log.warn('cannot find bin/traces.js to start the worker; the queue waits for the next run');
    return;
  }
  const child = spawn(process.execPath, [bin, 'hook', '--worker', '--give-up-after', String(flags.giveUpAfter)], {
    detached: true,
    stdio: 'ignore',
    env: io.env as NodeJS.ProcessEnv,
    cwd: io.cwd,
  });
  child.on('error', (error) => log.warn(`worker did not start: ${error.message}`));
  child.unref();
}

/**
 * One worker per state dir (a lock; a stale one is taken over). It drains the queue, then looks
 * again after letting go of the lock, so an entry queued by a hook that saw the lock held is never
 * left behind.
 */
async function worker(flags: HookFlags, io: Io, log: Logger): Promise<number> {
  const state = stateDir(io.env);
  const queue = new Queue(state);
  const { drainQueue } = await import('../core/drain.js');
  const seen = new Set<string>();
  for (;;) {
    const release = tryLock(join(state, 'worker.lock')) ?? (await takeStaleLock(join(state, 'worker.lock')));
    if (!release) {
      log.debug('another worker is running; it will pick up the queue');
      return EXIT.ok;
    }
    try {
      const result = await drainQueue(
        { queue, logger: log, upload: (backend, entries) => uploadEntries(io, backend, entries, log), followUp: (backend, entries) => followUp(io, backend, entries, log) },
        { giveUpAfterMs: flags.giveUpAfter },
      );
      result.attempted.forEach((id) => seen.add(id));
      log.debug(`drained: ${result.done} done, ${result.left} left`);
    } catch (error) {
      log.warn(`worker failed: ${describeError(error)}`);
    } finally {
      release();
    }
    if (!queue.read().some((e) => !seen.has(e.id))) return EXIT.ok;
  }
}

async function takeStaleLock(path: string): Promise<(() => void) | undefined> {
  const { acquireLock, LockTimeoutError } = await import('../util/lock.js');
  try {
    return await acquireLock(path, { timeoutMs: 0 });
  } catch (error) {
    if (error instanceof LockTimeoutError) return undefined;
    throw error;
  }
}

async function uploadEntries(io: Io, backend: string, entries: QueueEntry[], log: Logger) {
  const { runUpload } = await import('./upload.js');
  const settings = readSettings(io.env);
  const sessions = sessionsDir(undefined, io.env, settings.sessions_dir);
  const report = await runUpload(
    io,
    { settings, backend: backendFromId(backend, io.cwd), roots: sessionRoots(sessions.dir), stateDir: stateDir(io.env) },
    [...new Set(entries.map((e) => e.file))],
    { maxBytes: entries[0]?.maxBytes, retries: 3, timeout: 30_000 },
    { logger: log },
  );
  for (const s of report.sessions) log.debug(`${s.status} ${s.session_id ?? '-'} ${s.file}${s.error ? `: ${s.error}` : ''}`);
  return report.sessions;
}

async function followUp(io: Io, _backend: string, entries: QueueEntry[], log: Logger): Promise<void> {
  const { saveAndPush } = await import('./follow-up.js');
  const files = { save: entries.filter((e) => e.save).map((e) => e.file), events: entries.filter((e) => e.events).map((e) => e.file) };
  await saveAndPush(io, files, entries[0]?.to, log);
}
