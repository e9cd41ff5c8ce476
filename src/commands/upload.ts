import { runSucceeded } from '../core/upload-results.js';
import { dirname } from 'node:path';
import { uploadTargetIn } from '../backend/connect.js';
import { EXIT, SIGNAL_EXIT } from '../errors.js';
import { backendId } from '../config/backend.js';
import { runUpload } from '../core/upload-run.js';
import type { UploadReport } from '../core/upload.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { shortener } from '../output/format.js';
import type { Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { createProgress } from '../output/progress.js';
import { interruptedLine, sessionLine, showsSession, writeUploadEnd } from '../output/upload-report.js';
import { interruption } from '../util/signals.js';
import { loadContext, requireCredential, scanRoots } from './context.js';
import { dryRunCredential } from './dry-run.js';
import { redactionChoice, redactionLine, redactorFor } from './redaction.js';
import type { UploadFlags } from './upload.def.js';

/** `traces upload` (and `hook --wait`, with the hook's backend flags): one upload run, with what the hook queued. */
export async function upload(paths: string[], flags: UploadFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const context = await loadContext(io, flags);
  if (paths.length === 0) scanRoots(context);
  const credential = flags.dryRun ? dryRunCredential(io, context.backend) : requireCredential(io, context.backend);
  const token = credential?.token;
  const progress = createProgress(io, { label: 'Uploading', json: flags.json, quiet: flags.quiet, color: flags.color });
  const logger = createLogger(io, { verbose: Boolean(flags.verbose), secrets: [token], write: (line) => progress.line(line) });
  const short = shortener(paths.length ? paths : [dirname(context.roots[0] ?? io.cwd)], io);
  const stop = interruption(signals);
  const started = performance.now();
  let report: UploadReport;
  try {
    const redactor = await redactorFor(context.settings, io.env, flags);
    report = await runUpload(
      { ...context, ...flags, credential, failFast: true, agentVersion: agentVersionFromEnv(io.env), redactor },
      paths,
      {
        logger,
        connect: uploadTargetIn(io.env),
        withQueued: true,
        signal: stop.signal,
        onProgress: (p) => progress.update(p),
        onSession: (r) => {
          if (showsSession(r, { json: flags.json, verbose: flags.verbose, quiet: flags.quiet, interactive: progress.interactive }))
            progress.line(sessionLine(r, short));
        },
      },
    );
  } finally {
    stop.dispose();
    progress.stop();
  }
  const by = stop.by();
  if (by) {
    io.stderr.write(`${interruptedLine(report.uploaded, report.total - report.unchanged)}\n`);
    if (flags.json) writeUploadEnd(io, report, { json: true, where: '', seconds: 0, lookedIn: '' });
    return SIGNAL_EXIT[by];
  }
  const redaction = redactionChoice(flags, context.settings);
  writeUploadEnd(io, report, {
    json: flags.json,
    dryRun: flags.dryRun,
    redaction: { on: redaction.on, line: redactionLine(redaction) },
    where: context.backend.kind === 'dir' ? short(context.backend.dir) : backendId(context.backend),
    seconds: (performance.now() - started) / 1000,
    lookedIn: paths.length ? paths.join(', ') : context.roots.map(short).join(' and '),
  });
  return runSucceeded(report) ? EXIT.ok : EXIT.failed;
}
