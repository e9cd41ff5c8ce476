import type { MetadataSave, SessionPatch, SessionStart, TraceEvent } from './wire.js';

/**
 * What core asks of a backend for metadata saves, patches and events. core calls these; backend/
 * implements them over HTTP and over the local store, so core never names an implementation.
 */

/** A metadata save's result: `exists` when the backend had the id already (a 409 over HTTP). */
export type SaveOutcome = { status: 'saved' | 'exists'; session: Record<string, unknown> };

/** Metadata saves and patches (see README, wire contracts). */
export interface SessionsApi {
  save(org: string, workspace: string, body: MetadataSave): Promise<SaveOutcome>;
  patch(id: string, patch: SessionPatch): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Session starts and event batches (see README, wire contracts). Every call is safe to repeat. */
export interface EventsApi {
  startSession(body: SessionStart): Promise<Record<string, unknown>>;
  /** `json`, when given, is `{"events":[...]}` of exactly these events, already serialized (sent as it is over HTTP). */
  sendBatch(sessionId: string, events: TraceEvent[], json?: string): Promise<void>;
  sendCrossSession(events: TraceEvent[]): Promise<string[]>;
  close(): Promise<void>;
}
