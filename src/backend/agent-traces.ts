import { ApiError } from '../errors.js';
import type { Snapshot } from '../core/sessions/snapshot.js';
import type { SessionToUpload, StoredSession, UploadTarget } from '../core/upload-target.js';
import { backendId } from '../contracts/backend-id.js';
import { hashedBody } from './hashed-body.js';
import { encodeHeaderValue } from './header-value.js';
import type { HttpClient } from './http-client.js';

/**
 * What X-Agent-Version says when no version of the agent is known. prime-agent always sends the
 * header, so a backend may expect one; this word cannot be mistaken for a version number.
 */
const UNKNOWN_AGENT_VERSION = 'unknown';

interface PutAnswer {
  session_id?: string;
  trace_id?: string;
  bytes_stored?: number;
  key?: string;
}

export function sessionPath(sessionId: string): string {
  return `/api/v1/agent-traces/sessions/${encodeURIComponent(sessionId)}`;
}

/** The session upload over HTTP: a streamed PUT per session, retried with a fresh file stream. */
export class HttpUploadTarget implements UploadTarget {
  readonly id: string;

  constructor(private readonly client: HttpClient) {
    this.id = backendId({ kind: 'http', url: client.baseUrl });
  }

  endpoint(sessionId: string): string {
    return `PUT ${this.id}${sessionPath(sessionId)}`;
  }

  async put(session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> {
    let last: { snapshot: Snapshot; digest: () => Promise<string | undefined> } | undefined;
    const response = await this.client.request<PutAnswer>({
      method: 'PUT',
      path: sessionPath(session.sessionId),
      idempotent: true,
      headers: { ...sessionHeaders(session), 'content-type': 'application/x-ndjson' },
      body: async () => {
        const snapshot = await open();
        const hashed = hashedBody(snapshot);
        last = { snapshot, digest: () => hashed.digest() };
        // The file stays open until its hash is known: a worker may still be reading it.
        return { body: hashed.body, length: snapshot.length, release: () => hashed.digest().then(() => snapshot.close()) };
      },
    });
    const { snapshot, digest } = last!;
    const answer = typeof response.data === 'object' && response.data !== null ? response.data : {};
    if (typeof answer.bytes_stored === 'number' && answer.bytes_stored !== snapshot.length) {
      throw new ApiError(`server stored ${answer.bytes_stored} bytes of ${snapshot.length} sent`, {
        status: 502,
        body: JSON.stringify(answer),
      });
    }
    if (typeof answer.key !== 'string' || answer.key === '') {
      throw new ApiError(`unexpected answer to the upload (no storage key): ${JSON.stringify(response.data).slice(0, 200)}`, {
        status: 502,
        body: typeof response.data === 'string' ? response.data : JSON.stringify(response.data),
      });
    }
    const hash = await digest();
    if (hash === undefined) {
      throw new ApiError('server answered before reading the whole body', { status: 502, body: JSON.stringify(answer) });
    }
    return {
      key: answer.key,
      bytes: snapshot.length,
      hash,
      size: snapshot.size,
      mtimeMs: snapshot.mtimeMs,
      traceId: answer.trace_id,
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }

  abort(): Promise<void> {
    return this.client.destroy();
  }
}

/** The headers that describe a session in its PUT, each value encoded so that it arrives unchanged. */
export function sessionHeaders(session: SessionToUpload): Record<string, string> {
  const headers: Record<string, string> = {
    'x-trace-id': encodeHeaderValue(session.traceId),
    'x-cwd': encodeHeaderValue(session.cwd),
    'x-agent-version': encodeHeaderValue(session.agentVersion ?? UNKNOWN_AGENT_VERSION),
  };
  if (session.parentId !== undefined) headers['x-parent-session'] = encodeHeaderValue(session.parentId);
  if (session.git?.repoUrl) headers['x-git-repo'] = encodeHeaderValue(session.git.repoUrl);
  if (session.git?.commit) headers['x-git-commit'] = encodeHeaderValue(session.git.commit);
  return headers;
}
