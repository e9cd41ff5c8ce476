import type { Transform } from 'node:stream';
import type { z } from 'zod';
import type { SessionPatch, SessionStart, TraceEvent } from '../../contracts/wire.js';

/**
 * What a store keeps, and the one interface both stores give: the folder store (`--to DIR`,
 * `traces serve --data DIR`) and the bucket store (`s3://bucket/prefix`). Both use the same keys,
 * so a store copied key by key from one to the other reads back the same.
 */

/** What the store keeps about an uploaded session file (the list view of `traces serve`). */
export interface StoredSessionRecord {
  session_id: string;
  trace_id: string;
  parent_session: string | null;
  bytes: number;
  sha256: string;
  key: string;
  cwd: string | null;
  agent_version: string | null;
  git_repo: string | null;
  git_commit: string | null;
  updated: string;
}

export interface PutSessionInput {
  sessionId: string;
  traceId: string;
  parentId?: string | null;
  cwd?: string | null;
  agentVersion?: string | null;
  gitRepo?: string | null;
  gitCommit?: string | null;
}

/** A body shorter or longer than announced: nothing is stored, the previous version stays. */
export class LengthMismatchError extends Error {}

/** A stored session body, opened for reading: its length is the body's own, not the index's. */
export interface OpenedBody {
  record: StoredSessionRecord;
  size: number;
  stream(): NodeJS.ReadableStream;
  /** Releases the body when it was not streamed. */
  close(): Promise<void>;
}

/** A saved session's metadata as the store keeps it (the answer of a metadata save, plus org and workspace). */
export interface MetadataRecord {
  session_id: string;
  org: string;
  workspace: string;
  model: string;
  message_count: number;
  agent: string | null;
  title: string | null;
  project_id: string | null;
  runtime_id: string | null;
  labels: Record<string, string[]>;
  origin: string;
  visibility: string;
  created_at: string;
  updated_at: string;
  created_by: { id: string; email: string | null };
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_tokens: number;
    cache_creation_tokens: number;
    total_tokens: number;
    last_generation_input_tokens: number;
  };
}

/** The session as a metadata save answers it: the record without where it is filed. */
export type MetadataSession = Omit<MetadataRecord, 'org' | 'workspace'>;

/** The Session object a `PATCH /v1/sessions/{id}` answers. */
export interface PatchedSession {
  id: string;
  title: string | null;
  tags: string[];
  status: string;
  created_at: string;
  updated_at: string;
  usage: { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_creation_tokens: number };
}

export type StoredEvent = TraceEvent & { event_id: string; session_id: string };

/** The session event that `POST /v1/sessions` creates and returns. */
export interface SessionEvent {
  session_id: string;
  event_id: string;
  event_type: 'session';
  event_name: string;
  session_name: string | null;
  source: string;
  start_time: number | null;
  end_time: number | null;
  duration: number | null;
  config: Record<string, unknown>;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  metadata: Record<string, unknown>;
  user_properties: Record<string, unknown>;
  children_ids: string[];
  created_at: string;
  updated_at: string;
}

/**
 * What a metadata save came to; each door (`traces serve`, `--to`) answers it in its own
 * envelope: invalid is a 422, exists a 409 (HTTP) or "exists" (in-process).
 */
export type MetadataSaveOutcome = { status: 'invalid'; error: z.ZodError } | { status: 'created' | 'exists'; session: MetadataSession };

/** What a patch came to; each door answers it in its own envelope. */
export type PatchOutcome = { status: 'invalid_id' } | { status: 'not_found' } | { status: 'patched'; session: PatchedSession };

/** Uploaded session files (the PUT contract). */
export interface SessionStore {
  keyOf(traceId: string, sessionId: string): string;
  /**
   * Stores `length` bytes from `body`, passed through `check` when given (the server's NDJSON
   * check). Fails with LengthMismatchError, or the check's error, leaving the previous version in
   * place, when the body is shorter or longer than announced or does not pass.
   */
  put(
    input: PutSessionInput,
    body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
    length: number,
    check?: Transform,
  ): Promise<StoredSessionRecord>;
  get(sessionId: string): Promise<StoredSessionRecord | undefined>;
  openBody(sessionId: string): Promise<OpenedBody | undefined>;
  list(): Promise<StoredSessionRecord[]>;
}

/** Session starts and their events, deduplicated by `event_id`. */
export interface EventStore {
  /** Idempotent on session_id: a repeat merges metadata and user_properties into the existing session. */
  startSession(body: SessionStart): Promise<{ created: boolean; session: SessionEvent }>;
  /** Adds the events not stored yet; returns every event's id (generated when absent). */
  append(sessionId: string, events: TraceEvent[], storeAtMost?: number): Promise<{ eventIds: string[]; added: number }>;
  list(sessionId: string): Promise<StoredEvent[]>;
  getSession(sessionId: string): Promise<SessionEvent | undefined>;
}

/** One store: what the four wire contracts send, and the rules that decide each answer. */
export interface TraceStore {
  /** For messages: the folder, or `s3://bucket/prefix`. */
  readonly location: string;
  readonly sessions: SessionStore;
  readonly events: EventStore;
  saveMetadata(org: string, workspace: string, body: unknown, user: { id: string; email: string | null }): Promise<MetadataSaveOutcome>;
  patch(id: string, patch: SessionPatch): Promise<PatchOutcome>;
  /** What the patches of `id` (`session_<32 hex>`) came to; undefined when never patched or not such an id. */
  getPatch(id: string): Promise<PatchedSession | undefined>;
  /** Every patch the store holds (one listing, not one read per session: a bucket's requests cost). */
  listPatches(): Promise<PatchedSession[]>;
  /** When the session `uuid` first reached the store by any route; undefined if it never did. */
  knownSince(uuid: string): Promise<string | undefined>;
}
