import { describe, expect, it } from 'vitest';
import { call, type Answer } from './http.js';
import type { StorePlace } from './stores.js';

/** Two `traces serve` on one store place, each with its own store: what the tests send to. */
export interface TwoServers {
  urls: [string, string];
  token: string;
  /** The place both serve. */
  place: StorePlace;
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const patchIdOf = (id: string) => `session_${id.replace(/-/g, '')}`;
const event = (id: string) => ({ event_id: id, event_type: 'tool', inputs: { id } });

/** How many times each event id is held in the store's own files or objects for the session (a read dedups; this does not). */
export async function heldIds(place: StorePlace, sessionId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const key of await place.keys(`events/${sessionId}/`)) {
    if (!key.endsWith('.ndjson')) continue;
    for (const line of ((await place.read(key)) ?? '').split('\n').filter(Boolean)) {
      const id = (JSON.parse(line) as { event_id: string }).event_id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

/** `count` batches of `size` ids, each overlapping the previous one by half. */
export function overlappingBatches(count: number, size: number): string[][] {
  return Array.from({ length: count }, (_, b) => Array.from({ length: size }, (_, i) => `e-${b * (size / 2) + i}`));
}

const statuses = (answers: Answer[]) => answers.map((a) => `${a.status} ${a.status >= 300 ? a.text : ''}`.trim());

/**
 * The folder store's invariants, through two servers on one store at once. `servers()` gives the
 * two servers of the running test (started by the caller's beforeEach: in-process or spawned).
 */
export function twoServerInvariants(servers: () => TwoServers): void {
  const send = (i: number, path: string, init: Parameters<typeof call>[1]) => {
    const { urls, token } = servers();
    return call(`${urls[i % 2]}${path}`, { token, ...init });
  };

  describe('through two servers on one store at once', () => {
    it('stores every event of overlapping batches exactly once, and answers every batch 200', async () => {
      const sid = uuid(1);
      const batches = overlappingBatches(20, 50);
      const answers = await Promise.all(
        batches.map((ids, i) => send(i, `/v1/sessions/${sid}/events/batch`, { method: 'POST', json: { events: ids.map(event) } })),
      );
      expect(statuses(answers)).toEqual(batches.map(() => '200'));
      const all = [...new Set(batches.flat())].sort();
      const held = await heldIds(servers().place, sid);
      expect([...held.keys()].sort()).toEqual(all);
      expect([...held.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      expect((await (await servers().place.another()).events.list(sid)).map((e) => e.event_id).sort()).toEqual(all);
    });

    it('stores every event of overlapping cross-session batches exactly once, in its own session', async () => {
      const sids = [uuid(2), uuid(3)];
      const batches = overlappingBatches(12, 40);
      const answers = await Promise.all(
        batches.map((ids, i) =>
          send(i, '/v1/events/batch', {
            method: 'POST',
            json: { events: ids.map((id, j) => ({ ...event(id), session_id: sids[j % 2] })) },
          }),
        ),
      );
      expect(statuses(answers)).toEqual(batches.map(() => '200'));
      for (const [s, sid] of sids.entries()) {
        const expected = [...new Set(batches.flatMap((ids) => ids.filter((_, j) => j % 2 === s)))].sort();
        const held = await heldIds(servers().place, sid);
        expect([...held.keys()].sort()).toEqual(expected);
        expect([...held.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      }
    });

    it('loses no patch: a title and a tags patch sent at once through the two servers both hold, round after round', async () => {
      const sid = uuid(4);
      expect((await send(0, '/v1/sessions', { method: 'POST', json: { session_id: sid } })).status).toBe(200);
      const path = `/v1/sessions/${patchIdOf(sid)}`;
      for (let round = 0; round < 15; round++) {
        const answers = await Promise.all([
          send(round, path, { method: 'PATCH', json: { title: `title ${round}` } }),
          send(round + 1, path, { method: 'PATCH', json: { tags: [`tag-${round}`] } }),
        ]);
        expect(statuses(answers)).toEqual(['200', '200']);
        // Each was applied on top of the latest: the later of the two carries the other's change too.
        const now = await send(round, path, { method: 'PATCH', json: {} });
        expect(now.json()).toMatchObject({ title: `title ${round}`, tags: [`tag-${round}`] });
      }
    });

    it('answers every one of many patches sent at once 200, ending on one of them', async () => {
      const sid = uuid(5);
      expect((await send(0, '/v1/sessions', { method: 'POST', json: { session_id: sid } })).status).toBe(200);
      const path = `/v1/sessions/${patchIdOf(sid)}`;
      const titles = Array.from({ length: 20 }, (_, i) => `t${i}`);
      const answers = await Promise.all(titles.map((title, i) => send(i, path, { method: 'PATCH', json: { title, tags: [title] } })));
      expect(statuses(answers)).toEqual(titles.map(() => '200'));
      const end = (await send(0, path, { method: 'PATCH', json: {} })).json();
      expect(titles).toContain(end.title);
      expect(end.tags).toEqual([end.title]);
    });

    it('creates a metadata record once: of saves of one id through both, exactly one 201, the rest 409', async () => {
      const id = uuid(6);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          send(i, '/api/v1/org/acme/ws/main/sessions', { method: 'POST', json: { id, model: `model-${i}` } }),
        ),
      );
      const codes = answers.map((a) => a.status).sort();
      expect(codes).toEqual([201, ...Array(9).fill(409)]);
      const again = await send(1, '/api/v1/org/acme/ws/main/sessions', { method: 'POST', json: { id, model: 'x' } });
      expect(again.status).toBe(409);
    });

    it('lists on each server the sessions PUT through both, and reads each back through the other', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => uuid(100 + i));
      const body = (id: string) => `{"type":"session","id":"${id}"}\n`;
      const answers = await Promise.all(
        ids.map((id, i) =>
          send(i, `/api/v1/agent-traces/sessions/${id}`, {
            method: 'PUT',
            body: body(id),
            headers: { 'content-type': 'application/x-ndjson', 'x-trace-id': `trace-${i % 3}` },
          }),
        ),
      );
      expect(statuses(answers)).toEqual(ids.map(() => '200'));
      for (const i of [0, 1]) {
        const listed = (await send(i, '/api/v1/agent-traces/sessions', {}))
          .json()
          .sessions.map((s: { session_id: string }) => s.session_id);
        expect(listed.sort()).toEqual([...ids].sort());
      }
      for (const [i, id] of ids.entries()) expect((await send(i + 1, `/api/v1/agent-traces/sessions/${id}`, {})).text).toBe(body(id));
    });
  });
}
