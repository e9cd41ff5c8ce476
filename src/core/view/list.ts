import type { ViewList, ViewQuery, ViewSummary } from '../../contracts/view.js';
import { UsageError } from '../../errors.js';

/** Sessions per page when the query names no limit, and the most one page holds. */
export const VIEW_PAGE_DEFAULT = 100;
export const VIEW_PAGE_MAX = 1000;

type Sort = NonNullable<ViewQuery['sort']>;
const SORTS: readonly Sort[] = ['started', 'tokens', 'cost', 'duration'];

/**
 * Whether a session passes the list's filters: `q` (case-insensitive, anywhere in the title, cwd,
 * model, agent, session id or a tag), `agent` and `model` (equal, ignoring case), `cwd` (that
 * folder or one below it), `from`/`to` (started at or after / before; a date alone as `to` means
 * before the end of that day), every `tag`, and roots only unless `all`. A root is a session
 * without a parent, or (when `isStored` is given) one whose parent is not stored.
 */
export function matchesQuery(summary: ViewSummary, query: ViewQuery, isStored?: (sessionId: string) => boolean): boolean {
  if (!query.all && summary.parent_session !== null && (isStored === undefined || isStored(summary.parent_session))) return false;
  if (query.agent && summary.agent.toLowerCase() !== query.agent.toLowerCase()) return false;
  if (query.model && summary.model?.toLowerCase() !== query.model.toLowerCase()) return false;
  if (query.cwd && !underFolder(summary.cwd, query.cwd)) return false;
  if (query.tag?.some((tag) => !summary.tags.includes(tag))) return false;
  if (query.from !== undefined || query.to !== undefined) {
    const started = summary.started_at === null ? NaN : Date.parse(summary.started_at);
    if (Number.isNaN(started)) return false;
    if (query.from !== undefined && started < timeOf('from', query.from, false)) return false;
    if (query.to !== undefined && started >= timeOf('to', query.to, true)) return false;
  }
  if (query.q) {
    const q = query.q.toLowerCase();
    const fields = [summary.title, summary.cwd, summary.model, summary.agent, summary.session_id, ...summary.tags];
    if (!fields.some((f) => f !== null && f.toLowerCase().includes(q))) return false;
  }
  return true;
}

/**
 * One page of the list: the sessions that match, sorted (newest first, or most tokens, cost or
 * duration first; unknown figures last; ties by session id), from `cursor` on. A cursor names
 * the last session of the page before by its sort key and id, not by an offset, so sessions
 * stored meanwhile neither repeat nor skip a session on the next page.
 */
export function sortAndPage(summaries: readonly ViewSummary[], query: ViewQuery): ViewList {
  const sort = query.sort ?? 'started';
  if (!SORTS.includes(sort)) throw new UsageError(`sort: "${String(sort)}" is not one of ${SORTS.join(', ')}`);
  const limit = query.limit ?? VIEW_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > VIEW_PAGE_MAX) {
    throw new UsageError(`limit: ${String(limit)} is not a whole number from 1 to ${VIEW_PAGE_MAX}`);
  }
  // Bad dates are the query's fault whether or not any session has a start to compare.
  if (query.from !== undefined) timeOf('from', query.from, false);
  if (query.to !== undefined) timeOf('to', query.to, true);
  const stored = new Set(summaries.map((s) => s.session_id));
  const rows = summaries
    .filter((s) => matchesQuery(s, query, (id) => stored.has(id)))
    .map((s) => ({ key: keyOf(s, sort), id: s.session_id, summary: s }))
    .sort(compare);
  let from = 0;
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor, sort);
    from = rows.findIndex((row) => compare(row, after) > 0);
    if (from < 0) from = rows.length;
  }
  const page = rows.slice(from, from + limit);
  const last = page.at(-1);
  return {
    sessions: page.map((row) => row.summary),
    total: rows.length,
    next_cursor: last && from + limit < rows.length ? encodeCursor(sort, last) : null,
  };
}

interface Position {
  /** The sort figure, higher first; null (unknown) after every known one. */
  key: number | null;
  id: string;
}

function compare(a: Position, b: Position): number {
  if ((a.key === null) !== (b.key === null)) return a.key === null ? 1 : -1;
  if (a.key !== null && b.key !== null && a.key !== b.key) return b.key - a.key;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function keyOf(s: ViewSummary, sort: Sort): number | null {
  switch (sort) {
    case 'tokens':
      return s.tokens.total;
    case 'cost':
      return s.cost;
    case 'duration':
      return s.duration_ms;
    default: {
      const t = s.started_at === null ? NaN : Date.parse(s.started_at);
      return Number.isNaN(t) ? null : t;
    }
  }
}

function encodeCursor(sort: Sort, at: Position): string {
  return Buffer.from(JSON.stringify([sort, at.key, at.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, sort: Sort): Position {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    typeof value[0] !== 'string' ||
    (value[1] !== null && typeof value[1] !== 'number') ||
    typeof value[2] !== 'string'
  ) {
    throw new UsageError('cursor: not a cursor this list gave (pass next_cursor as it came)');
  }
  if (value[0] !== sort) throw new UsageError(`cursor: it pages a list sorted by ${String(value[0])}, not by ${sort}`);
  return { key: value[1] as number | null, id: value[2] };
}

function underFolder(cwd: string | null, folder: string): boolean {
  if (cwd === null) return false;
  const base = folder.replace(/[/\\]+$/, '');
  if (base === '') return /^[/\\]/.test(cwd); // "/": every absolute folder
  return cwd === base || cwd.startsWith(`${base}/`) || cwd.startsWith(`${base}\\`);
}

function timeOf(field: 'from' | 'to', text: string, endOfDay: boolean): number {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`${field}: "${text}" is not an ISO 8601 date or time`);
  return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(text) ? t + 24 * 60 * 60 * 1000 : t;
}
