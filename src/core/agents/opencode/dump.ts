/**
 * One opencode session as the export writes it: the session's row (or JSON object), then its
 * messages in order, each with its parts in order. Both of opencode's stores (the SQLite database
 * from 1.2, the JSON files under `storage/` before it) are read into this one shape.
 */
/** The `type` of an export's line 1, and of each message line after it. */
export const SESSION_LINE = 'opencode.session';
export const MESSAGE_LINE = 'opencode.message';

export type JsonObject = Record<string, unknown>;

export interface DumpMessage {
  /** The message's data with its `id` and `session_id` (and, for opencode 2.x rows, `type` and `seq`). */
  message: JsonObject;
  /** Its parts' data, each with its `id` (opencode 2.x keeps a message's content inside it: none here). */
  parts: JsonObject[];
}

export interface SessionDump {
  session: JsonObject;
  messages: DumpMessage[];
}

/** opencode's ids (`ses_…`, `msg_…`, `prt_…`) grow with time: order by creation time, then id, as opencode lists them. */
export function byTimeThenId(a: { time: number; id: string }, b: { time: number; id: string }): number {
  return a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
