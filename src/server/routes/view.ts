import type { TraceStore } from '../../backend/store/trace-store.js';
import type { ViewItem, ViewQuery, ViewSession } from '../../contracts/view.js';
import { sortAndPage } from '../../core/view/list.js';
import { readSessionFileView } from '../../core/view/session.js';
import { treeOf } from '../../core/view/tree.js';
import { UsageError } from '../../errors.js';
import { HttpProblem, sendJson, type Exchange } from '../http.js';
import { problemText, type SummaryIndex } from '../view/summaries.js';

/** The read API's errors: `{detail}`, as the session-file contract's. */
const problem = (status: number, detail: string) => new HttpProblem(status, { detail });

/** Characters of one text a session's items carry at most (the raw file has it whole). */
export const VIEW_MAX_TEXT = 100_000;

const LIST_PARAMS = new Set(['q', 'agent', 'cwd', 'model', 'from', 'to', 'tag', 'all', 'sort', 'limit', 'cursor']);

/** The list's query parameters as a ViewQuery; a parameter the list does not know is refused, not ignored. */
export function viewQueryOf(url: string): ViewQuery {
  const params = new URL(url, 'http://x').searchParams;
  for (const name of params.keys()) if (!LIST_PARAMS.has(name)) throw problem(400, `unknown parameter "${name}"`);
  const query: ViewQuery = {};
  for (const name of ['q', 'agent', 'cwd', 'model', 'from', 'to', 'cursor'] as const) {
    const value = params.get(name);
    if (value !== null && value !== '') query[name] = value;
  }
  const tags = params.getAll('tag').filter((t) => t !== '');
  if (tags.length > 0) query.tag = tags;
  const all = params.get('all');
  if (all !== null) {
    if (!['', 'true', '1', 'false', '0'].includes(all)) throw problem(400, `all: "${all}" is not true or false`);
    query.all = all === '' || all === 'true' || all === '1';
  }
  const sort = params.get('sort');
  if (sort !== null && sort !== '') query.sort = sort as ViewQuery['sort'];
  const limit = params.get('limit');
  if (limit !== null && limit !== '') {
    if (!/^\d+$/.test(limit)) throw problem(400, `limit: "${limit}" is not a whole number`);
    query.limit = Number(limit);
  }
  return query;
}

/** GET /api/v1/view/sessions: one page of the list (ViewList). */
export async function listView(ex: Exchange, index: SummaryIndex): Promise<void> {
  const query = viewQueryOf(ex.req.url ?? '/');
  const summaries = await index.list();
  try {
    sendJson(ex.res, 200, sortAndPage(summaries, query));
  } catch (error) {
    if (error instanceof UsageError) throw problem(400, error.message);
    throw error;
  }
}

function sessionIdOf(ex: Exchange): string {
  return decodeURIComponent(ex.params[0]!);
}

/** GET /api/v1/view/sessions/{id}: the session's summary, its recursion tree and its conversation (ViewSession). */
export async function sessionView(ex: Exchange, index: SummaryIndex): Promise<void> {
  const id = sessionIdOf(ex);
  const found = await index.get(id);
  if (!found) throw problem(404, 'session not found');
  const tree = treeOf(found.all, id)!;
  let items: ViewItem[] = [];
  let summary = found.summary;
  if (summary.problem === null) {
    const body = await index.bodies.fileOf(found.record);
    try {
      if (body) items = (await readSessionFileView(body.path, { maxText: VIEW_MAX_TEXT, items: true })).items;
    } catch (error) {
      // Replaced by a version that does not read (the list learns it on its next refresh).
      summary = { ...summary, problem: problemText(error, found.record) };
    }
  }
  const answer: ViewSession = { summary, tree, items, max_text: VIEW_MAX_TEXT };
  sendJson(ex.res, 200, answer);
}

/** GET /api/v1/view/sessions/{id}/events: the events stored for the session, `{events}`. */
export async function eventsView(ex: Exchange, store: TraceStore): Promise<void> {
  const id = sessionIdOf(ex);
  const events = await store.events.list(id);
  if (events.length === 0 && !(await store.sessions.get(id)) && !(await store.events.getSession(id))) {
    throw problem(404, 'session not found');
  }
  sendJson(ex.res, 200, { events });
}
