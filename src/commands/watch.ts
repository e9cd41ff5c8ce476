import { createUploadTarget } from '../backend/connect.js';
import { backendId } from '../config/backend.js';
import { uploadSessions, type SessionReport } from '../core/upload.js';
import { UploadScheduler, watchPlan } from '../core/watch.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { AuthError, EXIT } from '../errors.js';
import type { Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { sessionLine } from '../output/upload-report.js';
import { loadContext, loadLedger, requireCredential, scanRoots } from './context.js';
import { DEFAULT_MAX_BYTES, withQueued } from './upload.js';

export interface WatchFlags {
  to?: string;
  sessionsDir?: string;
  allowHttp?: boolean;
  maxBytes?: number;
  concurrency?: number;
  retries: number;
  timeout: number;
  debounce: number;
  minInterval: number;
  flushTimeout: number;
  poll?: boolean;
  save?: boolean;
  events?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/**
 * `traces watch`: catch up (what changed since the ledger, and the hook's queue), then follow the
 * sessions with chokidar and upload each one as it changes, until SIGINT/SIGTERM; then send what
 * is pending (bounded by --flush-timeout), save the ledger and return 0.
 */
export async function watch(paths: string[], flags: WatchFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const context = await loadContext(io, flags);
  if (paths.length === 0) scanRoots(context);
  const credential = requireCredential(io, context.backend);
  const logger = createLogger(io, { verbose: Boolean(flags.verbose), secrets: [credential?.token] });
  const concurrency = flags.concurrency ?? context.settings.concurrency ?? 4;
  const target = await createUploadTarget(context.backend, { token: credential?.token, timeoutMs: flags.timeout, retries: flags.retries, connections: concurrency, logger });
  const ledger = loadLedger(context.stateDir, logger);
  const maxBytes = flags.maxBytes ?? context.settings.max_bytes ?? DEFAULT_MAX_BYTES;
  const to = context.backend.kind === 'dir' ? context.backend.dir : flags.to;

  const report = (r: SessionReport) => {
    if (r.status === 'unchanged') return;
    if (flags.json) io.stdout.write(`${JSON.stringify({ ...r, at: new Date().toISOString() })}\n`);
    else io.stderr.write(`${sessionLine(r)}\n`);
  };
  const send = async (files: string[], seen: boolean) => {
    const result = await uploadSessions(
      { paths: files, roots: context.roots, force: false, dryRun: false, concurrency, maxBytes, agentVersion: agentVersionFromEnv(io.env), pathsSeen: seen },
      { target, ledger, logger, onSession: report },
    );
    if (flags.save || flags.events) {
      const uploaded = result.sessions.filter((s) => s.status === 'uploaded').map((s) => s.file);
      if (uploaded.length) {
        const { saveAndPush } = await import('./follow-up.js');
        await saveAndPush(io, { save: flags.save ? uploaded : [], events: flags.events ? uploaded : [] }, { to, allowHttp: flags.allowHttp }, logger);
      }
    }
    return result;
  };

  const scheduler = new UploadScheduler(
    { debounceMs: flags.debounce, minIntervalMs: flags.minInterval, concurrency },
    async (file) => {
      const result = await send([file], true);
      return result.sessions.every((s) => s.status !== 'failed');
    },
    logger,
  );
  // Listening for SIGINT/SIGTERM from the start: a stop during the catch-up still ends cleanly.
  const signalled = new Promise<string>((stop) => {
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const done = (name: string) => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      stop(name);
    };
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
  const plan = watchPlan(paths, context.sessionsDir);
  const { watch: chokidarWatch } = await import('chokidar');
  const watcher = chokidarWatch(plan.watch, { ignoreInitial: true, usePolling: Boolean(flags.poll), ignored: plan.ignored, persistent: true });
  const onChange = (file: string) => {
    if (file.endsWith('.jsonl')) scheduler.notify(file);
  };
  watcher.on('add', onChange).on('change', onChange).on('unlink', (file: string) => scheduler.forget(file));
  watcher.on('error', (error: unknown) => logger.warn(`watcher: ${error instanceof Error ? error.message : String(error)}`));
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));

  // Catch up once the watcher is live, so that nothing written meanwhile is missed. What fails in
  // it is tried again by the scheduler; a catch-up that cannot run at all is tried again whole.
  let stopped = false;
  const catchUp = async (attempt: number): Promise<void> => {
    const queued = withQueued(paths, context, logger);
    try {
      const result = await send(queued.paths, false);
      await queued.settle(result);
      for (const s of result.sessions) if (s.status === 'failed') scheduler.notify(s.file);
    } catch (error) {
      if (error instanceof AuthError || stopped) throw error;
      const delay = Math.min(60_000, 1000 * 2 ** attempt);
      logger.warn(`catch-up failed (${error instanceof Error ? error.message : String(error)}); again in ${delay / 1000} s`);
      setTimeout(() => void catchUp(attempt + 1).catch((e: Error) => logger.warn(`catch-up: ${e.message}`)), delay).unref();
    }
  };
  try {
    await catchUp(0);
  } catch (error) {
    // A refused credential: watching cannot do any good.
    await watcher.close();
    await target.close();
    throw error;
  }
  io.stderr.write(`watching ${plan.watch.join(', ')} → ${backendId(context.backend)} (Ctrl-C to stop)\n`);

  const signal = await signalled;
  stopped = true;
  io.stderr.write(`${signal}: sending ${scheduler.pending} pending session(s)\n`);
  await watcher.close();
  const flushed = await scheduler.flush(flags.flushTimeout);
  if (!flushed) io.stderr.write(`flush timed out after ${flags.flushTimeout} ms; the rest is sent on the next run\n`);
  await ledger.save();
  // Out of time: drop what is still in flight (it is not in the ledger, so the next run sends it).
  await (flushed ? target.close() : target.abort());
  return EXIT.ok;
}
