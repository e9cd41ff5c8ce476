import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { call, rawExchange } from '../helpers/http.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { useServed } from '../helpers/served.js';
import { folderStore, storeKinds, type StoreKind, type StorePlace } from '../helpers/stores.js';

let tmp: ReturnType<typeof tempDir>;
let server: RecordingServer;
let url: string;
let place: StorePlace;
const uuid = '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const patchId = 'session_3f1c2a4b5d6e4f708a9b0c1d2e3f4a5b';

beforeEach(() => {
  tmp = tempDir();
});

afterEach(() => tmp.cleanup());

/** Each test of the calling describe gets traces serve over a fresh store of `kind`. */
function serving(kind: StoreKind): void {
  const served = useServed(kind, { maxBytes: 1024 * 1024 });
  beforeEach(() => ({ server, url, place } = served));
}

const token = () => server.token;
const save = (body: unknown) => call(`${url}/api/v1/org/acme/ws/main/sessions`, { method: 'POST', token: token(), json: body });

describe.each(storeKinds())('traces serve on a $name store', (kind) => {
  serving(kind);

  describe('2.1 session files', () => {
    // Dots are encoded too, so that fetch does not resolve `..` in the path before sending it.
    const encode = (id: string) => encodeURIComponent(id).replace(/\./g, '%2E');
    const put = (id: string, body: string, headers: Record<string, string> = {}) =>
      call(`${url}/api/v1/agent-traces/sessions/${encode(id)}`, {
        method: 'PUT',
        token: token(),
        body,
        headers: { 'content-type': 'application/x-ndjson', ...headers },
      });

    it('stores a PUT, overwrites on the next, and reads it back byte-exact', async () => {
      const body = '{"type":"session"}\n{"a":1}\n';
      const first = await put(uuid, body, { 'x-trace-id': 'trace-1' });
      expect(first.status).toBe(200);
      expect(first.json()).toEqual({
        session_id: uuid,
        trace_id: 'trace-1',
        bytes_stored: Buffer.byteLength(body),
        key: `agent-traces/trace-1/${uuid}.jsonl`,
      });
      await put(uuid, '{"type":"session"}\n{"a":2}\n{"b":3}', { 'x-trace-id': 'trace-1' });
      const back = await call(`${url}/api/v1/agent-traces/sessions/${uuid}`, { token: token() });
      expect(back.status).toBe(200);
      expect(back.text).toBe('{"type":"session"}\n{"a":2}\n{"b":3}');
      const list = await call(`${url}/api/v1/agent-traces/sessions`, { token: token() });
      expect(list.json().sessions).toEqual([
        expect.objectContaining({ session_id: uuid, trace_id: 'trace-1', bytes: back.text.length, parent_session: null }),
      ]);
    });

    it('refuses a body that is not NDJSON with 422 and keeps the previous version', async () => {
      await put(uuid, '{"ok":true}\n');
      const bad = await put(uuid, '{"ok":true}\nnot json\n');
      expect(bad.status).toBe(422);
      expect(bad.json()).toEqual({ errors: [{ param: 'body', details: 'line 2 is not valid JSON' }] });
      expect((await server.body(uuid))!.toString()).toBe('{"ok":true}\n');
    });

    it('answers 401 without a valid token', async () => {
      const res = await call(`${url}/api/v1/agent-traces/sessions/${uuid}`, { method: 'PUT', token: 'nope', body: '{}\n' });
      expect(res.status).toBe(401);
      expect(res.json().detail).toBe('invalid token');
    });

    it('answers 413 and 411 before reading any body byte', async () => {
      const path = `/api/v1/agent-traces/sessions/${uuid}`;
      const auth = `Authorization: Bearer ${token()}\r\n`;
      const big = await rawExchange(url, `PUT ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 999999999999\r\n\r\n`);
      expect(big).toMatch(/^HTTP\/1\.1 413 /);
      expect(big).toContain('over the limit of 1048576 bytes');
      const chunked = await rawExchange(url, `PUT ${path} HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n`);
      expect(chunked).toMatch(/^HTTP\/1\.1 411 /);
      expect(await server.body(uuid)).toBeUndefined();
    });

    it('keeps hostile ids inside the store (agent-traces/<trace>/<file>) and reads them back', async () => {
      for (const id of ['..', '../x', 'a/b', '../../etc/passwd', 'ünï/cödé', '.', 'C:\\x']) {
        const res = await put(id, '{"x":1}\n', { 'x-trace-id': '../../trace' });
        expect(res.status).toBe(200);
        const stored = res.json().key as string;
        expect(stored.startsWith('agent-traces/')).toBe(true);
        expect(stored.split('/').length).toBe(3);
        expect(stored.split('/').every((part) => part !== '..' && part !== '.')).toBe(true);
        const back = await call(`${url}/api/v1/agent-traces/sessions/${encode(id)}`, { token: token() });
        expect(back.text).toBe('{"x":1}\n');
      }
    });

    it('leaves one whole body after concurrent overwrites of one session', async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => `${JSON.stringify({ writer: i, pad: String(i).repeat(100_000) })}\n`);
      const answers = await Promise.all(bodies.map((b) => put(uuid, b)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(bodies).toContain((await server.body(uuid))!.toString());
    });
  });

  describe('2.2 metadata saves', () => {
    it('creates with defaults (201), then 409 for the same id', async () => {
      const created = await save({ id: uuid, model: 'claude-sonnet-4-5', labels: { run: ['42'] } });
      expect(created.status).toBe(201);
      expect(created.json()).toMatchObject({
        session_id: uuid,
        message_count: 0,
        origin: 'user',
        visibility: 'private',
        labels: { run: ['42'] },
      });
      expect(created.json().usage.last_generation_input_tokens).toBe(0);
      const again = await save({ id: uuid, model: 'x' });
      expect(again.status).toBe(409);
      expect(again.json()).toMatchObject({ status: 409, type: 'conflict' });
    });

    it('answers 422 with {loc, msg, type} details', async () => {
      const res = await save({ id: 'not-a-uuid', origin: 'robot' });
      expect(res.status).toBe(422);
      const locs = res.json().details.map((d: any) => d.loc.join('.'));
      expect(locs).toEqual(expect.arrayContaining(['body.id', 'body.model', 'body.origin']));
      expect(res.json().details[0]).toHaveProperty('msg');
    });
  });

  describe('2.3 patches', () => {
    const patch = (id: string, body: unknown) => call(`${url}/v1/sessions/${id}`, { method: 'PATCH', token: token(), json: body });

    it('400 for a malformed id, 404 for an unknown one, as problem+json', async () => {
      const bad = await patch('session_123', { title: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toBe('application/problem+json');
      expect(bad.json()).toMatchObject({ status: 400, title: 'Invalid session id' });
      expect((await patch(patchId, { title: 'x' })).status).toBe(404);
    });

    it('patches a known session: title kept when only tags change, tags replaced', async () => {
      await call(`${url}/v1/sessions`, { method: 'POST', token: token(), json: { session_id: uuid } });
      const titled = await patch(patchId, { title: 'First', tags: ['a', 'b'] });
      expect(titled.status).toBe(200);
      expect(titled.json()).toMatchObject({ id: patchId, title: 'First', tags: ['a', 'b'], status: 'active' });
      const retagged = await patch(patchId, { tags: ['c'] });
      expect(retagged.json()).toMatchObject({ title: 'First', tags: ['c'] });
      expect(retagged.json().usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 });
      expect((await patch(patchId, { title: null })).json().title).toBeNull();
    });
  });

  describe('2.4 sessions and events', () => {
    const post = (path: string, body: unknown) => call(`${url}${path}`, { method: 'POST', token: token(), json: body });

    it('starts a session idempotently, merging metadata', async () => {
      const first = await post('/v1/sessions', { session_id: uuid, session_name: 'run', metadata: { a: 1 } });
      expect(first.json()).toMatchObject({ session_id: uuid, event_name: 'run', source: 'unknown', metadata: { a: 1 } });
      const second = await post('/v1/sessions', { session_id: uuid, metadata: { b: 2 }, user_properties: { u: 1 } });
      expect(second.json()).toMatchObject({ session_id: uuid, event_name: 'run', metadata: { a: 1, b: 2 }, user_properties: { u: 1 } });
      const generated = await post('/v1/sessions', { session_id: 'not-a-uuid' });
      expect(generated.json().session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(generated.json().event_name).toBe('unknown');
    });

    it('rejects unknown fields and a bad event_type with 400', async () => {
      expect((await post('/v1/sessions', { session_id: uuid, colour: 'red' })).status).toBe(400);
      const bad = await post(`/v1/sessions/${uuid}/events/batch`, { events: [{ event_type: 'thought', inputs: {} }] });
      expect(bad.status).toBe(400);
      expect(bad.json().error.details[0].loc).toEqual(['body', 'events', 0, 'event_type']);
      expect((await post(`/v1/sessions/${uuid}/events/batch`, { events: [{ event_type: 'tool', inputs: {}, extra: 1 }] })).status).toBe(
        400,
      );
    });

    it('deduplicates events by event_id and lets the path id win', async () => {
      const events = [
        { event_type: 'chain', inputs: { content: 'hi' }, event_id: 'e1', session_id: 'other' },
        { event_type: 'model', inputs: {}, event_id: 'e2' },
      ];
      expect((await post(`/v1/sessions/${uuid}/events/batch`, { events })).json()).toEqual({ success: true });
      await post(`/v1/sessions/${uuid}/events/batch`, { events: [...events, { event_type: 'tool', inputs: {}, event_id: 'e3' }] });
      const stored = await server.traces.store.events.list(uuid);
      expect(stored.map((e) => e.event_id)).toEqual(['e1', 'e2', 'e3']);
      expect(stored.every((e) => e.session_id === uuid)).toBe(true);
    });

    it('cross-session batches answer event_ids, and single_session creates the session', async () => {
      const res = await post('/v1/events/batch', {
        events: [
          { event_type: 'tool', inputs: {}, session_id: uuid, event_id: 'x1' },
          { event_type: 'tool', inputs: {}, session_id: 'b1b2c3d4-0000-4000-8000-000000000000' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.json().event_ids[0]).toBe('x1');
      expect(res.json().event_ids).toHaveLength(2);
      const single = await post('/v1/events/batch', {
        events: [{ event_type: 'chain', inputs: {} }],
        single_session: true,
        session_properties: { session_name: 's' },
      });
      expect(single.json()).toMatchObject({ success: true, session_id: expect.any(String) });
      expect((await server.traces.store.events.getSession(single.json().session_id))?.session_name).toBe('s');
      expect((await post('/v1/events/batch', { events: [{ event_type: 'chain', inputs: {} }] })).status).toBe(400);
    });

    it('answers whoami for a valid token', async () => {
      const res = await call(`${url}/api/v1/user/whoami`, { token: token() });
      expect(res.json()).toMatchObject({ id: 'token-1' });
    });
  });

  describe('traces upload to the served store and to a folder', () => {
    it('archives a tree to a folder in-process with the same results as over HTTP', async () => {
      const home = buildHome(join(tmp.path, 'agent'));
      const archive = join(tmp.path, 'archive');
      const env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
      const local = await runCli(['upload', '--json', '--to', archive], { env });
      expect(local.code).toBe(0);
      expect(local.json()).toMatchObject({ total: 4, uploaded: 4 });
      const grand = local.json().sessions.find((s: any) => s.session_id === home.grandId);
      expect(grand.key).toBe(`agent-traces/${home.rootId}/${home.grandId}.jsonl`);
      expect(readFileSync(join(archive, grand.key)).equals(readFileSync(home.grand))).toBe(true);
      expect((await runCli(['upload', '--json', '--to', `file://${archive}`], { env })).json()).toMatchObject({ unchanged: 4 });

      const remote = await runCli(['upload', '--json', '--to', url], { env: { ...env, TRACES_TOKEN: token() } });
      expect(
        remote
          .json()
          .sessions.map((s: any) => s.key)
          .sort(),
      ).toEqual(
        local
          .json()
          .sessions.map((s: any) => s.key)
          .sort(),
      );
    });
  });
});

// What only a folder store has (its lock files), and what does not depend on the store.
describe('traces serve on a folder store', () => {
  serving(folderStore);

  describe('2.2 metadata saves', () => {
    it('takes the store lock for the id, like every read-modify-write of the store (a crashed holder is taken over)', async () => {
      const crashed = spawnSync(process.execPath, ['-e', '']).pid;
      const lock = join(place.to, '.locks', `metadata-${uuid}.lock`);
      mkdirSync(join(place.to, '.locks'), { recursive: true });
      writeFileSync(lock, `${crashed} left-by-a-crash\n`);
      expect((await save({ id: uuid, model: 'm' })).status).toBe(201);
      expect(existsSync(lock)).toBe(false);
      expect((await save({ id: uuid, model: 'm' })).status).toBe(409);
    });
  });

  describe('traces serve command', () => {
    it('refuses to start without tokens unless --no-auth on loopback', async () => {
      const env = isolatedEnv(tmp.path);
      const none = await runCli(['serve', '--port', '0', '--data', join(tmp.path, 'd')], { env });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('TRACES_SERVE_TOKEN');
      const open = await runCli(['serve', '--host', '0.0.0.0', '--no-auth', '--port', '0'], { env });
      expect(open.code).toBe(2);
      expect(open.stderr).toContain('loopback');
    });
  });

  describe('without authentication', () => {
    it('answers only requests addressed to this machine by name (a rebound DNS name gets 403)', async () => {
      const open = new RecordingServer(join(tmp.path, 'open'), { auth: false });
      const openUrl = await open.start();
      try {
        const list = '/api/v1/agent-traces/sessions';
        expect((await call(`${openUrl}${list}`)).status).toBe(200);
        expect((await call(`${openUrl}${list}`, { headers: { host: `localhost:${new URL(openUrl).port}` } })).status).toBe(200);
        const rebound = await call(`${openUrl}${list}`, { headers: { host: 'attacker.example' } });
        expect(rebound.status).toBe(403);
        expect(rebound.text).toContain('attacker.example');
        // With tokens the Host header is not what protects the data: a token is.
        expect((await call(`${url}${list}`, { token: token(), headers: { host: 'traces.internal.example' } })).status).toBe(200);
      } finally {
        await open.stop();
      }
    });
  });
});
