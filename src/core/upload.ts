import type { AuthError, ConfigError } from '../errors.js';
import type { Ledger } from './ledger.js';
import type { Logger } from './logger.js';
import { mapLimit } from '../util/map-limit.js';
import { untilAborted } from '../util/signals.js';
import { discoverSessions } from './sessions/discover.js';
import { describeSession, Scope } from './agents/registry.js';
import { dropCopies } from './sessions/copies.js';
import { hashFile } from './sessions/hash.js';
import { InfoCache, resolveLineage } from './sessions/tree.js';
import type { UploadTarget } from './upload-target.js';
import { overLimit, planned, unsent, uploadOne, type UploadOptions, type Work } from './upload-one.js';

export type { UploadOptions } from './upload-one.js';
import { notAttempted, UnreachableRule } from './unreachable.js';
import { blank, entry, fromEntry, now, summarise, type SessionReport, type UploadReport } from './upload-results.js';

export type { SessionReport, SessionStatus, UploadReport } from './upload-results.js';

export interface UploadProgress {
  total: number;
  done: number;
  uploaded: number;
  failed: number;
  bytes: number;
  /** The sizes of the files to send. */
  totalBytes: number;
}

export interface UploadDeps {
  target: UploadTarget;
  ledger: Ledger;
  logger: Logger;
  onProgress?: (progress: UploadProgress) => void;
  /** Called once per session as soon as its outcome is known. */
  onSession?: (report: SessionReport) => void;
  /**
   * Stops the run (Ctrl-C): no session starts, the run returns without waiting for those in
   * flight (the caller aborts them), and only what the backend stored is recorded.
   */
  signal?: AbortSignal;
  /** How often the ledger is saved while uploads run. @default 2000 */
  saveEveryMs?: number;
}

/**
 * Uploads every changed session under `options.paths` (or the roots) and records each outcome in
 * the ledger. Unchanged files cost one stat; a file whose mtime moved but whose bytes did not is
 * hashed, not sent. A session is recorded as uploaded only after the backend answered 2xx.
 */
export async function uploadSessions(options: UploadOptions, deps: UploadDeps): Promise<UploadReport> {
  const { target, ledger, logger } = deps;
  const backend = target.id;
  const explicit = options.paths.length > 0;
  const agents = explicit ? options.agents.paths : options.agents.scan;
  const reports: SessionReport[] = [];
  const report = (r: SessionReport) => {
    reports.push(r);
    deps.onSession?.(r);
  };
  const candidates = await discoverSessions(explicit ? options.paths : options.roots, {
    required: explicit && !options.pathsSeen,
    named: !options.pathsSeen,
    agents,
    exportRoot: options.exportRoot,
    // An agent's store that cannot be read fails as one item; every other session is still sent.
    onProblem: (path, reason) => report(blank({ path, size: 0, mtimeMs: 0, explicit: true }, 'failed', reason)),
  });
  const cache = new InfoCache(agents, new Scope());
  const toSend: Work[] = [];

  for (const candidate of candidates) {
    const previous = options.force ? undefined : ledger.get(backend, candidate.path);
    const same = previous !== undefined && previous.size === candidate.size && previous.mtimeMs === candidate.mtimeMs;
    if (same && previous.status === 'uploaded') {
      report(fromEntry(candidate, previous, 'unchanged', null));
      continue;
    }
    if (same && previous.status === 'not_session' && !candidate.explicit) continue;
    if (same && previous.status === 'invalid') {
      // Reported once when it failed; skipped until the file changes.
      report(fromEntry(candidate, previous, 'unchanged', `skipped: invalid when last tried (${previous.error}); unchanged since`));
      continue;
    }
    // The same for a file too large, while the limit that refused it still does (a higher
    // --max-bytes sends it at once; a server's 413 holds until the file changes or --force).
    if (same && previous.status === 'too_large' && (previous.limit === undefined || candidate.size > options.maxBytes)) {
      report(fromEntry(candidate, previous, 'unchanged', `skipped: too large when last tried (${previous.error}); unchanged since`));
      continue;
    }

    const read = describeSession(candidate.path, agents, cache.scope);
    if (!read.ok) {
      if (candidate.explicit) {
        report(blank(candidate, 'invalid', `${candidate.path}: not a session file: ${read.reason}`));
      } else if (!options.dryRun) {
        ledger.set(backend, candidate.path, { status: 'not_session', size: candidate.size, mtimeMs: candidate.mtimeMs, at: now() });
      }
      continue;
    }
    const info = read.info;
    cache.set(candidate.path, info);
    if (candidate.size > options.maxBytes) {
      const error = overLimit(candidate.size, options.maxBytes);
      report({ ...blank(candidate, 'too_large', error), session_id: info.id });
      if (!options.dryRun) ledger.set(backend, candidate.path, entry('too_large', candidate, info, { error, limit: options.maxBytes }));
      continue;
    }
    // The ledger holds the hash of the bytes sent (redacted or not) and hashFile hashes what would
    // be sent now: like is compared with like.
    if (previous?.status === 'uploaded' && previous.hash !== undefined && previous.size === candidate.size) {
      const hashed = await hashFile(candidate.path, options.maxBytes, { document: info.document, redactor: options.redactor }).catch(
        () => undefined,
      );
      if (hashed && hashed.hash === previous.hash && hashed.length === previous.bytes) {
        if (!options.dryRun) ledger.set(backend, candidate.path, { ...previous, mtimeMs: hashed.mtimeMs, size: hashed.size });
        report(fromEntry(candidate, previous, 'unchanged', null));
        continue;
      }
    }
    const lineage = resolveLineage(candidate.path, info, cache);
    if (lineage.problem) logger.debug(`${candidate.path}: ${lineage.problem}`);
    toSend.push({ candidate, info, lineage });
  }

  const { kept, copies } = dropCopies(toSend);
  toSend.splice(0, toSend.length, ...kept);
  for (const copy of copies) {
    logger.debug(`${copy.candidate.path}: a copy of session ${copy.info.id}, which another file holds`);
    // Settled as not a session of its own, so that a rerun does not send it once the other is unchanged.
    if (!options.dryRun)
      ledger.set(backend, copy.candidate.path, {
        status: 'not_session',
        size: copy.candidate.size,
        mtimeMs: copy.candidate.mtimeMs,
        at: now(),
      });
  }

  const totalBytes = toSend.reduce((n, w) => n + w.candidate.size, 0);
  const progress: UploadProgress = {
    total: reports.length + toSend.length,
    done: reports.length,
    uploaded: 0,
    failed: 0,
    bytes: 0,
    totalBytes,
  };
  for (const r of reports) if (r.status !== 'unchanged') progress.failed++;
  deps.onProgress?.({ ...progress });

  if (options.dryRun) {
    for (const work of toSend) report(await planned(work, options, target));
    return summarise(reports);
  }

  let authError: AuthError | ConfigError | undefined;
  let lastSave = Date.now();
  const saveEveryMs = deps.saveEveryMs ?? 2000;
  const rule = options.failFast ? new UnreachableRule<SessionReport>((r) => deps.onSession?.(r)) : undefined;
  const finished = new Set<Work>();
  const stopped = deps.signal;
  const sending = mapLimit(toSend, options.concurrency, async (work) => {
    if (authError || stopped?.aborted) return; // the server refused our credential: do not knock again for every session
    if (rule?.reason) {
      finished.add(work);
      report({ ...unsent(work), error: notAttempted(rule.reason) });
      return;
    }
    const result = await uploadOne(work, options, target, logger);
    // Stopped: what failed was most likely cut off by the stop, so it stays as it was.
    if (stopped?.aborted && result.report?.status !== 'uploaded') return;
    finished.add(work);
    if (result.auth) authError ??= result.auth;
    if (result.entry) ledger.set(backend, work.candidate.path, result.entry);
    if (result.report) {
      reports.push(result.report);
      if (rule) rule.record(result.report, result.error);
      else deps.onSession?.(result.report);
      progress.done++;
      if (result.report.status === 'uploaded') {
        progress.uploaded++;
        progress.bytes += result.report.bytes;
      } else {
        progress.failed++;
      }
      deps.onProgress?.({ ...progress });
    }
    if (Date.now() - lastSave >= saveEveryMs) {
      lastSave = Date.now();
      await ledger.save();
    }
  });
  await (stopped ? Promise.race([sending, untilAborted(stopped)]) : sending);
  rule?.finish();
  if (stopped?.aborted) for (const work of toSend) if (!finished.has(work)) reports.push(unsent(work));
  await ledger.save();
  if (authError) throw authError;
  return summarise(reports, rule?.reason);
}
