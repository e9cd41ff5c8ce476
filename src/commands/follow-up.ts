import { createEventsApi, createSessionsApi } from '../backend/connect.js';
import { backendId } from '../config/backend.js';
import { openPushLedger, pushSessions } from '../core/events/push.js';
import type { Logger } from '../core/logger.js';
import { saveSessions } from '../core/save.js';
import { discover } from '../core/sessions/discover.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { describeError } from '../errors.js';
import type { Io } from '../output/io.js';
import { DEFAULTS, flagOrSetting } from '../util/defaults.js';
import { connectApi } from './context.js';
import { plural } from '../output/format.js';

/**
 * --save and --events of `hook` and `watch`: the metadata save and the event push of sessions just
 * uploaded, through the same core services as `traces sessions save` and `traces events push`,
 * with one log line per session. A follow-up that cannot run at all is logged, never thrown.
 */
export async function saveAndPush(
  io: Io,
  files: { save: string[]; events: string[] },
  backend: { sessions?: string; events?: string; allowHttp?: boolean },
  log: Logger,
): Promise<void> {
  const flags = (to: string | undefined) => ({ to, allowHttp: backend.allowHttp, retries: DEFAULTS.retries, timeout: DEFAULTS.timeout });
  if (files.save.length)
    await saveFollowUp(io, files.save, flags(backend.sessions), log).catch((error) => log.warn(`metadata save: ${describeError(error)}`));
  if (files.events.length)
    await pushFollowUp(io, files.events, flags(backend.events), log).catch((error) => log.warn(`event push: ${describeError(error)}`));
}

type NetSetup = { to?: string; allowHttp?: boolean; retries: number; timeout: number };

async function saveFollowUp(io: Io, files: string[], flags: NetSetup, log: Logger): Promise<void> {
  const { context, api } = await connectApi(io, flags, 'sessions', createSessionsApi, { logger: log });
  try {
    const { org, workspace } = context.settings;
    if (!org || !workspace) {
      log.warn(
        `metadata save of ${plural(files.length, 'session')} skipped: set the org and workspace (\`traces config set org SLUG\`, \`traces config set workspace SLUG\`)`,
      );
      return;
    }
    const run = await saveSessions(
      files,
      { org, workspace, overrides: {}, dryRun: false, concurrency: flagOrSetting(undefined, context.settings, 'concurrency') },
      api,
    );
    for (const r of run.sessions) {
      const line = `metadata ${r.status} ${r.session_id ?? '-'} ${r.file}${r.error ? `: ${r.error}` : ''}`;
      if (r.status === 'failed' || r.status === 'pending') log.warn(line);
      else log.debug(line);
    }
  } finally {
    await api.close();
  }
}

async function pushFollowUp(io: Io, files: string[], flags: NetSetup, log: Logger): Promise<void> {
  const { context, api } = await connectApi(io, flags, 'events', createEventsApi, { logger: log });
  try {
    const ledger = openPushLedger(context.stateDir);
    if (ledger.problem) log.warn(ledger.problem);
    const run = await pushSessions(
      discover(files, { required: true }),
      {
        force: false,
        crossSession: false,
        maxStringBytes: DEFAULTS.maxStringBytes,
        concurrency: flagOrSetting(undefined, context.settings, 'concurrency'),
        agentVersion: agentVersionFromEnv(io.env),
      },
      { api, ledger, backend: backendId(context.backend), logger: log },
    );
    for (const r of run.sessions) {
      const line = `events ${r.status} ${r.session_id ?? '-'} ${r.file}${r.status === 'pushed' ? ` (${r.events} events)` : ''}${r.error ? `: ${r.error}` : ''}`;
      if (r.status === 'failed' || r.status === 'pending') log.warn(line);
      else log.debug(line);
    }
  } finally {
    await api.close();
  }
}
