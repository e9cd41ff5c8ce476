import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createEventsApi } from '../backend/connect.js';
import { backendId } from '../config/backend.js';
import { jsonBatches } from '../core/events/batch.js';
import { redactValue } from '../core/redact/value.js';
import { openPushLedger, pushSessions, type PushResult } from '../core/events/push.js';
import { parseEventLines } from '../core/events/send.js';
import { sessionStartBody } from '../core/events/session-start.js';
import { discoverSessions } from '../core/sessions/discover.js';
import { findSessionFile } from '../core/sessions/find.js';
import { buildForest, type SessionNode } from '../core/sessions/forest.js';
import { EXIT, SIGNAL_EXIT, UsageError } from '../errors.js';
import { countStatuses, plural, shortener } from '../output/format.js';
import { interruptedLine, unreachableLine } from '../output/upload-report.js';
import { createProgress } from '../output/progress.js';
import { interruption } from '../util/signals.js';
import { writeJson, type Io } from '../output/io.js';
import { readAll } from '../output/prompt.js';
import { agentVersionFromEnv } from '../core/sessions/agent-version.js';
import { flagOrSetting } from '../util/defaults.js';
import { agentsFor, connectApi, scanRoots } from './context.js';
import { redactorFor } from './redaction.js';
import { exportRootOf, type AgentName } from '../core/agents/registry.js';
import type { PushFlags, SendFlags } from './events.def.js';
import type { CreateFlags } from './sessions.def.js';
import { asText } from '../util/text.js';

export async function push(paths: string[], flags: PushFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const { context, api, logger } = await connectApi(io, flags, 'events', createEventsApi);
  // --verbose prints every request as it goes: a live line would only be torn by them.
  const progress = createProgress(io, { label: 'Pushing', json: flags.json, quiet: flags.quiet || flags.verbose, color: flags.color });
  const stop = interruption(signals);
  try {
    const scanned = paths.length ? paths : scanRoots(context);
    const agents = agentsFor(context, paths);
    // Agents' stores that could not be read (each warned about): the run goes on, and exits 1.
    let unreadable = 0;
    const candidates = await discoverSessions(scanned, {
      required: paths.length > 0,
      agents,
      exportRoot: exportRootOf(context.stateDir),
      onProblem: (file, reason) => {
        unreadable++;
        logger.warn(`${file}: ${reason}`);
      },
    });
    const short = shortener(paths.length ? paths : [dirname(context.roots[0] ?? io.cwd)], io);
    const ledger = openPushLedger(context.stateDir);
    if (ledger.problem) logger.warn(ledger.problem);
    const counts = { done: 0, total: 0, failed: 0, bytes: 0, totalBytes: 0 };
    const sizes = new Map<string, number>();
    const { sessions: results, unreachable } = await pushSessions(
      candidates,
      {
        force: Boolean(flags.force),
        crossSession: Boolean(flags.crossSession),
        maxStringBytes: flags.maxString,
        concurrency: flagOrSetting(flags.concurrency, context.settings, 'concurrency'),
        agentVersion: agentVersionFromEnv(io.env),
        agents,
        redactor: await redactorFor(context.settings, io.env, flags),
      },
      {
        api,
        ledger,
        backend: backendId(context.backend),
        logger,
        signal: stop.signal,
        onStart: (sessions) => {
          for (const s of sessions) sizes.set(s.file, s.size);
          Object.assign(counts, { total: sessions.length, totalBytes: sessions.reduce((n, s) => n + s.size, 0) });
          progress.update(counts);
        },
        onResult: (r) => {
          if (r.status !== 'pending') Object.assign(counts, { done: counts.done + 1, bytes: counts.bytes + (sizes.get(r.file) ?? 0) });
          if (r.status === 'failed') counts.failed++;
          progress.update(counts);
          const shown = r.status === 'failed' || (r.status === 'pushed' && !progress.interactive && !flags.quiet) || flags.verbose;
          if (!flags.json && shown && r.status !== 'unchanged' && r.status !== 'pending') progress.line(line(r, short));
        },
      },
    ).finally(() => {
      stop.dispose();
      progress.stop();
    });
    const by = stop.by();
    if (by) {
      const pushed = results.filter((r) => r.status === 'pushed').length;
      io.stderr.write(`${interruptedLine(pushed, results.filter((r) => r.status !== 'unchanged').length)}\n`);
      if (flags.json)
        writeJson(io, {
          ...countStatuses(results, ['pushed', 'unchanged', 'failed', 'pending'] as const),
          interrupted: true,
          sessions: results,
        });
      return SIGNAL_EXIT[by];
    }
    const counted = countStatuses(results, ['pushed', 'unchanged', 'failed', 'pending'] as const);
    const failed = counted.failed;
    const events = results.reduce((n, r) => n + r.events, 0);
    // For people, with --json too (stderr), as for any error that stops a run.
    if (unreachable) io.stderr.write(`${unreachableLine(backendId(context.backend), unreachable, failed + counted.pending)}\n`);
    if (flags.json) writeJson(io, { ...counted, events, unreachable, sessions: results });
    else {
      const pending = counted.pending ? `, ${counted.pending} not attempted` : '';
      io.stderr.write(
        `${plural(events, 'event')} from ${plural(counted.pushed, 'session')} pushed, ${counted.unchanged} unchanged, ${failed} failed${pending}\n`,
      );
    }
    return failed || unreachable || unreadable ? EXIT.failed : EXIT.ok;
  } finally {
    // Stopped: requests in flight are not waited for (the process ends with them).
    if (!stop.by()) await api.close();
  }
}

function line(r: PushResult, short: (file: string) => string): string {
  return r.status === 'failed'
    ? `failed  ${r.session_id}  ${r.error}`
    : `pushed  ${r.session_id}  ${plural(r.events, 'event')} in ${plural(r.batches, 'batch', 'batches')}  ${short(r.file)}`;
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
  const { context, api } = await connectApi(io, flags, 'events', createEventsApi);
  try {
    const batches = [...jsonBatches(events, { redactor: await redactorFor(context.settings, io.env, flags) })];
    for (const batch of batches) await api.sendBatch(flags.session, batch.events, batch.json);
    if (flags.json) writeJson(io, { session_id: flags.session, status: 'sent', events: events.length, batches: batches.length });
    else
      io.stderr.write(
        `${plural(events.length, 'event')} sent to session ${flags.session} in ${plural(batches.length, 'batch', 'batches')}\n`,
      );
    return EXIT.ok;
  } finally {
    await api.close();
  }
}

export async function create(args: string[], flags: CreateFlags, io: Io): Promise<number> {
  const arg = args[0]!;
  const { context, api } = await connectApi(io, flags, 'events', createEventsApi);
  try {
    const exportRoot = exportRootOf(context.stateDir);
    const file = await findSessionFile(arg, context.roots, context.agents.paths, exportRoot);
    const node = await findNode(file, context.roots, context.agents.paths, exportRoot);
    const children = node.children.filter((c) => c.lineage.kind === 'sub-agent').map((c) => c.info.id);
    const start = await sessionStartBody(node.path, node.info, node.lineage, children, agentVersionFromEnv(io.env));
    const session = await api.startSession(redactValue(start, await redactorFor(context.settings, io.env, flags)));
    if (flags.json) writeJson(io, { ...session, status: 'created' });
    else io.stdout.write(`${asText(session.session_id, node.info.id)}  ${asText(session.event_name)}\n`);
    return EXIT.ok;
  } finally {
    await api.close();
  }
}

/** The file's node in the forest of everything under the roots, so its children are known. */
async function findNode(file: string, roots: string[], agents: readonly AgentName[], exportRoot: string): Promise<SessionNode> {
  const wanted = resolve(file);
  const stack = buildForest(await discoverSessions([...roots, file], { required: false, agents, exportRoot }), agents);
  while (stack.length) {
    const node = stack.pop()!;
    if (node.path === wanted) return node;
    stack.push(...node.children);
  }
  throw new UsageError(`${file}: not a session file`);
}
