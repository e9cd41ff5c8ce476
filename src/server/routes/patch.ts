import type { TraceStore } from '../../backend/store/trace-store.js';
import { patchSchema } from '../../contracts/wire.js';
import { HttpProblem, readJsonBody, sendJson, type Exchange } from '../http.js';

/** The patch contract's errors are RFC 9457 problem+json. */
const problem = (status: number, title: string, detail: string) =>
  new HttpProblem(status, { type: 'about:blank', title, status, detail }, 'application/problem+json');

/** PATCH /v1/sessions/{session_<32 hex>}: title and/or tags (tags replace the list). */
export async function patchSession(ex: Exchange, store: TraceStore): Promise<void> {
  const id = decodeURIComponent(ex.params[0]!);
  const body = await readJsonBody(ex, (status, message) => problem(status, 'Bad Request', message));
  const parsed = patchSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw problem(400, 'Bad Request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const outcome = await store.patch(id, parsed.data);
  if (outcome.status === 'invalid_id') throw problem(400, 'Invalid session id', `"${id}" is not of the form session_<32 hex digits>`);
  if (outcome.status === 'not_found') throw problem(404, 'Not Found', `session ${id} not found`);
  sendJson(ex.res, 200, outcome.session);
}
