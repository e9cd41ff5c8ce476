import type { SessionReport, UploadProgress, UploadReport } from '../core/upload.js';
import { formatBytes, plural } from './format.js';

const LABEL: Record<SessionReport['status'], string> = {
  uploaded: 'uploaded ',
  unchanged: 'unchanged',
  failed: 'failed   ',
  too_large: 'too large',
  invalid: 'invalid  ',
  pending: 'pending  ',
};

/** One plain line per session outcome worth a person's attention. */
export function sessionLine(r: SessionReport): string {
  const id = r.session_id ?? '-';
  const detail = r.status === 'uploaded' ? formatBytes(r.bytes) : (r.error ?? '');
  return `${LABEL[r.status]}  ${id}  ${detail}${r.status === 'uploaded' || !r.error?.includes(r.file) ? `  ${r.file}` : ''}`;
}

export function progressText(p: UploadProgress): string {
  const failed = p.failed ? ` · ${p.failed} failed` : '';
  return `Uploading ${p.done}/${p.total}${failed} · ${formatBytes(p.bytes)}`;
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
