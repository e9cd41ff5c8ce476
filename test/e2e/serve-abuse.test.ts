import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { headOf, rawConnection, within, type RawConnection } from '../helpers/raw-socket.js';
import { spawnServe, type Served } from '../helpers/spawn.js';

const id = '0b7e5f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const sessionPath = `/api/v1/agent-traces/sessions/${id}`;
const v1 = '{"type":"session","v":1}\n{"n":1}\n';
const v2 = '{"type":"session","v":2}\n{"n":2}\n';
let tmp: ReturnType<typeof tempDir>;
let served: Served | undefined;
let open: RawConnection[] = [];

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  for (const c of open) c.socket.destroy();
  open = [];
  served?.child.kill('SIGKILL');
  await served?.exited;
  served = undefined;
  tmp.cleanup();
});

const raw = (head: string) => {
  const c = rawConnection(served!.url, head);
  open.push(c);
  return c;
};
const statusOf = (text: string) => /HTTP\/1\.1 (?!100 )(\d{3}) /.exec(text)?.[1];
const bodyOf = (text: string) => JSON.parse(text.slice(text.lastIndexOf('\r\n\r\n') + 4));
const tempFiles = (data: string) => {
  const folder = join(data, 'agent-traces', id);
  return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.tmp')) : [];
};

/** A request on one kept-alive connection (the agent holds one socket and reuses it). */
function onConnection(
  agent: Agent,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string; reused: boolean }> {
  const target = new URL(path, served!.url);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method, agent, headers: body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, reused: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('traces serve under abuse', () => {
  it('answers 408 to a body or headers that go quiet, closes the connection and keeps the stored version whole', async () => {
    const data = join(tmp.path, 'data');
    const token = 'serve-token-7f3a9c';
    const auth = { Authorization: `Bearer ${token}` };
    served = await spawnServe(['--data', data, '--body-timeout', '500ms'], { TRACES_SERVE_TOKEN: token });
    expect((await call(`${served.url}${sessionPath}`, { method: 'PUT', body: v1, token })).status).toBe(200);

    const upload = raw(`${headOf('PUT', sessionPath, 100_000, auth)}{"n":2}\n`);
    const start = raw(`${headOf('POST', '/v1/sessions', 100, auth)}{"session_id":`);
    const save = raw(`${headOf('POST', '/api/v1/org/o/ws/w/sessions', 100, auth)}{"id":`);
    const headers = raw(`PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-`);
    await within(Promise.all([upload, start, save, headers].map((c) => c.closed)), 'the server to close the stalled connections');

    expect(statusOf(upload.text())).toBe('408');
    expect(bodyOf(upload.text()).detail).toMatch(/no data .*500 ms/);
    expect(statusOf(start.text())).toBe('408');
    expect(bodyOf(start.text()).error.message).toMatch(/no data/);
    expect(statusOf(save.text())).toBe('408');
    expect(bodyOf(save.text())).toMatchObject({ status: 408, message: expect.stringMatching(/no data/) });
    expect(statusOf(headers.text())).toBe('408');

    expect(tempFiles(data)).toEqual([]);
    expect((await call(`${served.url}${sessionPath}`, { token })).text).toBe(v1);
    expect(served.stderr()).toMatch(new RegExp(`PUT ${sessionPath} 408 `));
    expect(served.stderr()).not.toContain(token);
  });

  it('drops connections over --max-connections and serves again once the stalled ones time out', async () => {
    served = await spawnServe(['--no-auth', '--data', join(tmp.path, 'data'), '--max-connections', '2', '--body-timeout', '1s']);
    const stalled = [raw(headOf('PUT', sessionPath, 1000)), raw(headOf('PUT', sessionPath, 1000))];
    await within(Promise.all(stalled.map((c) => c.continued)), 'the stalled uploads to be accepted');

    const extra = raw('GET /api/v1/user/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await within(extra.closed, 'the connection over the cap to be closed');
    expect(extra.text()).toBe('');
    expect(served.stderr()).toMatch(/--max-connections 2/);

    await within(Promise.all(stalled.map((c) => c.closed)), 'the stalled uploads to time out');
    for (const c of stalled) expect(statusOf(c.text())).toBe('408');
    expect(await within(whoamiOnceFree(served.url), 'a normal request to be served')).toBe(200);
    expect(served.child.exitCode).toBeNull();
  });

  it('keeps serving when it runs out of file descriptors: 503 + Retry-After, nothing lost, 200 once they are free', async () => {
    const data = join(tmp.path, 'data');
    // 128: Node and the lazily loaded modules need about 100 descriptors to start at all.
    served = await spawnServe(['--no-auth', '--data', data, '--body-timeout', '2s', '--max-connections', '1000'], {}, { fileLimit: 128 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await onConnection(agent, 'PUT', sessionPath, v1)).status).toBe(200);
      // Keep that connection busy (never idle long enough to be closed) while the descriptors run out.
      let keepBusy = true;
      const busy = (async () => {
        while (keepBusy) expect((await onConnection(agent, 'GET', '/api/v1/user/whoami')).status).toBe(200);
      })();

      const stalled: RawConnection[] = [];
      const stops: (() => void)[] = [];
      let refused: RawConnection | undefined;
      while (!refused && stalled.length < 400) {
        // A JSON body is read whole before the store opens a file: each stalled one holds only its socket.
        const batch = Array.from({ length: 20 }, () => raw(`${headOf('POST', '/v1/sessions', 1_000_000)}{"session_name":`));
        stalled.push(...batch);
        await within(
          Promise.all(batch.map((c) => Promise.race([c.continued.then(() => stops.push(c.trickle(200))), c.closed]))),
          'each connection to be accepted or closed',
        );
        refused = batch.find((c) => c.socket.destroyed && !c.text().includes('100 Continue'));
      }
      expect(refused, 'a connection refused for lack of descriptors').toBeDefined();
      keepBusy = false;
      await busy;

      const got = await onConnection(agent, 'GET', sessionPath);
      expect(got.reused).toBe(true);
      expect(got.status).toBe(503);
      expect(got.headers['retry-after']).toBeDefined();
      const save = await onConnection(agent, 'POST', '/api/v1/org/o/ws/w/sessions', JSON.stringify({ id, model: 'm' }));
      expect([save.reused, save.status, save.headers['retry-after'] !== undefined]).toEqual([true, 503, true]);
      const put = await onConnection(agent, 'PUT', sessionPath, v2);
      expect([put.reused, put.status, put.headers['retry-after'] !== undefined]).toEqual([true, 503, true]);
      const events = JSON.stringify({ events: [{ event_id: 'e1', event_type: 'tool', inputs: {} }] });
      const batch = await onConnection(agent, 'POST', `/v1/sessions/${id}/events/batch`, events);
      expect([batch.reused, batch.status, batch.headers['retry-after'] !== undefined]).toEqual([true, 503, true]);
      expect(readFileSync(join(data, 'agent-traces', id, `${id}.jsonl`), 'utf8')).toBe(v1);
      expect(tempFiles(data)).toEqual([]);

      for (const stop of stops) stop();
      await within(Promise.all(stalled.map((c) => c.closed)), 'the stalled requests to time out');
      expect(statusOf(stalled.find((c) => c.text().includes('100 Continue'))!.text())).toBe('408');
      expect(await within(putOnceFree(served.url, v2), 'the upload to be served')).toBe(200);
      expect((await call(`${served.url}${sessionPath}`)).text).toBe(v2);
      expect((await call(`${served.url}/api/v1/org/o/ws/w/sessions`, { method: 'POST', json: { id, model: 'm' } })).status).toBe(201);
      expect(
        (
          await call(`${served.url}/v1/sessions/${id}/events/batch`, {
            method: 'POST',
            body: events,
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(200);
      expect(
        readFileSync(join(data, 'events', id, 'events.ndjson'), 'utf8')
          .split('\n')
          .filter(Boolean),
      ).toHaveLength(1);
      expect(tempFiles(data)).toEqual([]);
      expect(served.child.exitCode).toBeNull();
    } finally {
      agent.destroy();
    }
  });
});

/**
 * A server that just closed its last stalled connection may not have counted it out when the next
 * connection arrives: a refused connection is retried (a new one each time), an answer is returned.
 */
async function untilServed(attempt: () => Promise<number>): Promise<number> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!/ECONNRESET|socket hang up|EPIPE/.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
const whoamiOnceFree = (url: string) => untilServed(async () => (await call(`${url}/api/v1/user/whoami`)).status);
const putOnceFree = (url: string, body: string) =>
  untilServed(async () => (await call(`${url}${sessionPath}`, { method: 'PUT', body })).status);
