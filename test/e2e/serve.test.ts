import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { spawnServe, type Served } from '../helpers/spawn.js';
import { until } from '../helpers/until.js';

const id = '0b7e5f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
let tmp: ReturnType<typeof tempDir>;
let served: Served | undefined;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  served?.child.kill('SIGKILL');
  await served?.exited;
  served = undefined;
  tmp.cleanup();
});

/** Opens a PUT announcing `length` bytes; the caller writes the body piece by piece. */
function openPut(
  url: string,
  length: number,
): { req: ClientRequest; answer: Promise<{ status: number; body: string; connection?: string }> } {
  const target = new URL(`${url}/api/v1/agent-traces/sessions/${id}`);
  let req!: ClientRequest;
  const answer = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
    req = request(
      target,
      { method: 'PUT', headers: { 'content-length': String(length), 'content-type': 'application/x-ndjson' } },
      (res: IncomingMessage) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
      },
    );
    req.on('error', reject);
  });
  return { req, answer };
}

const line = (n: number) => `${JSON.stringify({ n, pad: 'p'.repeat(1000) })}\n`;

describe('traces serve as a process', () => {
  it('keeps the previous version whole when killed -9 in the middle of an overwrite', async () => {
    const data = join(tmp.path, 'data');
    served = await spawnServe(['--no-auth', '--data', data]);
    const v1 = line(1).repeat(3);
    expect((await call(`${served.url}/api/v1/agent-traces/sessions/${id}`, { method: 'PUT', body: v1 })).status).toBe(200);

    const { req, answer } = openPut(served.url, 10 * 1024 * 1024);
    answer.catch(() => undefined);
    req.write(line(2).repeat(1000));
    const folder = join(data, 'agent-traces', id);
    const staging = join(data, '.staging'); // where the store writes every temp file
    await until(() => existsSync(staging) && readdirSync(staging).some((f) => f.endsWith('.tmp')), 'the temp file of the overwrite');
    served.child.kill('SIGKILL');
    await served.exited;
    req.destroy();

    expect(readFileSync(join(folder, `${id}.jsonl`), 'utf8')).toBe(v1);
    served = await spawnServe(['--no-auth', '--data', data]);
    expect((await call(`${served.url}/api/v1/agent-traces/sessions/${id}`)).text).toBe(v1);
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    served = await spawnServe(['--no-auth', '--data', join(tmp.path, 'data')]);
    const body = line(7).repeat(200);
    const { req, answer } = openPut(served.url, Buffer.byteLength(body));
    req.write(body.slice(0, 1000));
    await until(() => served!.stderr().includes('no authentication'), 'the start-up line');
    await new Promise((r) => setTimeout(r, 100));
    served.child.kill('SIGTERM');
    await until(() => served!.stderr().includes('SIGTERM'), 'the shutdown line');
    req.end(body.slice(1000));
    const result = await answer;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body).bytes_stored).toBe(Buffer.byteLength(body));
    // A server on its way out does not keep the connection for another request (which would hold
    // the process until the keep-alive timeout).
    expect(result.connection).toBe('close');
    expect(await served.exited).toBe(0);
  });
});

describe('traces serve keeps its web list current for the next start', () => {
  it('reads a burst of uploads in the background once quiet, so the cache a restart starts from holds them', async () => {
    const state = join(tmp.path, 'state');
    const data = join(tmp.path, 'data');
    served = await spawnServe(['--data', data, '--no-auth'], { TRACES_STATE_DIR: state });
    const put = (n: number) =>
      call(`${served!.url}/api/v1/agent-traces/sessions/0b7e5f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5${n}`, {
        method: 'PUT',
        body: `{"type":"session","version":3,"id":"0b7e5f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5${n}","timestamp":"2026-11-01T10:00:00.000Z","cwd":"/w"}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
    for (const n of [1, 2, 3]) expect((await put(n)).status).toBe(200);
    // Nobody asks for the list: the server reads the uploads by itself once they stop.
    const entries = () => {
      const dir = join(state, 'view-cache');
      if (!existsSync(dir)) return 0;
      // The cache file only (it is written beside a temp file, then renamed over).
      const files = readdirSync(dir).filter((name) => name.endsWith('.json'));
      return files.length ? Object.keys(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')).entries ?? {}).length : 0;
    };
    await until(() => entries() === 3, 'the view cache to hold the 3 uploads', { ms: 15_000, detail: () => served!.stderr() });
  });
});
