import { describe, expect, it } from 'vitest';
import { header } from '../../fixtures/builder.mjs';
import type { ViewList, ViewSession, ViewSummary } from '../../src/contracts/view.js';
import { call } from '../helpers/http.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { useServed } from '../helpers/served.js';
import { storeKinds } from '../helpers/stores.js';
import { until } from '../helpers/until.js';

/**
 * The read API of `traces serve` over a folder and a bucket: the list with its filters and pages,
 * one session with its tree and conversation, its events and its raw bytes, and a list that
 * follows the store (a re-upload is read again, a patch's title and tags are merged in).
 */

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const patchIdOf = (id: string) => `session_${id.replace(/-/g, '')}`;

interface Spec {
  id: string;
  cwd?: string;
  start?: string;
  model?: string;
  title?: string;
  parent?: string;
  /** Model calls, each of 1000 input and 100 output tokens. */
  calls?: number;
}

/** A prime-agent session file: a header, then user/assistant turns (one model call each), then its title. */
function sessionText(spec: Spec): string {
  const start = Date.parse(spec.start ?? '2026-11-01T10:00:00.000Z');
  const lines: object[] = [header({ id: spec.id, cwd: spec.cwd ?? '/work/a', timestamp: new Date(start).toISOString() })];
  let parentId: string | null = null;
  let n = 0;
  const push = (entry: object) => {
    const id = `${spec.id.slice(-4)}${String(n).padStart(4, '0')}`;
    lines.push({ ...entry, id, parentId, timestamp: new Date(start + ++n * 1000).toISOString() });
    parentId = id;
  };
  for (let i = 0; i < (spec.calls ?? 1); i++) {
    push({ type: 'message', message: { role: 'user', content: [{ type: 'text', text: `question ${i}` }] } });
    push({
      type: 'message',
      message: {
        role: 'assistant',
        provider: 'anthropic',
        model: spec.model ?? 'claude-sonnet-4-5',
        content: [{ type: 'text', text: `answer ${i}` }],
        usage: { input: 1000, output: 100, cacheRead: 0, cacheWrite: 0, totalTokens: 1100, cost: { total: 0.01 } },
        stopReason: 'stop',
      },
    });
  }
  if (spec.title) push({ type: 'session_info', name: spec.title });
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe.each(storeKinds())('the read API on a $name store', (kind) => {
  const served = useServed(kind);
  const auth = () => ({ token: served.server.token });
  const put = (spec: Spec, body = sessionText(spec)) =>
    call(`${served.url}/api/v1/agent-traces/sessions/${spec.id}`, {
      method: 'PUT',
      ...auth(),
      body,
      headers: { 'x-trace-id': spec.parent ?? spec.id, ...(spec.parent ? { 'x-parent-session': spec.parent } : {}) },
    });
  const get = (path: string) => call(`${served.url}/api/v1/view${path}`, auth());
  const list = async (query = ''): Promise<ViewList> => {
    const answer = await get(`/sessions${query}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.json<ViewList>();
  };
  const ids = (page: ViewList) => page.sessions.map((s) => s.session_id);
  const patch = (id: string, body: object) =>
    call(`${served.url}/v1/sessions/${patchIdOf(id)}`, { method: 'PATCH', ...auth(), json: body });

  /** Five roots (two agents' worth of variety) and two sub-agents under the first. */
  async function storeSome(): Promise<void> {
    const specs: Spec[] = [
      { id: uuid(1), cwd: '/work/a', start: '2026-11-01T10:00:00.000Z', title: 'refactor the parser', calls: 3 },
      { id: uuid(2), cwd: '/work/a/sub', start: '2026-11-02T10:00:00.000Z', model: 'gpt-5', calls: 1 },
      { id: uuid(3), cwd: '/work/b', start: '2026-11-03T10:00:00.000Z', title: 'fix the tests', calls: 2 },
      { id: uuid(4), cwd: '/work/b', start: '2026-11-04T10:00:00.000Z', calls: 5 },
      { id: uuid(5), cwd: '/work/ab', start: '2026-11-05T10:00:00.000Z', calls: 4 },
      { id: uuid(11), parent: uuid(1), start: '2026-11-01T10:00:30.000Z', calls: 1 },
      { id: uuid(12), parent: uuid(1), start: '2026-11-01T10:00:40.000Z', calls: 2 },
    ];
    for (const spec of specs) expect((await put(spec)).status).toBe(200);
  }

  it('lists the roots newest first, with the figures, the sub-agent count and the upload facts', async () => {
    await storeSome();
    const page = await list();
    expect(page.total).toBe(5);
    expect(ids(page)).toEqual([uuid(5), uuid(4), uuid(3), uuid(2), uuid(1)]);
    expect(page.next_cursor).toBeNull();
    const first = page.sessions.find((s) => s.session_id === uuid(1))!;
    expect(first).toMatchObject<Partial<ViewSummary>>({
      trace_id: uuid(1),
      parent_session: null,
      kind: 'root',
      agent: 'prime-agent',
      title: 'refactor the parser',
      cwd: '/work/a',
      model: 'claude-sonnet-4-5',
      started_at: '2026-11-01T10:00:00.000Z',
      messages: 6,
      tokens: { input: 3000, output: 300, cache_read: 0, cache_write: 0, total: 3300 },
      sub_agents: 2,
      tags: [],
      bytes: Buffer.byteLength(sessionText({ id: uuid(1), cwd: '/work/a', title: 'refactor the parser', calls: 3 })),
      problem: null,
    });
    expect(first.cost).toBeCloseTo(0.03);
    expect(ids(await list('?all=true'))).toHaveLength(7);
  });

  it('shows no agent version when the uploader sent the word "unknown" for one', async () => {
    const spec: Spec = { id: uuid(1) };
    const body = sessionText(spec);
    const answer = await call(`${served.url}/api/v1/agent-traces/sessions/${spec.id}`, {
      method: 'PUT',
      ...auth(),
      body,
      headers: { 'x-trace-id': spec.id, 'x-agent-version': 'unknown' },
    });
    expect(answer.status).toBe(200);
    expect((await list()).sessions[0]).toMatchObject({ session_id: uuid(1), agent: 'prime-agent', agent_version: null });
  });

  it('filters by agent, cwd, model, dates, text and tags, and pages with a cursor', async () => {
    await storeSome();
    expect(ids(await list('?cwd=/work/a'))).toEqual([uuid(2), uuid(1)]);
    expect(ids(await list('?model=GPT-5'))).toEqual([uuid(2)]);
    expect(ids(await list('?agent=prime-agent'))).toHaveLength(5);
    expect(ids(await list('?agent=codex'))).toEqual([]);
    expect(ids(await list('?from=2026-11-03&to=2026-11-04'))).toEqual([uuid(4), uuid(3)]);
    expect(ids(await list('?q=PARSER'))).toEqual([uuid(1)]);
    expect(ids(await list('?sort=tokens'))).toEqual([uuid(4), uuid(5), uuid(1), uuid(3), uuid(2)]);
    expect(ids(await list(`?all=1&q=${uuid(11)}`))).toEqual([uuid(11)]);
    expect((await patch(uuid(3), { tags: ['keep', 'review'] })).status).toBe(200);
    expect((await patch(uuid(4), { tags: ['keep'] })).status).toBe(200);
    expect(ids(await list('?tag=keep'))).toEqual([uuid(4), uuid(3)]);
    expect(ids(await list('?tag=keep&tag=review'))).toEqual([uuid(3)]);

    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page: ViewList = await list(`?all=true&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.total).toBe(7);
      expect(page.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...ids(page));
      cursor = page.next_cursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(ids(await list('?all=true&limit=100')));
  });

  it('refuses a query it cannot answer with 400 naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['?limit=abc', /limit/],
      ['?limit=0', /limit/],
      ['?sort=name', /sort/],
      ['?cursor=garbage', /cursor/],
      ['?from=yesterday', /from/],
      ['?all=maybe', /all/],
      ['?colour=red', /colour/],
    ];
    for (const [query, detail] of cases) {
      const answer = await get(`/sessions${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json().detail).toMatch(detail);
    }
  });

  it('answers one session with its tree and conversation; a sub-agent sits in its root tree', async () => {
    await storeSome();
    const answer = await get(`/sessions/${uuid(1)}`);
    expect(answer.status).toBe(200);
    const view = answer.json<ViewSession>();
    expect(view.summary.session_id).toBe(uuid(1));
    expect(view.max_text).toBeGreaterThan(0);
    expect(view.tree.session_id).toBe(uuid(1));
    expect(view.tree.children.map((c) => c.session_id)).toEqual([uuid(11), uuid(12)]);
    expect(view.tree.subtree).toMatchObject({ sessions: 3, tokens: { total: 6 * 1100 } });
    expect(view.items.map((i) => i.type)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'title']);
    expect(view.items[1]).toMatchObject({ text: 'answer 0', model: 'claude-sonnet-4-5', active: true });

    const child = (await get(`/sessions/${uuid(12)}`)).json<ViewSession>();
    expect(child.summary).toMatchObject({ parent_session: uuid(1), sub_agents: 0 });
    expect(child.tree.session_id).toBe(uuid(1));
    expect((await get('/sessions/nope')).status).toBe(404);
  });

  it('answers the stored events of a session, and its raw bytes as uploaded', async () => {
    const id = uuid(7);
    const body = sessionText({ id, calls: 2 });
    await put({ id }, body);
    const start = await call(`${served.url}/v1/sessions`, { method: 'POST', ...auth(), json: { session_id: id } });
    expect(start.status).toBe(200);
    const events = [
      { event_id: 'e1', event_type: 'model', inputs: { content: 'hi' } },
      { event_id: 'e2', event_type: 'tool', inputs: {} },
    ];
    const batch = await call(`${served.url}/v1/sessions/${id}/events/batch`, { method: 'POST', ...auth(), json: { events } });
    expect(batch.status).toBe(200);
    const answer = await get(`/sessions/${id}/events`);
    expect(answer.status).toBe(200);
    expect(answer.json().events).toEqual(await served.server.traces.store.events.list(id));
    expect(answer.json().events.map((e: { event_id: string }) => e.event_id)).toEqual(['e1', 'e2']);
    expect((await get(`/sessions/${uuid(99)}/events`)).status).toBe(404);

    const raw = await get(`/sessions/${id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('application/x-ndjson');
    expect(raw.text).toBe(body);
    expect((await get(`/sessions/${uuid(99)}/raw`)).status).toBe(404);
  });

  it('reads a re-uploaded session again, merges a patched title, and marks a file that is no session', async () => {
    const id = uuid(8);
    await put({ id, calls: 1 });
    expect((await list()).sessions[0]).toMatchObject({ messages: 2, title: null });
    await put({ id, calls: 3, title: 'grown' });
    expect((await list()).sessions[0]).toMatchObject({ messages: 6, title: 'grown' });
    await patch(id, { title: 'named by hand', tags: ['x'] });
    expect((await list()).sessions[0]).toMatchObject({ title: 'named by hand', tags: ['x'] });
    expect((await get(`/sessions/${id}`)).json<ViewSession>().summary.title).toBe('named by hand');

    await put({ id }, '{"not":"a session"}\n');
    const [broken] = (await list('?all=true')).sessions;
    expect(broken).toMatchObject({ session_id: id, messages: 0, problem: expect.stringContaining(`agent-traces/${id}/${id}.jsonl`) });
    // The server's own paths (its folder, its cache) are not told.
    expect(broken!.problem).not.toContain('/tmp');
    const view = await get(`/sessions/${id}`);
    expect(view.status).toBe(200);
    expect(view.json<ViewSession>().items).toEqual([]);
  });

  it('sees what another process stored once its refresh time has passed', async () => {
    await put({ id: uuid(1) });
    const other = new RecordingServer(await served.place.another(), { viewRefreshMs: 0 });
    await other.start();
    try {
      const otherList = async () => (await call(`${other.url}/api/v1/view/sessions`, { token: other.token })).json<ViewList>();
      expect(ids(await otherList())).toEqual([uuid(1)]);
      await put({ id: uuid(2), start: '2026-11-02T10:00:00.000Z' });
      await until(async () => ids(await otherList()).length === 2, 'the other server to list the new session');
      expect(ids(await otherList())).toEqual([uuid(2), uuid(1)]);
    } finally {
      await other.stop();
    }
  });
});
