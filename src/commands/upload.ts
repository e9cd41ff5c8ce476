import { EXIT } from '../errors.js';
import { createUploadTarget } from '../backend/connect.js';
import { backendId } from '../config/backend.js';
import { Ledger } from '../core/ledger.js';
import { uploadSessions, type UploadReport } from '../core/upload.js';
import { writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { createProgress } from '../output/progress.js';
import { planBlock, progressText, sessionLine, summaryLine } from '../output/upload-report.js';
import { VERSION } from '../version.js';
import { loadContext, requireCredential } from './context.js';

export interface UploadFlags {
  to?: string;
  sessionsDir?: string;
  force?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  maxBytes?: number;
  retries: number;
  timeout: number;
  json?: boolean;
  verbose?: boolean;
  allowHttp?: boolean;
}

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export async function upload(paths: string[], flags: UploadFlags, io: Io): Promise<number> {
  const context = await loadContext(io, flags);
  const credential = flags.dryRun ? undefined : requireCredential(io, context.backend);
  const json = Boolean(flags.json);
  const progress = await createProgress(io, { json });
  const logger = createLogger(io, { verbose: Boolean(flags.verbose), secrets: [credential?.token], write: progress.line });
  const concurrency = flags.concurrency ?? context.settings.concurrency ?? 4;
  const target = await createUploadTarget(context.backend, {
    token: credential?.token,
    timeoutMs: flags.timeout,
    retries: flags.retries,
    connections: concurrency,
    logger,
  });
  const started = performance.now();
  let report: UploadReport;
  try {
    report = await uploadSessions(
      {
        paths,
        roots: context.roots,
        force: Boolean(flags.force),
        dryRun: Boolean(flags.dryRun),
        concurrency,
        maxBytes: flags.maxBytes ?? context.settings.max_bytes ?? DEFAULT_MAX_BYTES,
        agentVersion: VERSION,
      },
      {
        target,
        ledger: Ledger.load(context.stateDir),
        logger,
        onProgress: (p) => progress.update(progressText(p)),
        onSession: (r) => {
          if (json || r.status === 'pending') return;
          if (r.status !== 'unchanged' || (flags.verbose && r.error)) progress.line(sessionLine(r));
        },
      },
    );
  } finally {
    progress.stop();
    await target.close();
  }
  if (json) {
    writeJson(io, report);
  } else if (flags.dryRun) {
    for (const r of report.sessions) io.stdout.write(`${r.status === 'pending' ? planBlock(r) : sessionLine(r)}\n`);
    io.stderr.write(`dry run: ${report.sessions.filter((r) => r.status === 'pending').length} to send, nothing sent\n`);
  } else {
    const where = context.backend.kind === 'http' ? backendId(context.backend) : context.backend.dir;
    io.stderr.write(`${summaryLine(report, where, (performance.now() - started) / 1000)}\n`);
    if (report.total === 0) io.stderr.write(`no sessions found (looked in ${paths.length ? paths.join(', ') : context.roots.join(' and ')})\n`);
  }
  return report.failed > 0 ? EXIT.failed : EXIT.ok;
}
