import { AGENT_NAMES } from '../core/agents/types.js';
import { createEventsApi, createSessionsApi } from '../backend/connect.js';
import { backendFromId, backendId } from '../config/backend.js';
import { bucketOfBackendId } from '../contracts/backend-id.js';
import { readUrlSettings } from '../config/settings-file.js';
import { openPushLedger, pushSessions } from '../core/events/push.js';
import type { Logger } from '../core/logger.js';
import type { BackendSpec } from '../contracts/backend-id.js';
import { saveSessions } from '../core/save.js';
import { discover } from '../core/sessions/discover.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { describeError } from '../errors.js';
import type { Io } from '../output/io.js';
import { DEFAULTS, flagOrSetting } from '../util/defaults.js';
import { connectApi } from './context.js';
import { redactorFor } from './redaction.js';
import { plural } from '../output/format.js';

/**
 * --save and --events of `hook` and `watch`: the metadata save and the event push of sessions just
 * uploaded, through the same core services as `traces sessions save` and `traces events push`,
 * with one log line per session. A follow-up that cannot run at all is logged, never thrown.
 * Resolves with the files whose save or push did not succeed (the hook's worker keeps those queued).
 */
export async function saveAndPush(
  io: Io,
  files: { save: string[]; events: string[] },
  /** Where each goes, and `redact: false` for --no-redact (else the `redact` setting decides). */
  backend: { sessions?: string; events?: string; allowHttp?: boolean; redact?: boolean },
  log: Logger,
): Promise<Set<string>> {
  const flags = (to: string | undefined) => ({
    to,
    allowHttp: backend.allowHttp,
    resolve: to !== undefined && bucketOfBackendId(to) ? () => bucketFromId(io, to, Boolean(backend.allowHttp)) : undefined,
    retries: DEFAULTS.retries,
    timeout: DEFAULTS.timeout,
    redact: backend.redact,
  });
  const unfinished = new Set<string>();
  const failedAll = (what: string, list: string[]) => (error: unknown) => {
    log.warn(`${what}: ${describeError(error)}`);
    return list;
  };
  if (files.save.length) {
    for (const f of await saveFollowUp(io, files.save, flags(backend.sessions), log).catch(failedAll('metadata save', files.save)))
      unfinished.add(f);
  }
  if (files.events.length) {
    for (const f of await pushFollowUp(io, files.events, flags(backend.events), log).catch(failedAll('event push', files.events)))
      unfinished.add(f);
  }
  return unfinished;
}

/** `to` is a folder, a URL, or a bucket's id (its endpoint in it); `resolve` reads the id, inside the follow-up's own failure. */
type NetSetup = { to?: string; allowHttp?: boolean; retries: number; timeout: number; redact?: boolean; resolve?: () => BackendSpec };

/** A bucket named by its id goes to the endpoint in the id, whatever the environment of this run says. */
function bucketFromId(io: Io, id: string, allowHttp: boolean): BackendSpec {
  return backendFromId(id, io.cwd, allowHttp, { env: io.env, settings: readUrlSettings(io.env) });
}

async function saveFollowUp(io: Io, files: string[], setup: NetSetup, log: Logger): Promise<string[]> {
  const flags = { ...setup, backend: setup.resolve?.() };
  const { context, api } = await connectApi(io, flags, 'sessions', createSessionsApi, { logger: log });
  try {
    const { org, workspace } = context.settings;
    if (!org || !workspace) {
      log.warn(
        `metadata save of ${plural(files.length, 'session')} skipped: set the org and workspace (\`traces config set org SLUG\`, \`traces config set workspace SLUG\`)`,
      );
      return []; // a setting to fix, not a failure to retry: \`traces sessions save --all\` catches up
    }
    const run = await saveSessions(
      files,
      {
        org,
        workspace,
        overrides: {},
        dryRun: false,
        concurrency: flagOrSetting(undefined, context.settings, 'concurrency'),
        agents: AGENT_NAMES,
        redactor: await redactorFor(context.settings, io.env, flags),
      },
      api,
    );
    return unfinished(run.sessions, log, (r) => `metadata ${r.status} ${r.session_id ?? '-'} ${r.file}${r.error ? `: ${r.error}` : ''}`);
  } finally {
    await api.close();
  }
}

async function pushFollowUp(io: Io, files: string[], setup: NetSetup, log: Logger): Promise<string[]> {
  const flags = { ...setup, backend: setup.resolve?.() };
  const { context, api } = await connectApi(io, flags, 'events', createEventsApi, { logger: log });
  try {
    const ledger = openPushLedger(context.stateDir);
    if (ledger.problem) log.warn(ledger.problem);
    const run = await pushSessions(
      discover(files, { required: true, agents: AGENT_NAMES }),
      {
        force: false,
        crossSession: false,
        maxStringBytes: DEFAULTS.maxStringBytes,
        concurrency: flagOrSetting(undefined, context.settings, 'concurrency'),
        agentVersion: agentVersionFromEnv(io.env),
        agents: AGENT_NAMES,
        redactor: await redactorFor(context.settings, io.env, flags),
      },
      { api, ledger, backend: backendId(context.backend), logger: log },
    );
    return unfinished(
      run.sessions,
      log,
      (r) =>
        `events ${r.status} ${r.session_id ?? '-'} ${r.file}${r.status === 'pushed' ? ` (${r.events} events)` : ''}${r.error ? `: ${r.error}` : ''}`,
    );
  } finally {
    await api.close();
  }
}

/** Logs one line per outcome (failed and pending ones as warnings) and returns the files still to do. */
function unfinished<R extends { status: string; file: string }>(results: R[], log: Logger, line: (r: R) => string): string[] {
  const left: string[] = [];
  for (const r of results) {
    if (r.status === 'failed' || r.status === 'pending') {
      log.warn(line(r));
      left.push(r.file);
    } else log.debug(line(r));
  }
  return left;
}
