import { backendId } from '../config/backend.js';
import { discoverSessions } from '../core/sessions/discover.js';
import { exportRootOf } from '../core/agents/registry.js';
import { countStates, holdsEntries, type BackendStatus } from '../core/status.js';
import { Queue } from '../core/queue.js';
import type { Ledger } from '../core/ledger.js';
import { openPushLedger } from '../core/events/push.js';
import { hookLogFile, lastFailureFile, readLastFailure } from '../core/worker-status.js';
import { EXIT, UsageError } from '../errors.js';
import { formatMiB, plural } from '../output/format.js';
import { writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { loadContext, loadLedger, scanRoots } from './context.js';
import { redactionChoice, redactionLine } from './redaction.js';
import type { StatusFlags } from './status.def.js';

/**
 * `traces status`: per backend, the state of the sessions found now; the hook's queue; why the
 * hook or its worker last stopped short, and where its log is. Backends other than the current
 * one are shown only while they hold entries for files found now or queued sessions.
 */
export async function status(_args: string[], flags: StatusFlags, io: Io): Promise<number> {
  const context = await loadContext(io, flags);
  const logger = createLogger(io, { verbose: false });
  const ledger = loadLedger(context.stateDir, logger);
  if (flags.forget !== undefined) return forget(flags.forget, ledger, context.stateDir, io, Boolean(flags.json));
  const roots = scanRoots(context);
  const current = backendId(context.backend);
  const entries = new Queue(context.stateDir, { warn: (m) => logger.warn(m) }).read();
  const queued = [...new Set(entries.map((e) => e.backend))];
  const known = Object.keys(ledger.backends()).filter((b) => b !== current);
  const agents = context.agents.scan;
  const candidates = await discoverSessions(roots, {
    required: false,
    agents,
    exportRoot: exportRootOf(context.stateDir),
    onProblem: (file, reason) => logger.warn(`${file}: ${reason}`),
  });
  const counts = countStates(candidates, ledger, [current, ...known], agents);
  const shown = counts.filter((c) => c.backend === current || holdsEntries(c) || queued.includes(c.backend));
  const stale = counts.filter((c) => !shown.includes(c)).map((c) => c.backend);
  const queue = {
    queued: entries.length,
    oldest: entries.reduce<string | null>((min, e) => (min === null || e.at < min ? e.at : min), null),
    backends: Object.fromEntries(queued.map((b) => [b, entries.filter((e) => e.backend === b).length])),
  };
  const hookLog = hookLogFile(context.stateDir);
  const lastFailure = readLastFailure(lastFailureFile(context.stateDir)) ?? null;
  const redaction = redactionChoice({}, context.settings);
  if (flags.json) {
    writeJson(io, {
      sessions_dir: context.sessionsDir,
      agents: context.agents.scan,
      state_dir: context.stateDir,
      current_backend: current,
      redact: redaction.on,
      backends: shown,
      other_backends: stale,
      queue,
      last_failure: lastFailure,
      hook_log: hookLog,
    });
    return EXIT.ok;
  }
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`agents: ${context.agents.scan.join(', ')}`);
  if (context.agents.scan.includes('prime')) out(`sessions: ${context.sessionsDir} (${context.sessionsDirSource})`);
  out(redactionLine(redaction));
  for (const c of shown) out(`${c.backend}${c.backend === current ? ' (current)' : ''}\n  ${countsLine(c)}`);
  if (stale.length) {
    out(`also in the ledger, for no session found now: ${stale.join(', ')} (drop one with \`traces status --forget <backend>\`)`);
  }
  out(
    queue.queued
      ? `queue: ${plural(queue.queued, 'session')} waiting since ${queue.oldest} (${Object.entries(queue.backends)
          .map(([b, n]) => `${n} for ${b}`)
          .join(', ')})`
      : 'queue: empty',
  );
  out(lastFailure ? `last hook failure: ${lastFailure.at} (${lastFailure.by}) ${lastFailure.reason}` : 'last hook failure: none');
  out(`hook log: ${hookLog}`);
  return EXIT.ok;
}

function countsLine(c: BackendStatus): string {
  const toSend = c.pending + c.failed ? ` (${formatMiB(c.to_send_bytes)} to send)` : '';
  return `uploaded ${c.uploaded}  pending ${c.pending}  failed ${c.failed}  too large ${c.too_large}  invalid ${c.invalid}${toSend}`;
}

/** --forget: drops the backend from the upload and events ledgers. The queue is left as it is: it is work still to do. */
async function forget(backend: string, ledger: Ledger, stateDir: string, io: Io, json: boolean): Promise<number> {
  const events = openPushLedger(stateDir);
  const known = [...new Set([...Object.keys(ledger.backends()), ...Object.keys(events.backends())])];
  if (!known.includes(backend)) {
    throw new UsageError(
      `--forget ${backend}: no such backend in the ledgers`,
      known.length ? `Known: ${known.join(', ')} (as \`traces status\` shows them).` : 'The ledgers are empty.',
    );
  }
  const uploads = await ledger.forget(backend);
  const pushes = await events.forget(backend);
  if (json) writeJson(io, { forgotten: backend, uploads, events: pushes });
  else
    io.stderr.write(
      `forgot ${backend}: ${plural(uploads, 'upload entry', 'upload entries')}, ${plural(pushes, 'events entry', 'events entries')}\n`,
    );
  return EXIT.ok;
}
