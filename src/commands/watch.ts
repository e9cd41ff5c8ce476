import { basename, dirname } from 'node:path';
import { watchedBy } from '../core/agents/registry.js';
import { uploadTargetIn } from '../backend/connect.js';
import { backendId, backendValue } from '../config/backend.js';
import { openUploadRun } from '../core/upload-run.js';
import type { SessionReport } from '../core/upload.js';
import { UploadScheduler, watchPlan } from '../core/watch.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { EXIT, describeError, stopsTheRun } from '../errors.js';
import type { Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { watchLine } from '../output/upload-report.js';
import { backoffMs } from '../util/backoff.js';
import { firstSignal } from '../util/signals.js';
import { agentsFor, loadContext, requireCredential } from './context.js';
import { dryRunCredential } from './dry-run.js';
import { redactionChoice, redactionLine, redactorFor } from './redaction.js';
import type { WatchFlags } from './watch.def.js';
import { formatBytes, plural, shortener } from '../output/format.js';

/**
 * `traces watch`: catch up (what changed since the ledger, and the hook's queue), then follow the
 * sessions with chokidar and upload each one as it changes, until SIGINT/SIGTERM; then send what
 * is pending (bounded by --flush-timeout), save the ledger and return 0.
 */
export async function watch(paths: string[], flags: WatchFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const context = await loadContext(io, flags);
  const credential = flags.dryRun ? dryRunCredential(io, context.backend) : requireCredential(io, context.backend);
  const token = credential?.token;
  const logger = createLogger(io, { verbose: Boolean(flags.verbose), secrets: [token] });
  const run = await openUploadRun(
    {
      ...context,
      ...flags,
      credential,
      agentVersion: agentVersionFromEnv(io.env),
      redactor: await redactorFor(context.settings, io.env, flags),
    },
    { logger, connect: uploadTargetIn(io.env) },
  );
  const to = context.backend.kind === 'http' ? flags.to : backendValue(context.backend);
  const redaction = redactionChoice(flags, context.settings);

  // Paths below the agent home (or the PATHs named), else ~-shortened.
  const short = shortener(paths.length ? paths : [dirname(context.roots[0] ?? io.cwd)], io);
  const onSession = (r: SessionReport) => {
    if (r.status === 'unchanged') return;
    if (flags.json)
      io.stdout.write(`${JSON.stringify({ ...r, ...(flags.dryRun ? { redact: redaction.on } : {}), at: new Date().toISOString() })}\n`);
    else if (flags.dryRun && r.status === 'pending')
      io.stderr.write(`would send  ${r.session_id ?? '-'}  ${formatBytes(r.bytes)}  ${short(r.file)}\n`);
    else if (!flags.quiet || r.status !== 'uploaded') io.stderr.write(`${watchLine(r, short)}\n`);
  };
  const followUp = async (sessions: SessionReport[]) => {
    if (!flags.save && !flags.events) return;
    const uploaded = sessions.filter((s) => s.status === 'uploaded').map((s) => s.file);
    if (uploaded.length === 0) return;
    const { saveAndPush } = await import('./follow-up.js');
    await saveAndPush(
      io,
      { save: flags.save ? uploaded : [], events: flags.events ? uploaded : [] },
      { sessions: to, events: to, allowHttp: flags.allowHttp, redact: flags.redact },
      logger,
    );
  };

  const scheduler = new UploadScheduler(
    { debounceMs: flags.debounce, minIntervalMs: flags.minInterval, concurrency: run.concurrency },
    async (file) => {
      const result = await run.send([file], { pathsSeen: true, onSession });
      await followUp(result.sessions);
      return result.sessions.every((s) => s.status !== 'failed');
    },
    logger,
  );
  // Listening for SIGINT/SIGTERM from the start: a stop during the catch-up still ends cleanly.
  const signalled = firstSignal(signals);
  const wants = watchedBy(agentsFor(context, paths));
  const plan = watchPlan(paths, context.roots, wants);
  const { watch: chokidarWatch } = await import('chokidar');
  const watcher = chokidarWatch(plan.watch, {
    ignoreInitial: true,
    usePolling: Boolean(flags.poll),
    ignored: plan.ignored,
    persistent: true,
  });
  const onChange = (file: string) => {
    if (wants(basename(file))) scheduler.notify(file);
  };
  watcher
    .on('add', onChange)
    .on('change', onChange)
    .on('unlink', (file: string) => scheduler.forget(file));
  watcher.on('error', (error: unknown) => logger.warn(`watcher: ${describeError(error)}`));
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  // A sessions dir that does not exist yet (the agent has not run on this machine): wait for it.
  if (plan.waitingFor) io.stderr.write(`waiting for ${plan.waitingFor} to appear\n`);

  // Catch up once the watcher is live, so that nothing written meanwhile is missed. What fails in
  // it is tried again by the scheduler; a catch-up that cannot run at all is tried again whole.
  let stopped = false;
  const catchUp = async (attempt: number): Promise<void> => {
    try {
      const result = await run.sendWithQueued(paths, { onSession });
      await followUp(result.sessions);
      for (const s of result.sessions) if (s.status === 'failed') scheduler.notify(s.file);
    } catch (error) {
      // Refused, or configured wrong (a missing bucket): trying again cannot help.
      if (stopsTheRun(error) || stopped) throw error;
      const delay = backoffMs(attempt);
      logger.warn(`catch-up failed (${describeError(error)}); again in ${delay / 1000} s`);
      setTimeout(() => void catchUp(attempt + 1).catch((e: unknown) => logger.warn(`catch-up: ${describeError(e)}`)), delay).unref();
    }
  };
  try {
    await catchUp(0);
  } catch (error) {
    // A refused credential: watching cannot do any good.
    await watcher.close();
    await run.close();
    throw error;
  }
  io.stderr.write(
    `watching ${plan.watch.join(', ')} → ${backendId(context.backend)}${flags.dryRun ? ` (dry run: nothing is sent; ${redactionLine(redaction)})` : ''} (Ctrl-C to stop)\n`,
  );

  const signal = await signalled;
  stopped = true;
  io.stderr.write(`${signal}: sending ${plural(scheduler.pending, 'pending session')}\n`);
  await watcher.close();
  const flushed = await scheduler.flush(flags.flushTimeout);
  if (!flushed) io.stderr.write(`flush timed out after ${flags.flushTimeout} ms; the rest is sent on the next run\n`);
  await run.ledger.save();
  // Out of time: drop what is still in flight (it is not in the ledger, so the next run sends it).
  await (flushed ? run.close() : run.abort());
  return EXIT.ok;
}
