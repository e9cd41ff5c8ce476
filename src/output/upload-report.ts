import type { SessionReport, UploadReport } from '../core/upload.js';
import { writeJson, type Io } from './io.js';
import { formatBytes, plural } from './format.js';

const LABEL: Record<SessionReport['status'], string> = {
  uploaded: 'uploaded ',
  unchanged: 'unchanged',
  failed: 'failed   ',
  too_large: 'too large',
  invalid: 'invalid  ',
  pending: 'pending  ',
};

/** One plain line per session outcome worth a person's attention; `short` shortens its path (format.ts shortPath). */
export function sessionLine(r: SessionReport, short: (file: string) => string = (file) => file): string {
  const id = r.session_id ?? '-';
  const detail = r.status === 'uploaded' ? formatBytes(r.bytes) : (r.error ?? '');
  return `${LABEL[r.status]}  ${id}  ${detail}${r.status === 'uploaded' || !r.error?.includes(r.file) ? `  ${short(r.file)}` : ''}`;
}

/**
 * One line of `traces watch`, for a terminal that keeps scrolling: the time, the outcome, the
 * session's short id, its size (or the error, whole) and its path, the path cut from the left so
 * that a success fits 80 columns.
 */
export function watchLine(r: SessionReport, short: (file: string) => string, now = new Date()): string {
  const head = `${now.toTimeString().slice(0, 8)}  ${LABEL[r.status]}  ${(r.session_id ?? '-').slice(0, 8)}`;
  if (r.status !== 'uploaded') return `${head}  ${r.error ?? ''}  ${short(r.file)}`.trimEnd();
  const line = `${head}  ${formatBytes(r.bytes).padStart(9)}  `;
  const path = short(r.file);
  const room = Math.max(10, 80 - line.length);
  return line + (path.length <= room ? path : `…${path.slice(path.length - room + 1)}`);
}

/** The one line of a run stopped by Ctrl-C: what got through, and that running again finishes it. */
export function interruptedLine(sent: number, of: number): string {
  return `interrupted: ${sent} of ${plural(of, 'session')} sent; run again to resume`;
}

export function summaryLine(report: UploadReport, backend: string, seconds: number): string {
  const parts = [`${plural(report.uploaded, 'session')} uploaded (${formatBytes(report.bytes)})`];
  if (report.unchanged) parts.push(`${report.unchanged} unchanged`);
  if (report.failed) parts.push(`${report.failed} not uploaded`);
  if (report.pending) parts.push(`${report.pending} not attempted`);
  return `${parts.join(', ')} → ${backend} in ${seconds.toFixed(1)} s`;
}

/** --dry-run: what would be sent, one block a session. */
export function planBlock(r: SessionReport): string {
  const lines = [`${r.session_id}  ${r.kind ?? ''}  ${formatBytes(r.bytes)}`, `  file:   ${r.file}`, `  trace:  ${r.trace_id}`];
  if (r.parent_session) lines.push(`  parent: ${r.parent_session}`);
  if (r.git) lines.push(`  git:    ${[r.git.repoUrl, r.git.commit].filter(Boolean).join(' @ ')}`);
  if (r.error) lines.push(`  note:   ${r.error}`);
  lines.push(`  → ${r.endpoint}`);
  return lines.join('\n');
}

/** The one line for a run stopped because the backend could not be reached (upload, events push, sessions save). */
export function unreachableLine(backend: string, reason: string, kept: number): string {
  return `error: backend ${backend} is unreachable (${reason}); ${plural(kept, 'session')} kept for the next run`;
}

/**
 * What a person (or a `--json` reader) is told once an upload run ends: why it stopped early, then
 * the report, the dry-run plan, or the summary. Shared by `upload` and `hook --wait`.
 */
export function writeUploadEnd(
  io: Io,
  report: UploadReport,
  view: {
    json?: boolean;
    dryRun?: boolean;
    where: string;
    seconds: number;
    lookedIn: string;
    /** Whether what would be sent is redacted, and the line that says so: a dry run tells. */
    redaction?: { on: boolean; line: string };
  },
): void {
  if (report.unreachable) {
    // For people, with --json too (stderr), as for any error that stops a run.
    const kept = report.sessions.filter((s) => s.status === 'failed' || s.status === 'pending').length;
    io.stderr.write(`${unreachableLine(view.where, report.unreachable, kept)}\n`);
  }
  const redaction = view.dryRun ? view.redaction : undefined;
  if (view.json) {
    writeJson(io, redaction ? { ...report, redact: redaction.on } : report);
  } else if (view.dryRun) {
    for (const r of report.sessions) io.stdout.write(`${r.status === 'pending' ? planBlock(r) : sessionLine(r)}\n`);
    if (redaction) io.stderr.write(`dry run: ${redaction.line}\n`);
    io.stderr.write(`dry run: ${report.sessions.filter((r) => r.status === 'pending').length} to send, nothing sent\n`);
  } else {
    io.stderr.write(`${summaryLine(report, view.where, view.seconds)}\n`);
    if (report.total === 0) io.stderr.write(`no sessions found (looked in ${view.lookedIn})\n`);
  }
}

/** Whether a session's outcome gets its own line as it comes: problems always, successes when no live line (and no --quiet) shows them. */
export function showsSession(
  r: SessionReport,
  view: { json?: boolean; interactive: boolean; verbose?: boolean; quiet?: boolean },
): boolean {
  if (view.json || r.status === 'pending') return false;
  const problem = r.status !== 'uploaded' && r.status !== 'unchanged';
  const shown = view.interactive || view.quiet ? problem || Boolean(view.verbose) : r.status !== 'unchanged';
  return shown || Boolean(view.verbose && r.error);
}
