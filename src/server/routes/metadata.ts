import type { TraceStore } from '../../backend/store/trace-store.js';
import { issueDetails } from '../../contracts/wire.js';
import { HttpProblem, readJsonBody, sendJson, type Exchange } from '../http.js';

/** The metadata contract's error envelope: `{status, message, details:[{loc,msg,type}], type}`. */
export const metadataProblem = (status: number, message: string, details: unknown[] = [], type = 'error') =>
  new HttpProblem(status, { status, message, details, type });

/** POST /api/v1/org/{org}/ws/{workspace}/sessions: 201 with the session, 409 when the id exists. */
export async function saveMetadata(ex: Exchange, store: TraceStore, user: { id: string; email: string | null }): Promise<void> {
  const [org, workspace] = ex.params.map((p) => decodeURIComponent(p)) as [string, string];
  const body = await readJsonBody(ex, (status, message) => metadataProblem(status, message, [], 'invalid_request'));
  const outcome = await store.saveMetadata(org, workspace, body, user);
  if (outcome.status === 'invalid') throw metadataProblem(422, 'validation failed', issueDetails(outcome.error), 'validation_error');
  if (outcome.status === 'exists') throw metadataProblem(409, `session ${outcome.session.session_id} already exists`, [], 'conflict');
  sendJson(ex.res, 201, outcome.session);
}
