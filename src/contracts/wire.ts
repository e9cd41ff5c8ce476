import { z } from 'zod';

/**
 * The wire contracts' bodies and ids, shared by core (which builds them) and backend/server (which
 * send, check and store them). The routes and answers are summed up in docs/ARCHITECTURE.md.
 */

/** A metadata save: `POST /api/v1/org/{org}/ws/{workspace}/sessions`. */
export const metadataSaveSchema = z.object({
  id: z.uuid(),
  model: z.string().min(1),
  message_count: z.number().int().min(0).default(0),
  agent: z.string().optional(),
  title: z.string().optional(),
  project_id: z.string().optional(),
  runtime_id: z.uuid().nullable().optional(),
  labels: z.record(z.string(), z.array(z.string())).optional(),
  origin: z.enum(['user', 'worker', 'eval']).default('user'),
  visibility: z.enum(['private', 'workspace']).default('private'),
});
export type MetadataSave = z.input<typeof metadataSaveSchema>;

/** A patch, `PATCH /v1/sessions/{id}`: only the fields given change; `tags` replaces the list. */
export const patchSchema = z.strictObject({
  title: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
});
export type SessionPatch = z.infer<typeof patchSchema>;

export { PATCH_ID, patchIdOf, uuidOfPatchId } from './patch-id.js';

/** A UUID in its usual text form (any version): what header ids must be for metadata saves and session starts. */
export const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const jsonObject = z.record(z.string(), z.unknown());
const ms = z.number().finite();

/**
 * How deep objects and arrays may nest in an event or a session start. Deeper values are refused
 * up front (400 with the field's path) instead of failing when they are written out.
 */
export const MAX_EVENT_DEPTH = 64;

/**
 * The path of the first object or array in `value` nested deeper than `max` levels (the fields of
 * `value` itself are level 1), or undefined. Stops at the bound, so it never recurses further.
 */
export function tooDeepAt(value: unknown, max = MAX_EVENT_DEPTH, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (path.length > max) return path;
  const children: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of children) {
    const found = tooDeepAt(child, max, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

export const tooDeepMessage = (max = MAX_EVENT_DEPTH) => `nested deeper than ${max} levels`;

const boundedDepth = (value: object, ctx: z.core.$RefinementCtx) => {
  const path = tooDeepAt(value);
  if (path) ctx.addIssue({ code: 'custom', message: tooDeepMessage(), path });
};

/** A session start, `POST /v1/sessions`. No required field; unknown fields are rejected. */
export const sessionStartSchema = z
  .strictObject({
    session_id: z.string().optional(),
    session_name: z.string().optional(),
    event_name: z.string().optional(),
    source: z.string().optional(),
    start_time: ms.optional(),
    end_time: ms.optional(),
    duration: ms.optional(),
    config: jsonObject.optional(),
    inputs: jsonObject.optional(),
    outputs: jsonObject.optional(),
    metadata: jsonObject.optional(),
    user_properties: jsonObject.optional(),
    children_ids: z.array(z.string()).optional(),
  })
  .superRefine(boundedDepth);
export type SessionStart = z.infer<typeof sessionStartSchema>;

/** One event of a batch (`POST /v1/sessions/{id}/events/batch`, `POST /v1/events/batch`). */
export const eventSchema = z
  .strictObject({
    event_type: z.enum(['model', 'tool', 'chain', 'session']),
    inputs: jsonObject,
    event_id: z.string().optional(),
    session_id: z.string().optional(),
    event_name: z.string().optional(),
    source: z.string().optional(),
    parent_id: z.string().nullable().optional(),
    children_ids: z.array(z.string()).optional(),
    config: jsonObject.optional(),
    outputs: z.unknown().optional(),
    error: z.string().nullable().optional(),
    start_time: ms.optional(),
    end_time: ms.optional(),
    duration: ms.optional(),
    metadata: jsonObject.optional(),
    feedback: jsonObject.optional(),
    metrics: jsonObject.optional(),
    user_properties: jsonObject.optional(),
  })
  .superRefine(boundedDepth);
export type TraceEvent = z.infer<typeof eventSchema>;

export const eventBatchSchema = z.strictObject({ events: z.array(eventSchema) });

export const crossSessionBatchSchema = z.strictObject({
  events: z.array(eventSchema),
  single_session: z.boolean().optional(),
  session_properties: sessionStartSchema.optional(),
});

/** zod issues as `{loc, msg, type}` (the metadata contract's error details). */
export function issueDetails(error: z.ZodError, root = 'body'): { loc: (string | number)[]; msg: string; type: string }[] {
  return error.issues.map((issue) => ({
    loc: [root, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    msg: issue.message,
    type: issue.code,
  }));
}
