import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createEventsApi } from '../backend/connect.js';
import { backendId } from '../config/backend.js';
import { toBatches } from '../core/events/batch.js';
import { openPushLedger, pushSessions, type PushResult } from '../core/events/push.js';
import { parseEventLines } from '../core/events/send.js';
import { sessionStartBody } from '../core/events/session-start.js';
import { discover } from '../core/sessions/discover.js';
import { findSessionFile } from '../core/sessions/find.js';
import { buildForest, type SessionNode } from '../core/sessions/forest.js';
import { EXIT, UsageError } from '../errors.js';
import { countStatuses, plural } from '../output/format.js';
import { unreachableLine } from '../output/upload-report.js';
import { writeJson, type Io } from '../output/io.js';
import { readAll } from '../output/prompt.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { flagOrSetting } from '../util/defaults.js';
import { connectApi, scanRoots, type NetFlags } from './context.js';
import type { PushFlags, SendFlags } from './events.def.js';

export async function push(paths: string[], flags: PushFlags, io: Io): Promise<number> {
  const { context, api, logger } = await connectApi(io, flags, 'events', createEventsApi);
  try {
    const candidates = discover(paths.length ? paths : scanRoots(context), { required: paths.length > 0 });
    const ledger = openPushLedger(context.stateDir);
    if (ledger.problem) logger.warn(ledger.problem);
    const { sessions: results, unreachable } = await pushSessions(
      candidates,
      {
        force: Boolean(flags.force),
        crossSession: Boolean(flags.crossSession),
        maxStringBytes: flags.maxString,
        concurrency: flagOrSetting(flags.concurrency, context.settings, 'concurrency'),
        agentVersion: agentVersionFromEnv(io.env),
      },
      {
        api,
        ledger,
        backend: backendId(context.backend),
        logger,
        onResult: (r) => {
          if (!flags.json && r.status !== 'unchanged' && r.status !== 'pending') io.stderr.write(`${line(r)}\n`);
        },
      },
    );
    const counts = countStatuses(results, ['pushed', 'unchanged', 'failed', 'pending'] as const);
    const failed = counts.failed;
    const events = results.reduce((n, r) => n + r.events, 0);
    // For people, with --json too (stderr), as for any error that stops a run.
    if (unreachable) io.stderr.write(`${unreachableLine(backendId(context.backend), unreachable, failed + counts.pending)}\n`);
    if (flags.json) writeJson(io, { ...counts, events, unreachable, sessions: results });
    else {
      const pending = counts.pending ? `, ${counts.pending} not attempted` : '';
      io.stderr.write(`${plural(events, 'event')} from ${plural(counts.pushed, 'session')} pushed, ${counts.unchanged} unchanged, ${failed} failed${pending}\n`);
    }
    return failed || unreachable ? EXIT.failed : EXIT.ok;
  } finally {
    await api.close();
  }
}

function line(r: PushResult): string {
  return r.status === 'failed' ? `failed  ${r.session_id}  ${r.error}` : `pushed  ${r.session_id}  ${plural(r.events, 'event')} in ${plural(r.batches, 'batch', 'batches')}`;
}

export async function send(_args: string[], flags: SendFlags, io: Io): Promise<number> {
  const source = flags.file === '-' ? 'stdin' : flags.file;
  let text: string;
  try {
    text = flags.file === '-' ? await readAll(io.stdin) : await readFile(flags.file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flags.file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const events = parseEventLines(text, flags.session, source);
  const { api } = await connectApi(io, flags, 'events', createEventsApi);
  try {
    const batches = toBatches(events);
    for (const batch of batches) await api.sendBatch(flags.session, batch);
    if (flags.json) writeJson(io, { session_id: flags.session, status: 'sent', events: events.length, batches: batches.length });
    else io.stderr.write(`${plural(events.length, 'event')} sent to session ${flags.session} in ${plural(batches.length, 'batch', 'batches')}\n`);
    return EXIT.ok;
  } finally {
    await api.close();
  }
}

export async function create(args: string[], flags: NetFlags, io: Io): Promise<number> {
  const arg = args[0]!;
  const { context, api } = await connectApi(io, flags, 'events', createEventsApi);
  try {
    const file = findSessionFile(arg, context.roots);
    const node = findNode(file, context.roots);
    const children = node.children.filter((c) => c.lineage.kind === 'sub-agent').map((c) => c.header.id);
    const session = await api.startSession(await sessionStartBody(node.path, node.lineage, children, agentVersionFromEnv(io.env)));
    if (flags.json) writeJson(io, { ...session, status: 'created' });
    else io.stdout.write(`${session.session_id ?? node.header.id}  ${String(session.event_name ?? '')}\n`);
    return EXIT.ok;
  } finally {
    await api.close();
  }
}

/** The file's node in the forest of everything under the roots, so its children are known. */
function findNode(file: string, roots: string[]): SessionNode {
  const wanted = resolve(file);
  const stack = buildForest(discover([...roots, file], { required: false }));
  while (stack.length) {
    const node = stack.pop()!;
    if (node.path === wanted) return node;
    stack.push(...node.children);
  }
  throw new UsageError(`${file}: not a session file`);
}
