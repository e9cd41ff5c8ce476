import { existsSync } from 'node:fs';
import { EXIT } from '../errors.js';
import { createUploadTarget } from '../backend/connect.js';
import { backendId, type BackendSpec } from '../config/backend.js';
import { Ledger } from '../core/ledger.js';
import type { Logger } from '../core/logger.js';
import { Queue } from '../core/queue.js';
import { SETTLED } from '../core/drain.js';
import { uploadSessions, type UploadDeps, type UploadReport } from '../core/upload.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { createProgress } from '../output/progress.js';
import { planBlock, progressText, sessionLine, summaryLine, unreachableLine } from '../output/upload-report.js';
import { loadContext, loadLedger, requireCredential, scanRoots, type Context } from './context.js';

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export interface RunOptions {
  force?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  maxBytes?: number;
  retries: number;
  timeout: number;
  /** Stop once the backend proves unreachable (`upload`); the hook's worker backs off instead. */
  failFast?: boolean;
}

export interface UploadFlags extends RunOptions {
  to?: string;
  sessionsDir?: string;
  json?: boolean;
  verbose?: boolean;
  allowHttp?: boolean;
}

/**
 * One upload run to one backend: credential, target, ledger, core. Shared by `upload`, `hook`
 * (its worker and --wait) and `watch`. An HTTP target connects only if something is sent.
 */
export async function runUpload(
  io: Io,
  context: Pick<Context, 'settings' | 'roots' | 'stateDir'> & { backend: BackendSpec },
  paths: string[],
  options: RunOptions,
  deps: { logger: Logger; ledger?: Ledger } & Pick<UploadDeps, 'onProgress' | 'onSession'>,
): Promise<UploadReport> {
  const credential = options.dryRun ? undefined : requireCredential(io, context.backend);
  const concurrency = options.concurrency ?? context.settings.concurrency ?? 4;
  const target = await createUploadTarget(context.backend, {
    token: credential?.token,
    timeoutMs: options.timeout,
    retries: options.retries,
    connections: concurrency,
    logger: deps.logger,
  });
  try {
    return await uploadSessions(
      {
        paths,
        roots: context.roots,
        force: Boolean(options.force),
        dryRun: Boolean(options.dryRun),
        concurrency,
        maxBytes: options.maxBytes ?? context.settings.max_bytes ?? DEFAULT_MAX_BYTES,
        agentVersion: agentVersionFromEnv(io.env),
        failFast: options.failFast,
      },
      { target, ledger: deps.ledger ?? loadLedger(context.stateDir, deps.logger), logger: deps.logger, onProgress: deps.onProgress, onSession: deps.onSession },
    );
  } finally {
    await target.close();
  }
}

/**
 * What the hook queued for this backend joins the run (DESIGN: any later upload drains the
 * queue first); afterwards the settled entries leave the queue.
 */
export function withQueued(
  paths: string[],
  context: Pick<Context, 'stateDir' | 'backend' | 'roots'>,
  logger: Logger,
): { paths: string[]; settle(report: UploadReport): Promise<void> } {
  const queue = new Queue(context.stateDir, { warn: (m) => logger.warn(m) });
  const id = backendId(context.backend);
  const queued = queue.read().filter((e) => e.backend === id && existsSync(e.file));
  if (queued.length === 0) return { paths, settle: async () => {} };
  const base = paths.length ? paths : context.roots.filter((root) => existsSync(root));
  return {
    paths: [...base, ...queued.map((e) => e.file)],
    settle: async (report) => {
      const settled = new Set(report.sessions.filter((s) => SETTLED.has(s.status)).map((s) => s.file));
      await queue.remove(queued.filter((e) => settled.has(e.file)).map((e) => e.id));
    },
  };
}

export async function upload(paths: string[], flags: UploadFlags, io: Io): Promise<number> {
  const context = await loadContext(io, flags);
  if (paths.length === 0) scanRoots(context);
  const token = flags.dryRun ? undefined : requireCredential(io, context.backend)?.token;
  const json = Boolean(flags.json);
  const progress = await createProgress(io, { json });
  const logger = createLogger(io, { verbose: Boolean(flags.verbose), secrets: [token], write: progress.line });
  const run = flags.dryRun ? { paths, settle: async () => {} } : withQueued(paths, context, logger);
  const started = performance.now();
  let report: UploadReport;
  try {
    report = await runUpload(io, context, run.paths, { ...flags, failFast: true }, {
      logger,
      onProgress: (p) => progress.update(progressText(p)),
      onSession: (r) => {
        if (json || r.status === 'pending') return;
        const problem = r.status !== 'uploaded' && r.status !== 'unchanged';
        const shown = progress.interactive ? problem || flags.verbose : r.status !== 'unchanged';
        if (shown || (flags.verbose && r.error)) progress.line(sessionLine(r));
      },
    });
  } finally {
    progress.stop();
  }
  await run.settle(report);
  const where = context.backend.kind === 'http' ? backendId(context.backend) : context.backend.dir;
  if (report.unreachable) {
    // For people, with --json too (stderr), as for any error that stops a run.
    const kept = report.sessions.filter((s) => s.status === 'failed' || s.status === 'pending').length;
    io.stderr.write(`${unreachableLine(where, report.unreachable, kept)}\n`);
  }
  if (json) {
    writeJson(io, report);
  } else if (flags.dryRun) {
    for (const r of report.sessions) io.stdout.write(`${r.status === 'pending' ? planBlock(r) : sessionLine(r)}\n`);
    io.stderr.write(`dry run: ${report.sessions.filter((r) => r.status === 'pending').length} to send, nothing sent\n`);
  } else {
    io.stderr.write(`${summaryLine(report, where, (performance.now() - started) / 1000)}\n`);
    if (report.total === 0) io.stderr.write(`no sessions found (looked in ${paths.length ? paths.join(', ') : context.roots.join(' and ')})\n`);
  }
  return report.failed > 0 || report.unreachable ? EXIT.failed : EXIT.ok;
}
