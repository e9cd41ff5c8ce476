import { ApiError } from '../errors.js';
import type { HttpClient } from './http-client.js';
import type { SaveOutcome, SessionsApi } from '../contracts/apis.js';
import type { MetadataSave, SessionPatch } from '../contracts/wire.js';
import type { TraceStore } from './store/trace-store.js';

const asObject = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

export class HttpSessionsApi implements SessionsApi {
  constructor(private readonly client: HttpClient) {}

  async save(org: string, workspace: string, body: MetadataSave): Promise<SaveOutcome> {
    try {
      const response = await this.client.request({
        method: 'POST',
        path: `/api/v1/org/${encodeURIComponent(org)}/ws/${encodeURIComponent(workspace)}/sessions`,
        json: body,
        // The id is chosen by the client: a repeat cannot create a second session, so retrying is safe.
        idempotent: true,
      });
      return { status: 'saved', session: asObject(response.data) };
    } catch (error) {
      // 409: the server has it already, including when our first attempt's answer was lost.
      if (error instanceof ApiError && error.status === 409) return { status: 'exists', session: { session_id: body.id } };
      throw error;
    }
  }

  async patch(id: string, patch: SessionPatch): Promise<Record<string, unknown>> {
    const response = await this.client.request({
      method: 'PATCH',
      path: `/v1/sessions/${encodeURIComponent(id)}`,
      json: patch,
      idempotent: true,
    });
    return asObject(response.data);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** `--to DIR`: the same contracts against the embedded store, answering with the same statuses. */
export class StoreSessionsApi implements SessionsApi {
  constructor(private readonly store: TraceStore) {}

  async save(org: string, workspace: string, body: MetadataSave): Promise<SaveOutcome> {
    const outcome = await this.store.saveMetadata(org, workspace, body, { id: 'local', email: null });
    if (outcome.status === 'invalid') {
      const detail = outcome.error.issues.map((i) => `${['body', ...i.path].join('.')}: ${i.message}`).join('; ');
      throw new ApiError(`422 validation failed; ${detail}`, { status: 422, body: '' });
    }
    return { status: outcome.status === 'created' ? 'saved' : 'exists', session: { ...outcome.session } };
  }

  async patch(id: string, patch: SessionPatch): Promise<Record<string, unknown>> {
    const outcome = await this.store.patch(id, patch);
    if (outcome.status === 'invalid_id') throw new ApiError(`400 invalid session id "${id}"`, { status: 400, body: '' });
    if (outcome.status === 'not_found') throw new ApiError(`404 session ${id} not found`, { status: 404, body: '' });
    return { ...outcome.session };
  }

  async close(): Promise<void> {}
}
