import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { SessionFileError } from '../../../errors.js';
import { byTimeThenId, type DumpMessage, type JsonObject, type SessionDump } from './dump.js';
import { readDatabaseImage } from './wal.js';

/**
 * The sessions of an opencode database. Schemas read: 1.x's `session`, `message` and `part` (a
 * message's and a part's content in a JSON `data` column), and 2.x's `session_v2` and
 * `session_message` (one row per message, content inside `data`), which 2.x adds beside the 1.x
 * tables it keeps. A session or message in both is taken once, from the 2.x table.
 */

/** Session columns holding JSON (drizzle `text({ mode: "json" })` in opencode's session schema). */
const JSON_COLUMNS = new Set(['summary_diffs', 'revert', 'permission', 'model', 'metadata', 'fork_boundary']);

let sqlModule: Promise<SqlJsStatic> | undefined;

async function sql(): Promise<SqlJsStatic> {
  // Loaded on first use only: the WASM build is not needed by anything but this reader.
  sqlModule ??= import('sql.js').then((m) => m.default());
  return sqlModule;
}

export async function readDatabase(path: string): Promise<SessionDump[]> {
  const image = readDatabaseImage(path);
  const SQL = await sql();
  let db: Database;
  try {
    db = new SQL.Database(image);
  } catch (error) {
    throw new SessionFileError(`${path}: not a readable SQLite database (${String(error)})`, error);
  }
  try {
    return readSessions(db, path);
  } catch (error) {
    if (error instanceof SessionFileError) throw error;
    throw new SessionFileError(`${path}: cannot read opencode's tables (${String(error)})`, error);
  } finally {
    db.close();
  }
}

function readSessions(db: Database, path: string): SessionDump[] {
  const tables = new Set(rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r.name)));
  const sessions = new Map<string, JsonObject>();
  for (const table of ['session', 'session_v2']) {
    if (!tables.has(table)) continue;
    for (const row of rows(db, `SELECT * FROM ${table}`)) sessions.set(String(row.id), sessionRow(row));
  }

  type Row = { time: number; id: string; entry: DumpMessage };
  const messages = new Map<string, Map<string, Row>>();
  const add = (sessionId: string, id: string, time: number, entry: DumpMessage) => {
    let of = messages.get(sessionId);
    if (!of) messages.set(sessionId, (of = new Map<string, Row>()));
    of.set(id, { time, id, entry });
  };
  if (tables.has('message')) {
    const parts = tables.has('part') ? partsByMessage(db, path) : new Map<string, JsonObject[]>();
    for (const row of rows(db, 'SELECT id, session_id, time_created, data FROM message')) {
      const id = String(row.id);
      const data = parseData(row.data, path, `message ${id}`);
      add(String(row.session_id), id, Number(row.time_created), {
        message: { ...data, id, session_id: row.session_id },
        parts: parts.get(id) ?? [],
      });
    }
  }
  // Read after 1.x's rows: a message 2.x copied under the same id is taken from 2.x.
  if (tables.has('session_message')) {
    for (const row of rows(db, 'SELECT id, session_id, type, seq, time_created, data FROM session_message')) {
      const id = String(row.id);
      const data = parseData(row.data, path, `session_message ${id}`);
      add(String(row.session_id), id, Number(row.time_created), {
        message: { ...data, id, session_id: row.session_id, type: row.type, seq: row.seq },
        parts: [],
      });
    }
  }

  return [...sessions.values()].map((session) => ({
    session,
    messages: [...(messages.get(String(session.id))?.values() ?? [])].sort(byTimeThenId).map((m) => m.entry),
  }));
}

function partsByMessage(db: Database, path: string): Map<string, JsonObject[]> {
  const byMessage = new Map<string, JsonObject[]>();
  // Part ids grow with time within a message: opencode reads them in id order.
  for (const row of rows(db, 'SELECT id, message_id, data FROM part ORDER BY message_id, id')) {
    const messageId = String(row.message_id);
    const list = byMessage.get(messageId) ?? [];
    list.push({ ...parseData(row.data, path, `part ${String(row.id)}`), id: row.id });
    byMessage.set(messageId, list);
  }
  return byMessage;
}

function sessionRow(row: Record<string, SqlValue>): JsonObject {
  const session: JsonObject = {};
  for (const [column, value] of Object.entries(row)) {
    session[column] = JSON_COLUMNS.has(column) && typeof value === 'string' ? parseOr(value) : value;
  }
  return session;
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseData(value: SqlValue | undefined, path: string, what: string): JsonObject {
  try {
    const data: unknown = JSON.parse(String(value));
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as JsonObject;
  } catch {
    // named below
  }
  throw new SessionFileError(`${path}: ${what}: its data column is not a JSON object`);
}

function rows(db: Database, query: string): Record<string, SqlValue>[] {
  const statement = db.prepare(query);
  try {
    const out: Record<string, SqlValue>[] = [];
    while (statement.step()) out.push(statement.getAsObject());
    return out;
  } finally {
    statement.free();
  }
}
