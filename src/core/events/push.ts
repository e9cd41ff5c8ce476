import { describeError, stopsTheRun, type AuthError, type ConfigError } from '../../errors.js';
import type { EventsApi } from '../../contracts/apis.js';
import type { TraceEvent } from '../../contracts/wire.js';
import { finite, isObject, Ledger } from '../ledger.js';
import type { Logger } from '../logger.js';
import type { Candidate } from '../sessions/discover.js';
import type { AgentName } from '../agents/types.js';
import { scanEntryTree } from '../sessions/entry-tree.js';
import { buildForest, type SessionNode } from '../sessions/forest.js';
import { mapLimit } from '../../util/map-limit.js';
import { untilAborted } from '../../util/signals.js';
import { notAttempted, UnreachableRule } from '../unreachable.js';
import { jsonBatches, toBatches, type JsonBatch } from './batch.js';
import { mapSessionEvents, type MappedEvent } from './map.js';
import { sessionStartBody } from './session-start.js';
import type { Redactor } from '../redact/redactor.js';
import { redactValue } from '../redact/value.js';

export interface PushOptions {
  force: boolean;
  crossSession: boolean;
  maxStringBytes: number;
  concurrency: number;
  /** The agent version from the environment, for files that do not record one. */
  agentVersion?: string;
  /** Whose sessions these may be (see UploadOptions.agents). */
  agents: readonly AgentName[];
  /** What the session starts and the events pass through before they are sent; none = sent as they are. */
  redactor?: Redactor;
}

export interface PushResult {
  file: string;
  session_id: string | null;
  /** `pending`: not attempted, because the backend could not be reached. */
  status: 'pushed' | 'unchanged' | 'failed' | 'pending';
  events: number;
  batches: number;
  error: string | null;
}

/** What the events ledger remembers per backend and file: how far the session was pushed. */
export interface PushMark {
  size: number;
  mtimeMs: number;
  started: boolean;
  /** The last file line whose events the backend acknowledged. */
  line: number;
  events: number;
  at: string;
}

export function openPushLedger(stateDir: string): Ledger<PushMark> {
  return Ledger.load<PushMark>(stateDir, 'events-ledger.json', isPushMark);
}

/** An events ledger entry as every reader of PushMark relies on it; others are dropped on load. */
export function isPushMark(value: unknown): boolean {
  if (!isObject(value)) return false;
  return (
    finite(value.size) &&
    finite(value.mtimeMs) &&
    typeof value.started === 'boolean' &&
    Number.isInteger(value.line) &&
    Number.isInteger(value.events) &&
    typeof value.at === 'string'
  );
}

export interface PushRun {
  sessions: PushResult[];
  /** Set when the run stopped early because the backend could not be reached: why, e.g. ECONNREFUSED. */
  unreachable: string | null;
}

/**
 * Pushes each session's events: starts (or updates) the session on the backend, then sends only
 * the events of lines after the last acknowledged one, in batches. Nothing new = no request. Ids
 * are deterministic, so any retry or rerun is harmless.
 */
export async function pushSessions(
  candidates: Candidate[],
  options: PushOptions,
  deps: {
    api: EventsApi;
    ledger: Ledger<PushMark>;
    backend: string;
    logger: Logger;
    onResult?: (r: PushResult) => void;
    /** The sessions about to be pushed, once known. */
    onStart?: (sessions: { file: string; size: number }[]) => void;
    /** Stops the run (Ctrl-C): nothing new starts, the run returns at once, only acknowledged events are recorded. */
    signal?: AbortSignal;
  },
): Promise<PushRun> {
  const forest = indexForest(buildForest(candidates, options.agents));
  deps.onStart?.([...forest.values()].map((n) => ({ file: n.path, size: n.size })));
  const stopped = deps.signal;
  const results: PushResult[] = [];
  const cross: { node: SessionNode; events: MappedEvent[]; mark: PushMark }[] = [];
  let authError: AuthError | ConfigError | undefined;
  const rule = new UnreachableRule<PushResult>((r) => {
    if (!options.crossSession || r.status !== 'pushed') deps.onResult?.(r);
  });
  const sending = mapLimit([...forest.values()], options.concurrency, async (node) => {
    if (authError || stopped?.aborted) return;
    const result: PushResult = { file: node.path, session_id: node.info.id, status: 'failed', events: 0, batches: 0, error: null };
    let failure: unknown;
    try {
      const previous = options.force ? undefined : deps.ledger.get(deps.backend, node.path);
      if (previous && previous.size === node.size && previous.mtimeMs === node.mtimeMs) {
        result.status = 'unchanged';
      } else if (rule.reason) {
        result.status = 'pending';
        result.error = notAttempted(rule.reason);
      } else {
        // Sent on every push of a changed file, not only the first: a repeat merges metadata, and
        // the active path it records moves whenever the file grows (events keep their first copy).
        const tree = await scanEntryTree(node.path, node.info);
        const children = node.children.filter((c) => c.lineage.kind === 'sub-agent').map((c) => c.info.id);
        const start = await sessionStartBody(node.path, node.info, node.lineage, children, options.agentVersion, tree);
        await deps.api.startSession(redactValue(start, options.redactor));
        // A file that shrank was rewritten: its line numbers moved, so map it from the start (ids dedupe).
        const after = previous && node.size >= previous.size ? previous.line : 0;
        // Redacted as they are mapped, before long strings are cut: the batches need no second pass.
        const events = await mapSessionEvents(node.path, tree, after, options.maxStringBytes, options.redactor);
        const lastLine = Math.max(tree.lastLine, after);
        const mark: PushMark = {
          size: node.size,
          mtimeMs: node.mtimeMs,
          started: true,
          line: lastLine,
          events: (previous?.events ?? 0) + events.length,
          at: new Date().toISOString(),
        };
        if (options.crossSession) {
          // Started, but nothing acknowledged yet: the file does not count as pushed until the send succeeds.
          deps.ledger.set(deps.backend, node.path, {
            size: -1,
            mtimeMs: -1,
            started: true,
            line: previous?.line ?? 0,
            events: previous?.events ?? 0,
            at: mark.at,
          });
          cross.push({ node, events, mark });
          result.events = events.length;
          result.status = 'pushed';
        } else {
          await sendBatches(
            jsonBatches(events.map((e) => e.event)),
            (batch) => deps.api.sendBatch(node.info.id, batch.events, batch.json),
            result,
          );
          deps.ledger.set(deps.backend, node.path, mark);
          result.status = result.events ? 'pushed' : 'unchanged';
        }
      }
    } catch (error) {
      if (stopped?.aborted) return; // cut off by the stop: nothing recorded, the next run sends it
      // A failure every session would meet (a refused credential, a missing bucket) is said once, by the run.
      const stop = stopsTheRun(error);
      if (stop) {
        authError ??= stop;
        return;
      }
      result.error = describeError(error);
      failure = error;
    }
    results.push(result);
    if (result.status === 'pending') deps.onResult?.(result);
    else rule.record(result, failure);
  });
  await (stopped ? Promise.race([sending, untilAborted(stopped)]) : sending);
  rule.finish();
  if (stopped?.aborted) {
    const done = new Set(results.map((r) => r.file));
    for (const node of forest.values())
      if (!done.has(node.path))
        results.push({ file: node.path, session_id: node.info.id, status: 'pending', events: 0, batches: 0, error: null });
  }
  if (authError) {
    await deps.ledger.save();
    throw authError;
  }
  if (cross.length && (rule.reason || stopped?.aborted)) {
    // Started, not sent: the ledger says so (size -1), so the next run sends their events.
    const why = rule.reason ? notAttempted(rule.reason) : null;
    for (const { node } of cross)
      Object.assign(
        results.find((r) => r.file === node.path)!,
        { status: 'pending', events: 0, error: why },
      );
  } else if (cross.length) {
    await pushCrossSession(cross, results, deps);
  }
  await deps.ledger.save();
  return { sessions: results, unreachable: rule.reason ?? null };
}

async function pushCrossSession(
  work: { node: SessionNode; events: MappedEvent[]; mark: PushMark }[],
  results: PushResult[],
  deps: { api: EventsApi; ledger: Ledger<PushMark>; backend: string; onResult?: (r: PushResult) => void },
): Promise<void> {
  const all: TraceEvent[] = work.flatMap(({ node, events }) => events.map((e) => ({ ...e.event, session_id: node.info.id })));
  let error: string | null = null;
  let batches = 0;
  try {
    for (const batch of toBatches(all)) {
      await deps.api.sendCrossSession(batch);
      batches++;
    }
  } catch (e) {
    error = describeError(e);
  }
  for (const { node, mark } of work) {
    const result = results.find((r) => r.file === node.path)!;
    result.batches = batches;
    if (error) {
      result.status = 'failed';
      result.error = error;
    } else {
      deps.ledger.set(deps.backend, node.path, mark);
      if (result.events === 0) result.status = 'unchanged';
    }
    deps.onResult?.(result);
  }
}

function indexForest(tops: SessionNode[]): Map<string, SessionNode> {
  const all = new Map<string, SessionNode>();
  const walk = (n: SessionNode) => {
    all.set(n.path, n);
    n.children.forEach(walk);
  };
  tops.forEach(walk);
  return all;
}

/** Batches of one session in flight at once: the backend stores one while the next travels. */
const BATCHES_IN_FLIGHT = 4;

/**
 * Sends a session's batches, a few at a time (event ids make the order and any resend harmless).
 * The first failure stops what has not started, and is thrown once those in flight have settled.
 */
async function sendBatches(
  batches: Iterator<JsonBatch<TraceEvent>>,
  send: (batch: JsonBatch<TraceEvent>) => Promise<void>,
  result: PushResult,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  // Each sender takes the next batch only when it is free: only the batches in flight are serialized at once.
  const sender = async () => {
    for (let next = batches.next(); !next.done && !failure; next = batches.next()) {
      try {
        await send(next.value);
        result.batches++;
        result.events += next.value.events.length;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, sender));
  if (failure) throw failure.error;
}
