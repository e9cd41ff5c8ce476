/**
 * One session's upload within a run (`uploadSessions` in upload.ts): the PUT with its headers, and
 * what its outcome means for the report and the ledger.
 */
import { ApiError, TooLargeError, describeError, stopsTheRun, type AuthError, type ConfigError } from '../errors.js';
import type { LedgerEntry } from './ledger.js';
import type { Logger } from './logger.js';
import { formatMiB } from '../util/bytes.js';
import type { Candidate } from './sessions/discover.js';
import { sessionGit, type SessionInfo } from './agents/registry.js';
import type { AgentChoice } from './agents/choice.js';
import type { Redactor } from './redact/redactor.js';
import { redactSnapshot } from './sessions/redacted-snapshot.js';
import { openSnapshot, type Snapshot } from './sessions/snapshot.js';
import type { Lineage } from './sessions/tree.js';
import type { UploadTarget } from './upload-target.js';
import { blank, entry, type SessionReport } from './upload-results.js';

export interface UploadOptions {
  /** PATHs named by the user; when empty, `roots` are scanned. */
  paths: string[];
  roots: string[];
  /** Ignore the ledger: send everything. */
  force: boolean;
  dryRun: boolean;
  concurrency: number;
  maxBytes: number;
  /** The agent version from the environment, for sessions whose file does not record one. */
  agentVersion?: string;
  /** Whose sessions these may be: the scan's agents read the roots, the PATH agents named PATHs. */
  agents: AgentChoice;
  /** Where sessions exported from an agent's store (opencode's database) are written. */
  exportRoot: string;
  /** The paths were seen by a watcher, not named by a person: a non-session among them is skipped silently. */
  pathsSeen?: boolean;
  /**
   * A one-shot run: once the backend proves unreachable (core/unreachable.ts) start no more
   * sessions and report them `pending`, untouched in the ledger. `watch` and the hook's worker
   * leave it off: they retry on their own schedule.
   */
  failFast?: boolean;
  /** What every body passes through before it is sent; absent, files are sent as they are. */
  redactor?: Redactor;
}

/** One session to send: the file, what it says about itself and its place in the tree. */
export interface Work {
  candidate: Candidate;
  info: SessionInfo;
  lineage: Lineage;
}

export interface OneResult {
  report?: SessionReport;
  entry?: LedgerEntry;
  auth?: AuthError | ConfigError;
  /** What the session failed with. */
  error?: unknown;
}

export async function uploadOne(work: Work, options: UploadOptions, target: UploadTarget, logger: Logger): Promise<OneResult> {
  const { candidate, info, lineage } = work;
  const base: SessionReport = {
    ...blank(candidate, 'failed', null),
    session_id: info.id,
    trace_id: lineage.traceId,
    parent_session: lineage.parentId ?? null,
  };
  const openRaw = async () => {
    const snapshot = await openSnapshot(candidate.path, options.maxBytes, { document: info.document });
    if (snapshot.length > options.maxBytes) {
      await snapshot.close();
      throw new TooLargeError(overLimit(snapshot.length, options.maxBytes));
    }
    return snapshot;
  };
  // The first attempt sends the snapshot the git facts were read from (an atomic rewrite by the
  // agent in between cannot pair these headers with other bytes); a retry opens a fresh one. Git
  // facts are read from the file's own bytes; what is sent is redacted.
  let first: Snapshot | undefined;
  const sendable = async () => {
    const pinned = first;
    first = undefined;
    return toSend(pinned ?? (await openRaw()), options);
  };
  try {
    first = await openRaw();
    const git = await sessionGit(first, info);
    const stored = await target.put(
      {
        file: candidate.path,
        sessionId: info.id,
        traceId: lineage.traceId,
        parentId: lineage.parentId,
        // The headers are sent too: redacted like the body.
        cwd: sentText(info.cwd, options.redactor),
        agentVersion: sentText(info.agentVersion ?? options.agentVersion, options.redactor),
        git: git && { ...git, repoUrl: sentText(git.repoUrl, options.redactor) },
      },
      sendable,
    );
    await first?.close(); // a target that never asked for the body
    return {
      report: { ...base, status: 'uploaded', bytes: stored.bytes, key: stored.key },
      entry: {
        ...entry('uploaded', candidate, info, { traceId: lineage.traceId, parentId: lineage.parentId }),
        size: stored.size,
        mtimeMs: stored.mtimeMs,
        hash: stored.hash,
        bytes: stored.bytes,
        key: stored.key,
      },
    };
  } catch (error) {
    await first?.close(); // never handed to the target
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      logger.debug(`${candidate.path}: removed before it could be sent`);
      return {};
    }
    const message = describeError(error);
    if (error instanceof TooLargeError) {
      return {
        report: { ...base, status: 'too_large', error: message },
        entry: entry('too_large', candidate, info, { error: message, limit: options.maxBytes }),
      };
    }
    const auth = stopsTheRun(error);
    if (auth) return { auth };
    if (error instanceof ApiError && error.status === 413) {
      return { report: { ...base, status: 'too_large', error: message }, entry: entry('too_large', candidate, info, { error: message }) };
    }
    if (error instanceof ApiError && (error.status === 400 || error.status === 422)) {
      // The server refused these bytes: sending them again cannot help, so the session is skipped
      // until the file changes. (A 404 or 409 may be a wrong URL or a deploy: those stay failed.)
      return { report: { ...base, status: 'invalid', error: message }, entry: entry('invalid', candidate, info, { error: message }) };
    }
    return { report: { ...base, error: message }, entry: entry('failed', candidate, info, { error: message }), error };
  }
}

/** "1.5 MiB is over the --max-bytes limit of 1.0 MiB"; exact bytes too when the rounding hides the difference. */
export function overLimit(size: number, limit: number): string {
  const [a, b] = [formatMiB(size), formatMiB(limit)];
  return a === b
    ? `${a} (${size} bytes) is over the --max-bytes limit of ${b} (${limit} bytes)`
    : `${a} is over the --max-bytes limit of ${b}`;
}

/** A session not sent in this run: nothing about it changes. */
export function unsent({ candidate, info, lineage }: Work): SessionReport {
  return {
    file: candidate.path,
    session_id: info.id,
    trace_id: lineage.traceId,
    parent_session: lineage.parentId ?? null,
    status: 'pending',
    bytes: candidate.size,
    key: null,
    error: lineage.problem ?? null,
  };
}

export async function planned(work: Work, options: UploadOptions, target: UploadTarget): Promise<SessionReport> {
  const { candidate, info, lineage } = work;
  const raw = await openSnapshot(candidate.path, options.maxBytes, { document: info.document });
  let git;
  try {
    git = await sessionGit(raw, info);
  } catch (error) {
    await raw.close();
    throw error;
  }
  // What would be sent: the redacted body's length (redactSnapshot owns and closes `raw`).
  const snapshot = options.redactor ? await redactSnapshot(raw, options.redactor) : raw;
  await snapshot.close();
  return {
    ...unsent(work),
    bytes: snapshot.length,
    kind: lineage.kind,
    endpoint: target.endpoint(info.id),
    git: git ? { ...git, repoUrl: sentText(git.repoUrl, options.redactor) } : null,
  };
}

/**
 * The bytes of `raw` to send: redacted when a redactor is given (the result owns `raw`). A body
 * that redaction made larger than the limit is refused like a file over it.
 */
async function toSend(raw: Snapshot, options: Pick<UploadOptions, 'redactor' | 'maxBytes'>): Promise<Snapshot> {
  if (!options.redactor) return raw;
  const sent = await redactSnapshot(raw, options.redactor);
  if (sent.length > options.maxBytes) {
    await sent.close();
    throw new TooLargeError(overLimit(sent.length, options.maxBytes));
  }
  return sent;
}

function sentText<T extends string | undefined>(text: T, redactor: Redactor | undefined): T {
  return text === undefined || !redactor ? text : (redactor.redactText(text).text as T);
}
