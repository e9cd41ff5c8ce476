import { existsSync } from 'node:fs';
import { backendId, type BackendSpec } from '../config/backend.js';
import type { Settings } from '../config/schema.js';
import type { CredentialName } from '../errors.js';
import { flagOrSetting } from '../util/defaults.js';
import { SETTLED } from './drain.js';
import { Ledger } from './ledger.js';
import type { AgentChoice } from './agents/choice.js';
import { exportRootOf } from './agents/registry.js';
import type { Logger } from './logger.js';
import type { Redactor } from './redact/redactor.js';
import type { UploadTarget } from './upload-target.js';
import { Queue } from './queue.js';
import { uploadSessions, type UploadDeps, type UploadReport } from './upload.js';

/**
 * Where a run sends and what it was told. The credential is resolved once, by whoever opens the
 * run (`upload`, `watch`, the hook's worker and `hook --wait`), and passed in as `credential`.
 */
export interface UploadRunSetup {
  backend: BackendSpec;
  /** The sessions dir and its artifacts: scanned when no path is named. */
  roots: string[];
  stateDir: string;
  settings: Settings;
  /** The token and where it came from; absent for a dry run or a folder backend. */
  credential?: CredentialName & { token: string };
  retries: number;
  timeout: number;
  /** Else the `concurrency` setting, else the default. */
  concurrency?: number;
  /** Else the `max_bytes` setting, else the default. */
  maxBytes?: number;
  force?: boolean;
  dryRun?: boolean;
  /** Stop once the backend proves unreachable (`upload`, the worker); `watch` retries instead. */
  failFast?: boolean;
  /** The agent version from the environment, for files that do not record one. */
  agentVersion?: string;
  /** Whose sessions: the agents whose homes are the roots, and the formats named paths are read in. */
  agents: AgentChoice;
  /** What every body passes through before it is sent; absent (`--no-redact`), files are sent as they are. */
  redactor?: Redactor;
}

/** Opens the upload target of a backend (the HTTP client, or the folder store): given by the caller, so core names no backend. */
export type ConnectTarget = (
  backend: BackendSpec,
  options: { credential?: CredentialName & { token: string }; timeoutMs: number; retries: number; connections: number; logger: Logger },
) => Promise<UploadTarget>;

export interface UploadRun {
  readonly concurrency: number;
  readonly ledger: Ledger;
  /** Uploads `paths` (none = the roots); `pathsSeen` when a watcher, not a person, named them. */
  send(paths: string[], options?: { pathsSeen?: boolean } & Pick<UploadDeps, 'onProgress' | 'onSession' | 'signal'>): Promise<UploadReport>;
  /** `send`, with what the hook queued for this backend joining the run; the settled entries leave the queue. */
  sendWithQueued(paths: string[], options?: Pick<UploadDeps, 'onProgress' | 'onSession' | 'signal'>): Promise<UploadReport>;
  /** Waits for what is in flight; `abort` drops it (it is not in the ledger, so the next run sends it). */
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Opens one upload run to one backend: target, ledger, defaults. An HTTP target connects only if
 * something is sent. The ledger is saved by every send.
 */
export async function openUploadRun(setup: UploadRunSetup, deps: { logger: Logger; connect: ConnectTarget }): Promise<UploadRun> {
  const concurrency = flagOrSetting(setup.concurrency, setup.settings, 'concurrency');
  const maxBytes = flagOrSetting(setup.maxBytes, setup.settings, 'max_bytes');
  const ledger = Ledger.load(setup.stateDir);
  if (ledger.problem) deps.logger.warn(ledger.problem);
  const target = await deps.connect(setup.backend, {
    credential: setup.dryRun ? undefined : setup.credential,
    timeoutMs: setup.timeout,
    retries: setup.retries,
    connections: concurrency,
    logger: deps.logger,
  });
  const send: UploadRun['send'] = (paths, options = {}) =>
    uploadSessions(
      {
        paths,
        roots: setup.roots,
        force: Boolean(setup.force),
        dryRun: Boolean(setup.dryRun),
        concurrency,
        maxBytes,
        agentVersion: setup.agentVersion,
        agents: setup.agents,
        exportRoot: exportRootOf(setup.stateDir),
        failFast: setup.failFast,
        redactor: setup.redactor,
        pathsSeen: options.pathsSeen,
      },
      { target, ledger, logger: deps.logger, onProgress: options.onProgress, onSession: options.onSession, signal: options.signal },
    );
  return {
    concurrency,
    ledger,
    send,
    async sendWithQueued(paths, options) {
      if (setup.dryRun) return send(paths, options);
      const queued = withQueued(paths, setup, deps.logger);
      const report = await send(queued.paths, options);
      await queued.settle(report);
      return report;
    },
    close: () => target.close(),
    abort: () => target.abort(),
  };
}

/** One run, opened, sent and closed: what `upload`, `hook --wait` and the worker do. */
export async function runUpload(
  setup: UploadRunSetup,
  paths: string[],
  deps: { logger: Logger; connect: ConnectTarget; withQueued?: boolean } & Pick<UploadDeps, 'onProgress' | 'onSession' | 'signal'>,
): Promise<UploadReport> {
  const run = await openUploadRun(setup, deps);
  // Stopped: the requests in flight are dropped at once (they are not in the ledger, so the next run sends them).
  const abort = () => void run.abort().catch(() => undefined);
  deps.signal?.addEventListener('abort', abort, { once: true });
  try {
    const options = { onProgress: deps.onProgress, onSession: deps.onSession, signal: deps.signal };
    return await (deps.withQueued ? run.sendWithQueued(paths, options) : run.send(paths, options));
  } finally {
    deps.signal?.removeEventListener('abort', abort);
    await (deps.signal?.aborted ? run.abort() : run.close());
  }
}

/**
 * What the hook queued for this backend joins the run (any later upload drains the queue first);
 * afterwards the settled entries leave the queue.
 */
function withQueued(
  paths: string[],
  setup: Pick<UploadRunSetup, 'stateDir' | 'backend' | 'roots'>,
  logger: Logger,
): { paths: string[]; settle(report: UploadReport): Promise<void> } {
  const queue = new Queue(setup.stateDir, { warn: (m) => logger.warn(m) });
  const id = backendId(setup.backend);
  // Entries that also ask for a metadata save or an event push are the worker's: it runs those too.
  const queued = queue.read().filter((e) => e.backend === id && !e.save && !e.events && existsSync(e.file));
  if (queued.length === 0) return { paths, settle: async () => {} };
  const base = paths.length ? paths : setup.roots.filter((root) => existsSync(root));
  return {
    paths: [...base, ...queued.map((e) => e.file)],
    settle: async (report) => {
      const settled = new Set(report.sessions.filter((s) => SETTLED.has(s.status)).map((s) => s.file));
      await queue.remove(queued.filter((e) => settled.has(e.file)).map((e) => e.id));
    },
  };
}
