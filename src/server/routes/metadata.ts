import type { LocalStore } from '../../backend/store/index.js';
import { issueDetails, metadataSaveSchema } from '../../contracts/wire.js';
import { HttpProblem, readJsonBody, sendJson, type Exchange } from '../http.js';

/** DESIGN §2.2 envelope: `{status, message, details:[{loc,msg,type}], type}`. */
export const metadataProblem = (status: number, message: string, details: unknown[] = [], type = 'error') =>
  new HttpProblem(status, { status, message, details, type });

/** POST /api/v1/org/{org}/ws/{workspace}/sessions: 201 with the session, 409 when the id exists. */
export async function saveMetadata(ex: Exchange, store: LocalStore, user: { id: string; email: string | null }): Promise<void> {
  const [org, workspace] = ex.params.map((p) => decodeURIComponent(p)) as [string, string];
  const body = await readJsonBody(ex, (status, message) => metadataProblem(status, message, [], 'invalid_request'));
  const parsed = metadataSaveSchema.safeParse(body);
  if (!parsed.success) throw metadataProblem(422, 'validation failed', issueDetails(parsed.error), 'validation_error');
  const { created, record } = store.metadata.create(org, workspace, parsed.data, user);
  if (!created) throw metadataProblem(409, `session ${record.session_id} already exists`, [], 'conflict');
  const { org: _o, workspace: _w, ...session } = record;
  sendJson(ex.res, 201, session);
}
