import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolatedEnv, tempDir } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { assertBuilt, BIN, spawnServe, type Served } from '../helpers/spawn.js';
import { layout } from '../../src/backend/store/layout.js';
import { storeKinds, type StorePlace } from '../helpers/stores.js';
import { heldIds } from '../helpers/two-servers.js';
import { storedBody } from '../helpers/recording-server.js';
import { buildHome } from '../../fixtures/builder.mjs';

let tmp: ReturnType<typeof tempDir>;
const served: Served[] = [];
let place: StorePlace | undefined;

beforeEach(() => {
  assertBuilt();
  tmp = tempDir();
});

afterEach(async () => {
  for (const s of served.splice(0)) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
  await place?.cleanup();
  place = undefined;
  tmp.cleanup();
});

/** Runs the built CLI as its own process, with `env` added to its own; resolves with its exit code and stderr. */
function traces(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...isolatedEnv(tmp.path), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe.each(storeKinds())('processes on one $name store', (kind) => {
  it('store every event exactly once when two `events send --to` push overlapping ids at once', async () => {
    const to = (place = await kind.open());
    // Two files of 3000 events sharing 2500 ids: 3500 distinct ids in all, sent in batches of 100.
    const event = (i: number) => JSON.stringify({ event_id: `ev-${i}`, event_type: 'tool', inputs: { i } });
    writeFileSync(join(tmp.path, 'a.ndjson'), `${Array.from({ length: 3000 }, (_, i) => event(i)).join('\n')}\n`);
    writeFileSync(join(tmp.path, 'b.ndjson'), `${Array.from({ length: 3000 }, (_, i) => event(i + 500)).join('\n')}\n`);
    for (let round = 0; round < 3; round++) {
      const session = uuid(round + 1);
      const runs = await Promise.all(
        ['a', 'b'].map((f) =>
          traces(['events', 'send', '--session', session, '--file', join(tmp.path, `${f}.ndjson`), '--to', to.to], to.env),
        ),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const held = await heldIds(to, session);
      expect(held.size).toBe(3500);
      expect([...held.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    }
  });

  it('store each session once, with its bytes, when `upload --to` and `events push --to` processes send the same sessions at once', async () => {
    const to = (place = await kind.open());
    const home = buildHome(join(tmp.path, 'agent'), { turns: 30 });
    const ids = [home.rootId, home.childId, home.grandId, home.forkId];
    const files = [home.root, home.child, home.grand, home.fork];
    // Each process has its own state folder (its own ledger), so each sends every session.
    const runs = await Promise.all(
      ['upload', 'upload', 'upload', 'events push', 'events push', 'events push'].map((command, i) =>
        traces([...command.split(' '), '--to', to.to], {
          ...to.env,
          TRACES_SESSIONS_DIR: home.sessions,
          TRACES_STATE_DIR: join(tmp.path, `state-${i}`),
        }),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    await to.settle();
    const store = await to.another();
    expect((await store.sessions.list()).map((r) => r.session_id).sort()).toEqual([...ids].sort());
    expect(await to.keys('agent-traces/')).toHaveLength(ids.length);
    for (const [n, id] of ids.entries()) {
      expect((await storedBody(store, id))!.equals(readFileSync(files[n]!)), id).toBe(true);
      const held = await heldIds(to, id);
      expect(held.size).toBe(30 * 4);
      expect([...held.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    }
    expect(await to.keys('index/pending/')).toEqual([]);
  });

  it('lose no patch when two `traces serve` on one store patch the same sessions at once', async () => {
    const store = (place = await kind.open());
    const [a, b] = (await Promise.all([0, 1].map(() => spawnServe(['--store', store.to, '--no-auth'], store.env)))) as [Served, Served];
    served.push(a, b);
    const sessions = Array.from({ length: 120 }, (_, i) => uuid(100 + i));
    for (const id of sessions) {
      const put = await call(`${a.url}/api/v1/agent-traces/sessions/${id}`, { method: 'PUT', body: '{"type":"session"}\n' });
      expect(put.status).toBe(200);
    }
    const patch = (url: string, id: string, json: unknown) =>
      call(`${url}/v1/sessions/session_${id.replace(/-/g, '')}`, { method: 'PATCH', json });
    // For each session, a title through one process and tags through the other, at the same moment.
    for (let at = 0; at < sessions.length; at += 12) {
      const group = sessions.slice(at, at + 12);
      const answers = await Promise.all(
        group.flatMap((id) => [patch(a.url, id, { title: `title ${id}` }), patch(b.url, id, { tags: [`tag ${id}`] })]),
      );
      for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    }
    const lost: string[] = [];
    for (const id of sessions) {
      const stored = JSON.parse((await store.read(layout.patch(`session_${id.replace(/-/g, '')}`)))!);
      if (stored.title !== `title ${id}` || JSON.stringify(stored.tags) !== JSON.stringify([`tag ${id}`])) lost.push(id);
    }
    expect(lost).toEqual([]);
  });
});

// A bucket has no temp files: an interrupted upload there leaves no object at all.
describe('processes on one folder store', () => {
  it('after kill -9 of `traces serve` mid-upload, the next start removes the temp file once it is old', async () => {
    const data = join(tmp.path, 'data');
    const first = await spawnServe(['--data', data, '--no-auth']);
    served.push(first);
    const id = uuid(7);
    const req = request(`${first.url}/api/v1/agent-traces/sessions/${id}`, {
      method: 'PUT',
      headers: { 'content-length': '100000', 'content-type': 'application/x-ndjson' },
    });
    req.on('error', () => undefined);
    req.write(`${JSON.stringify({ type: 'session', id })}\n${'{"pad":1}\n'.repeat(100)}`);
    const temps = await waitFor(
      () => tempFiles(data),
      (t) => t.length > 0,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    req.destroy();
    const old = new Date(Date.now() - 60 * 60 * 1000);
    for (const t of temps) utimesSync(t, old, old);
    const second = await spawnServe(['--data', data, '--no-auth']);
    served.push(second);
    const list = await call(`${second.url}/api/v1/agent-traces/sessions`);
    expect(list.json().sessions).toEqual([]);
    expect(tempFiles(data)).toEqual([]);
  });
});

function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.tmp') && statSync(join(e.parentPath, e.name)).size > 0)
    .map((e) => join(e.parentPath, e.name));
}

/** Polls `read` until `done` holds (a file appearing is an event without a listener). */
async function waitFor<T>(read: () => T, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
