import type { HttpClient } from './http-client.js';
import type { EventsApi } from '../contracts/apis.js';
import type { SessionStart, TraceEvent } from '../contracts/wire.js';
import type { TraceStore } from './store/trace-store.js';

export class HttpEventsApi implements EventsApi {
  constructor(private readonly client: HttpClient) {}

  async startSession(body: SessionStart): Promise<Record<string, unknown>> {
    // Idempotent on session_id: a repeat merges metadata and returns the existing session.
    const response = await this.client.request<Record<string, unknown>>({
      method: 'POST',
      path: '/v1/sessions',
      json: body,
      idempotent: true,
    });
    return response.data ?? {};
  }

  async sendBatch(sessionId: string, events: TraceEvent[], json?: string): Promise<void> {
    // Every event carries a deterministic event_id: a retry after a 500 that stored half cannot duplicate.
    const path = `/v1/sessions/${encodeURIComponent(sessionId)}/events/batch`;
    if (json === undefined) {
      await this.client.request({ method: 'POST', path, json: { events }, idempotent: true });
      return;
    }
    const body = Buffer.from(json);
    await this.client.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: async () => ({ body, length: body.length }),
      idempotent: true,
    });
  }

  async sendCrossSession(events: TraceEvent[]): Promise<string[]> {
    const response = await this.client.request<{ event_ids?: string[] }>({
      method: 'POST',
      path: '/v1/events/batch',
      json: { events },
      idempotent: true,
    });
    return response.data?.event_ids ?? [];
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export class StoreEventsApi implements EventsApi {
  constructor(private readonly store: TraceStore) {}

  async startSession(body: SessionStart): Promise<Record<string, unknown>> {
    return { ...(await this.store.events.startSession(body)).session };
  }

  async sendBatch(sessionId: string, events: TraceEvent[]): Promise<void> {
    await this.store.events.append(sessionId, events);
  }

  async sendCrossSession(events: TraceEvent[]): Promise<string[]> {
    const ids: string[] = [];
    for (const event of events) ids.push(...(await this.store.events.append(event.session_id ?? 'unknown', [event])).eventIds);
    return ids;
  }

  async close(): Promise<void> {}
}
