import { createUploadTarget } from '../backend/connect.js';
import { EXIT } from '../errors.js';
import { backendId } from '../config/backend.js';
import { runUpload } from '../core/upload-run.js';
import type { UploadReport } from '../core/upload.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import type { Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { createProgress } from '../output/progress.js';
import { progressText, sessionLine, showsSession, writeUploadEnd } from '../output/upload-report.js';
import { loadContext, requireCredential, scanRoots } from './context.js';
import { dryRunCredential } from './dry-run.js';
import type { UploadFlags } from './upload.def.js';

/** `traces upload` (and `hook --wait`, with the hook's backend flags): one upload run, with what the hook queued. */
export async function upload(paths: string[], flags: UploadFlags, io: Io): Promise<number> {
  const context = await loadContext(io, flags);
  if (paths.length === 0) scanRoots(context);
  const credential = flags.dryRun ? dryRunCredential(io, context.backend) : requireCredential(io, context.backend);
  const token = credential?.token;
  const progress = await createProgress(io, { json: Boolean(flags.json) });
  const logger = createLogger(io, { verbose: Boolean(flags.verbose), secrets: [token], write: progress.line });
  const started = performance.now();
  let report: UploadReport;
  try {
    report = await runUpload({ ...context, ...flags, credential, failFast: true, agentVersion: agentVersionFromEnv(io.env) }, paths, {
      logger,
      connect: createUploadTarget,
      withQueued: true,
      onProgress: (p) => progress.update(progressText(p)),
      onSession: (r) => {
        if (showsSession(r, { json: flags.json, verbose: flags.verbose, interactive: progress.interactive })) progress.line(sessionLine(r));
      },
    });
  } finally {
    progress.stop();
  }
  writeUploadEnd(io, report, {
    json: flags.json,
    dryRun: flags.dryRun,
    where: context.backend.kind === 'http' ? backendId(context.backend) : context.backend.dir,
    seconds: (performance.now() - started) / 1000,
    lookedIn: paths.length ? paths.join(', ') : context.roots.join(' and '),
  });
  return report.failed > 0 || report.unreachable ? EXIT.failed : EXIT.ok;
}
