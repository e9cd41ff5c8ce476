import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ApiError } from '../../errors.js';
import {
  tooDeepAt,
  tooDeepMessage,
  UUID_TEXT,
  type metadataSaveSchema,
  type SessionPatch,
  type SessionStart,
  type TraceEvent,
} from '../../contracts/wire.js';
import type {
  MetadataRecord,
  MetadataSaveOutcome,
  PatchedSession,
  PutSessionInput,
  SessionEvent,
  StoredSessionRecord,
} from './trace-store.js';

/**
 * The rules that decide what a store keeps, shared by the folder store and the bucket store, so
 * the two give the same answers: they differ only in how a write is made safe against others.
 */

/** The record of an uploaded session file: what its PUT said, where its body is, its size and hash. */
export function sessionRecord(input: PutSessionInput, key: string, bytes: number, sha256: string): StoredSessionRecord {
  return {
    session_id: input.sessionId,
    trace_id: input.traceId,
    parent_session: input.parentId ?? null,
    bytes,
    sha256,
    key,
    cwd: input.cwd ?? null,
    agent_version: input.agentVersion ?? null,
    git_repo: input.gitRepo ?? null,
    git_commit: input.gitCommit ?? null,
    updated: new Date().toISOString(),
  };
}

/** A new metadata record, as the first save of an id creates it. */
export function metadataRecord(
  org: string,
  workspace: string,
  body: z.output<typeof metadataSaveSchema>,
  user: { id: string; email: string | null },
  now = new Date().toISOString(),
): MetadataRecord {
  return {
    session_id: body.id,
    org,
    workspace,
    model: body.model,
    message_count: body.message_count,
    agent: body.agent ?? null,
    title: body.title ?? null,
    project_id: body.project_id ?? null,
    runtime_id: body.runtime_id ?? null,
    labels: body.labels ?? {},
    origin: body.origin,
    visibility: body.visibility,
    created_at: now,
    updated_at: now,
    created_by: user,
    usage: {
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      total_tokens: 0,
      last_generation_input_tokens: 0,
    },
  };
}

/** What a metadata save answers: the record kept, without where it is filed. */
export function saveOutcome(created: boolean, record: MetadataRecord): MetadataSaveOutcome {
  const { org: _o, workspace: _w, ...session } = record;
  return { status: created ? 'created' : 'exists', session };
}

/** A patch applied: only the fields present change; a title stays when only tags change, tags are replaced whole. */
export function patched(current: PatchedSession | undefined, id: string, patch: SessionPatch, createdAt: string): PatchedSession {
  const now = new Date().toISOString();
  const base = current ?? {
    id,
    title: null,
    tags: [],
    status: 'active',
    created_at: createdAt,
    updated_at: now,
    usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
  };
  const next: PatchedSession = { ...base, updated_at: now };
  if (patch.title !== undefined) next.title = patch.title;
  if (patch.tags !== undefined) next.tags = patch.tags ?? [];
  return next;
}

/** The id a session start is kept under: its own when it is a UUID (lower-cased), else a new one. */
export function sessionStartId(body: SessionStart): string {
  return body.session_id && UUID_TEXT.test(body.session_id) ? body.session_id.toLowerCase() : randomUUID();
}

/** A session start applied: a new session event, or a repeat's metadata and user_properties merged into the one kept. */
export function startedSession(existing: SessionEvent | undefined, sessionId: string, body: SessionStart): SessionEvent {
  const now = new Date().toISOString();
  if (existing) {
    return {
      ...existing,
      metadata: { ...existing.metadata, ...body.metadata },
      user_properties: { ...existing.user_properties, ...body.user_properties },
      updated_at: now,
    };
  }
  return {
    session_id: sessionId,
    event_id: sessionId,
    event_type: 'session',
    event_name: body.event_name ?? body.session_name ?? 'unknown',
    session_name: body.session_name ?? null,
    source: body.source ?? 'unknown',
    start_time: body.start_time ?? null,
    end_time: body.end_time ?? null,
    duration: body.duration ?? null,
    config: body.config ?? {},
    inputs: body.inputs ?? {},
    outputs: body.outputs ?? {},
    metadata: body.metadata ?? {},
    user_properties: body.user_properties ?? {},
    children_ids: body.children_ids ?? [],
    created_at: now,
    updated_at: now,
  };
}

/**
 * What a batch adds to a session's events: every event's id (generated when absent) and the lines
 * of the events not stored yet (`known`), each id once. At most `storeAtMost` lines are taken
 * (a test seam for "stored part of a batch"); `cut` says some were left out for it.
 */
export function newEventLines(
  sessionId: string,
  events: TraceEvent[],
  known: ReadonlySet<string>,
  storeAtMost = Number.POSITIVE_INFINITY,
): { eventIds: string[]; lines: string[]; adding: Set<string>; cut: boolean } {
  const eventIds: string[] = [];
  const lines: string[] = [];
  const adding = new Set<string>();
  let cut = false;
  for (const event of events) {
    const eventId = event.event_id ?? randomUUID();
    eventIds.push(eventId);
    if (known.has(eventId) || adding.has(eventId)) continue;
    if (lines.length >= storeAtMost) {
      cut = true;
      continue;
    }
    adding.add(eventId);
    lines.push(JSON.stringify({ ...event, event_id: eventId, session_id: sessionId }));
  }
  return { eventIds, lines, adding, cut };
}

/** Events stored as NDJSON, read back; a torn last line (a crash mid-append) was never acknowledged and is skipped. */
export function parseEventLines<T>(text: string): T[] {
  const events: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      events.push(JSON.parse(line) as T);
    } catch {
      // a torn line from a crash mid-append
    }
  }
  return events;
}

/** Each event once, at its first place: segments a store without conditional writes wrote twice read back once. */
export function uniqueEvents<T extends { event_id: string }>(events: T[]): T[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.event_id) && (seen.add(event.event_id), true));
}

/** The store's own check of the depth bound, for callers that reach it without the HTTP schema (`--to DIR`, `--to s3://`). */
export function refuseTooDeep(value: object, prefix: string): void {
  const path = tooDeepAt(value);
  if (!path) return;
  const message = `${prefix}${path.join('.')}: ${tooDeepMessage()}`;
  throw new ApiError(message, { status: 400, body: JSON.stringify({ error: { message } }) });
}
