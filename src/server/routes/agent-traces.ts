import { pipeline } from 'node:stream/promises';
import { encodeHeaderValue } from '../../backend/header-value.js';
import { LengthMismatchError, type TraceStore } from '../../backend/store/trace-store.js';
import { headerText, HttpProblem, refuseBody, requestBody, sendJson, type Exchange } from '../http.js';
import { NdjsonError, ndjsonCheck } from '../ndjson-check.js';

/** The session-file upload contract's errors: `{detail}`, and `{errors:[{param,details}]}` for a body that is not NDJSON. */
const problem = (status: number, detail: string) => new HttpProblem(status, { detail });

function sessionId(ex: Exchange): string {
  const id = decodeURIComponent(ex.params[0]!);
  if (id.trim() === '') throw problem(400, 'session id is empty');
  return id;
}

/** PUT /api/v1/agent-traces/sessions/{id}: the length is checked before a byte of the body is read. */
export async function putSession(ex: Exchange, store: TraceStore, maxBytes: number): Promise<void> {
  const { req, res } = ex;
  const declared = req.headers['content-length'];
  if (declared === undefined || req.headers['transfer-encoding'] !== undefined) {
    return refuseBody(res, 411, { detail: 'Content-Length is required' });
  }
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length < 0) return refuseBody(res, 400, { detail: 'Content-Length is not a number' });
  if (length > maxBytes) {
    return refuseBody(res, 413, { detail: `body of ${length} bytes is over the limit of ${maxBytes} bytes` });
  }
  const id = sessionId(ex);
  const traceId = headerText(req.headers['x-trace-id']) ?? id;
  const check = ndjsonCheck((n) => (ex.bytesIn += n));
  try {
    const record = await store.sessions.put(
      {
        sessionId: id,
        traceId,
        parentId: headerText(req.headers['x-parent-session']) ?? null,
        cwd: headerText(req.headers['x-cwd']) ?? null,
        agentVersion: headerText(req.headers['x-agent-version']) ?? null,
        gitRepo: headerText(req.headers['x-git-repo']) ?? null,
        gitCommit: headerText(req.headers['x-git-commit']) ?? null,
      },
      requestBody(ex),
      length,
      check,
    );
    sendJson(res, 200, { session_id: record.session_id, trace_id: record.trace_id, bytes_stored: record.bytes, key: record.key });
  } catch (error) {
    if (error instanceof NdjsonError) {
      return refuseBody(res, 422, { errors: [{ param: 'body', details: error.message }] });
    }
    if (error instanceof LengthMismatchError) return refuseBody(res, 400, { detail: error.message });
    throw error;
  }
}

/** GET /api/v1/agent-traces/sessions/{id}: the stored bytes, exactly as uploaded. */
export async function getSession(ex: Exchange, store: TraceStore): Promise<void> {
  const found = await store.sessions.openBody(sessionId(ex));
  if (!found) throw problem(404, 'session not found');
  const { record, size } = found;
  // The length is the opened body's own, not the index's, so a concurrent overwrite cannot mismatch them.
  ex.res.writeHead(200, {
    'content-type': 'application/x-ndjson',
    'content-length': size,
    'x-trace-id': encodeHeaderValue(record.trace_id),
  });
  await pipeline(found.stream(), ex.res);
}

/** GET /api/v1/agent-traces/sessions: every stored session. */
export async function listSessions(ex: Exchange, store: TraceStore): Promise<void> {
  const sessions = (await store.sessions.list()).map((r) => ({
    session_id: r.session_id,
    trace_id: r.trace_id,
    parent_session: r.parent_session,
    bytes: r.bytes,
    updated: r.updated,
    key: r.key,
  }));
  sendJson(ex.res, 200, { sessions });
}
