import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { readJsonLines } from '../../sessions/lines.js';
import type { AgentAdapter, DescribeResult, Entry, FirstLine, Scope, SessionInfo } from '../types.js';
import { MESSAGE_LINE, SESSION_LINE, type JsonObject } from './dump.js';
import { EntryChain, iso, messageEntries, timeOf } from './entries.js';
import { exportStore } from './store.js';
import { uuidV5 } from '../../../util/uuid-v5.js';

/**
 * opencode's sessions, read from the files `exportOpencode` writes (one NDJSON file per session:
 * the session's row, then its messages with their parts). Its homes are opencode's data folders,
 * where the database (or the older `storage/` folder) is exported from.
 */
/** The UUID an opencode session is known by (its own `ses_…` id is no UUID, which metadata and events need). */
export function opencodeSessionId(nativeId: string): string {
  return uuidV5(`opencode:${nativeId}`);
}

export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  label: 'opencode',

  homes(env, home) {
    const data = env.XDG_DATA_HOME ? join(env.XDG_DATA_HOME, 'opencode') : join(home, '.local', 'share', 'opencode');
    const db = env.OPENCODE_DB;
    // OPENCODE_DB names the database: an absolute path, or a name inside the data folder (":memory:" keeps nothing).
    if (db && db !== ':memory:') return [isAbsolute(db) ? db : join(data, db)];
    return [data];
  },

  wants: (fileName) => fileName.endsWith('.jsonl'),

  // What changes while opencode writes: its database and WAL, the JSON files of the older storage/.
  changes: (fileName) => /^opencode(-[A-Za-z0-9._-]+)?\.db(-wal)?$/.test(fileName) || /^(ses|msg|prt)_[A-Za-z0-9]+\.json$/.test(fileName),

  exportStore,

  recognises: (first) => sessionLine(first) !== undefined,

  describe(path: string, first: FirstLine, scope: Scope): DescribeResult {
    const session = sessionLine(first);
    if (!session) return { ok: false, reason: `line 1: not an ${SESSION_LINE} line` };
    const facts = sessionFacts(session);
    if (!facts.id) return { ok: false, reason: 'line 1: session.id is missing' };
    if (facts.created === undefined) return { ok: false, reason: 'line 1: session.time_created is missing' };
    const info: SessionInfo = {
      agent: 'opencode',
      id: opencodeSessionId(facts.id),
      nativeId: facts.id,
      timestamp: iso(facts.created),
      cwd: facts.directory ?? '',
      kind: facts.parentId ? 'sub-agent' : 'root',
    };
    if (facts.version) info.agentVersion = facts.version;
    if (facts.model) info.modelId = facts.model;
    if (facts.parentId) {
      info.parentId = opencodeSessionId(facts.parentId);
      const dir = dirname(path);
      const names = scope.memo(`opencode:ls:${dir}`, () => new Set(listNames(dir)));
      if (names.has(`${facts.parentId}.jsonl`)) info.parentPath = join(dir, `${facts.parentId}.jsonl`);
    }
    return { ok: true, info };
  },

  async *entries(path: string, info: SessionInfo): AsyncGenerator<Entry> {
    const chain = new EntryChain();
    const start = Date.parse(info.timestamp);
    for await (const { value, line } of readJsonLines(path)) {
      const record = value as { type?: unknown; session?: unknown; message?: unknown; parts?: unknown };
      if (line === 1) {
        const title = sessionFacts((record.session ?? {}) as JsonObject).title;
        if (title) yield chain.push({ type: 'session_info', id: `${info.id}/title`, timestamp: info.timestamp, name: title });
        continue;
      }
      if (record.type !== MESSAGE_LINE || !record.message || typeof record.message !== 'object') continue;
      const parts = Array.isArray(record.parts) ? (record.parts as JsonObject[]) : [];
      yield* messageEntries(record.message as JsonObject, parts, chain, start);
    }
  },
};

function sessionLine(first: FirstLine): JsonObject | undefined {
  const value = first.value as { type?: unknown; session?: unknown } | undefined;
  if (!value || typeof value !== 'object' || value.type !== SESSION_LINE) return undefined;
  return value.session && typeof value.session === 'object' ? (value.session as JsonObject) : {};
}

interface SessionFacts {
  id?: string;
  created?: number;
  directory?: string;
  version?: string;
  parentId?: string;
  title?: string;
  model?: string;
}

/** A database row says `time_created`, `parent_id`; a 1.x JSON file `time.created`, `parentID`. */
function sessionFacts(s: JsonObject): SessionFacts {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const created = typeof s.time_created === 'number' ? s.time_created : timeOf(s.time);
  const model = s.model && typeof s.model === 'object' ? str((s.model as { id?: unknown }).id) : undefined;
  return {
    id: str(s.id),
    created,
    directory: str(s.directory),
    version: str(s.version),
    parentId: str(s.parent_id) ?? str(s.parentID),
    title: str(s.title),
    model,
  };
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
