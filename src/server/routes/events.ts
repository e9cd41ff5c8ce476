import type { ZodError } from 'zod';
import type { TraceStore } from '../../backend/store/trace-store.js';
import { crossSessionBatchSchema, eventBatchSchema, issueDetails, sessionStartSchema } from '../../contracts/wire.js';
import { HttpProblem, readJsonBody, sendJson, type Exchange, isMachineError } from '../http.js';

/** Test seams: misbehaviour on purpose. */
export interface ServerFaults {
  /** For a batch of n new events, store only the number returned and answer 500. */
  partialBatch?: (n: number) => number | undefined;
}

/** The events contract's errors: `{error:{message, details}}`; validation failures are 400. */
const problem = (status: number, message: string, details: unknown[] = []) => new HttpProblem(status, { error: { message, details } });

async function validBody<T>(
  ex: Exchange,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } },
): Promise<T> {
  const body = await readJsonBody(ex, problem);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw problem(400, 'invalid request', issueDetails(parsed.error));
  return parsed.data;
}

/** POST /v1/sessions: idempotent on session_id (a repeat merges metadata and user_properties). */
export async function startSession(ex: Exchange, store: TraceStore): Promise<void> {
  const body = await validBody(ex, sessionStartSchema);
  const { session } = await store.events.startSession(body);
  sendJson(ex.res, 200, session);
}

/** POST /v1/sessions/{id}/events/batch: the path id wins over any session_id in an event. */
export async function sessionBatch(ex: Exchange, store: TraceStore, faults: ServerFaults): Promise<void> {
  const sessionId = decodeURIComponent(ex.params[0]!);
  const { events } = await validBody(ex, eventBatchSchema);
  const cut = faults.partialBatch?.(events.length);
  try {
    await store.events.append(sessionId, events, cut);
  } catch (error) {
    // Out of descriptors or space: the server answers 503/507, which the client retries later.
    if (isMachineError(error)) throw error;
    throw problem(500, 'internal error while storing events');
  }
  sendJson(ex.res, 200, { success: true });
}

/** POST /v1/events/batch: events of many sessions, or of one new session (`single_session`). */
export async function crossSessionBatch(ex: Exchange, store: TraceStore): Promise<void> {
  const body = await validBody(ex, crossSessionBatchSchema);
  let single: string | undefined;
  if (body.single_session) single = (await store.events.startSession(body.session_properties ?? {})).session.session_id;
  const bySession = new Map<string, { index: number; event: (typeof body.events)[number] }[]>();
  for (const [index, event] of body.events.entries()) {
    const sessionId = single ?? event.session_id;
    if (!sessionId)
      throw problem(400, 'invalid request', [
        { loc: ['body', 'events', index, 'session_id'], msg: 'required unless single_session', type: 'missing' },
      ]);
    let group = bySession.get(sessionId);
    if (!group) bySession.set(sessionId, (group = []));
    group.push({ index, event });
  }
  const eventIds = new Array<string>(body.events.length);
  for (const [sessionId, group] of bySession) {
    const { eventIds: ids } = await store.events.append(
      sessionId,
      group.map((g) => g.event),
    );
    group.forEach((g, i) => (eventIds[g.index] = ids[i]!));
  }
  sendJson(ex.res, 200, { event_ids: eventIds, ...(single ? { session_id: single } : {}), success: true });
}
