import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { useShortBackoff } from '../helpers/backoff.js';
import { storeKinds, type StoreKind, type StorePlace } from '../helpers/stores.js';

useShortBackoff();
let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let home: ReturnType<typeof buildHome>;
/** The kind of store of the running test's describe: every server and `--to` store is one of it. */
let kind: StoreKind;
const servers: RecordingServer[] = [];
const places: StorePlace[] = [];

/** A fresh store of the test's kind. */
async function open(): Promise<StorePlace> {
  const place = await kind.open();
  places.push(place);
  return place;
}

/** traces serve over a fresh store of the test's kind. */
async function serve(faults = {}): Promise<RecordingServer> {
  const server = new RecordingServer((await open()).store, { faults });
  await server.start();
  servers.push(server);
  return server;
}

beforeEach(() => {
  tmp = tempDir();
  home = buildHome(join(tmp.path, 'agent'), { turns: 30 });
  env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(places.splice(0).map((p) => p.cleanup()));
  tmp.cleanup();
});

const cli = (server: RecordingServer, ...args: string[]) =>
  runCli(args, { env: { ...env, TRACES_TOKEN: server.token, TRACES_API_URL: server.url } });
const ids = async (server: RecordingServer, sessionId: string) =>
  (await server.traces.store.events.list(sessionId)).map((e) => e.event_id).sort();

describe.each(storeKinds())('on a $name store', (storeKind) => {
  beforeEach(() => {
    kind = storeKind;
  });

  describe('traces events push', () => {
    it('starts each session once and sends its events in batches of at most 100', async () => {
      const server = await serve();
      const result = await cli(server, 'events', 'push', '--json');
      expect(result.code).toBe(0);
      const out = result.json();
      expect(out).toMatchObject({ total: 4, pushed: 4, failed: 0 });
      const root = out.sessions.find((s: any) => s.session_id === home.rootId);
      expect(root).toMatchObject({ status: 'pushed', events: 30 * 4, batches: 2 });
      const session = (await server.traces.store.events.getSession(home.rootId))!;
      expect(session).toMatchObject({ source: 'prime-agent', session_name: 'project', children_ids: [home.childId] });
      expect(session.metadata).toMatchObject({
        cwd: '/work/project',
        trace_id: home.rootId,
        git: { commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
      });
      expect((await server.traces.store.events.getSession(home.grandId))!.metadata).toMatchObject({
        parent_session_id: home.childId,
        trace_id: home.rootId,
      });
      expect(typeof session.start_time).toBe('number');
      expect(session.duration).toBe(session.end_time! - session.start_time!);
    });

    it('sends nothing when nothing is new, and only the new entries after an append', async () => {
      const server = await serve();
      await cli(server, 'events', 'push');
      const requests = server.requests.length;
      const again = await cli(server, 'events', 'push', '--json');
      expect(again.json()).toMatchObject({ unchanged: 4, events: 0 });
      expect(server.requests.length).toBe(requests);

      const before = (await ids(server, home.forkId)).length;
      appendFileSync(
        home.fork,
        `${JSON.stringify({ type: 'message', id: 'feed0001', parentId: null, timestamp: '2026-11-01T12:00:00.000Z', message: { role: 'user', content: 'one more' } })}\n`,
      );
      const third = await cli(server, 'events', 'push', '--json');
      expect(third.json().sessions.find((s: any) => s.session_id === home.forkId)).toMatchObject({ status: 'pushed', events: 1 });
      expect((await ids(server, home.forkId)).length).toBe(before + 1);
      // Each session started once; the grown one is posted again so its metadata names the new active leaf.
      expect(server.requests.filter((r) => r.url === '/v1/sessions').length).toBe(5);
      expect((await server.traces.store.events.getSession(home.forkId))!.metadata).toMatchObject({ active_leaf: 'feed0001' });
    });

    it('ends with the same event ids as a clean run after a 500 that stored half a batch', async () => {
      const clean = await serve();
      expect((await cli(clean, 'events', 'push', home.root)).code).toBe(0);
      let cut = true;
      const flaky = await serve({ partialBatch: (n: number) => (cut ? ((cut = false), Math.floor(n / 2)) : undefined) });
      const result = await cli(flaky, 'events', 'push', home.root, '--json');
      expect(result.code).toBe(0);
      expect(flaky.requests.filter((r) => r.url.endsWith('/events/batch')).length).toBe(3); // 2 batches + 1 retry
      expect(await ids(flaky, home.rootId)).toEqual(await ids(clean, home.rootId));
    });

    it('a batch refused part-way (batches go a few at a time) leaves the session to push again, whole', async () => {
      const server = await serve();
      server.fail({ kind: 'status', status: 400, body: '{"detail":"no"}', path: `/v1/sessions/${home.rootId}/events/batch` });
      const first = await cli(server, 'events', 'push', home.root, '--json');
      expect(first.code).toBe(1);
      expect(first.json().sessions[0]).toMatchObject({ status: 'failed' });
      const again = await cli(server, 'events', 'push', home.root, '--json');
      expect(again.code).toBe(0);
      expect(again.json().sessions[0]).toMatchObject({ status: 'pushed', events: 30 * 4 });
      expect(await ids(server, home.rootId)).toHaveLength(30 * 4);
    });

    it('--force sends everything again without duplicating anything', async () => {
      const server = await serve();
      await cli(server, 'events', 'push', home.child);
      const first = await ids(server, home.childId);
      const forced = await cli(server, 'events', 'push', home.child, '--force', '--json');
      expect(forced.json().events).toBe(first.length);
      expect(await ids(server, home.childId)).toEqual(first);
    });

    it('--cross-session sends many sessions through /v1/events/batch', async () => {
      const server = await serve();
      const result = await cli(server, 'events', 'push', '--cross-session', '--json');
      expect(result.code).toBe(0);
      expect(server.requests.filter((r) => r.url === '/v1/events/batch').length).toBeGreaterThan(0);
      expect(server.requests.filter((r) => r.url.includes('/events/batch') && r.url !== '/v1/events/batch')).toEqual([]);
      expect((await ids(server, home.grandId)).length).toBe(120);
    });

    it('--cross-session: a failed send is sent again on the next run', async () => {
      const server = await serve();
      server.fail({ kind: 'status', status: 500, path: '/v1/events/batch' });
      const failed = await cli(server, 'events', 'push', home.fork, '--cross-session', '--retries', '0', '--json');
      expect(failed.code).toBe(1);
      expect(await ids(server, home.forkId)).toEqual([]);
      const again = await cli(server, 'events', 'push', home.fork, '--cross-session', '--json');
      expect(again.code).toBe(0);
      expect((await ids(server, home.forkId)).length).toBe(120);
    });

    it('pushes to a --to store with the same ids as over HTTP', async () => {
      const server = await serve();
      await cli(server, 'events', 'push', home.root);
      const archive = await open();
      const pushed = await runCli(['events', 'push', home.root, '--to', archive.to], { env: { ...env, ...archive.env } });
      expect(pushed.code, pushed.stderr).toBe(0);
      const stored = await (await archive.another()).events.list(home.rootId);
      expect(stored.map((e) => e.event_id).sort()).toEqual(await ids(server, home.rootId));
    });
  });

  describe('the agent version in the session metadata', () => {
    it("is the agent's (the file's, else TRACES_AGENT_VERSION), never traces' own", async () => {
      const server = await serve();
      expect((await cli(server, 'events', 'push')).code).toBe(0);
      expect((await server.traces.store.events.getSession(home.rootId))!.metadata.agent_version).toBeNull();
      const other = await serve();
      const created = await runCli(['sessions', 'create', home.childId, '--json'], {
        env: { ...env, TRACES_TOKEN: other.token, TRACES_API_URL: other.url, TRACES_AGENT_VERSION: '0.8.0' },
      });
      expect(created.code).toBe(0);
      expect((await other.traces.store.events.getSession(home.childId))!.metadata.agent_version).toBe('0.8.0');
    });
  });

  describe('traces sessions create', () => {
    it('starts the session and merges metadata on a repeat', async () => {
      const server = await serve();
      const first = await cli(server, 'sessions', 'create', home.childId, '--json');
      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({ session_id: home.childId, status: 'created', children_ids: [home.grandId] });
      expect((await cli(server, 'sessions', 'create', home.child, '--json')).json().session_id).toBe(home.childId);
      expect(server.requests.filter((r) => r.url === '/v1/sessions').length).toBe(2);
    });
  });

  describe('traces events send', () => {
    it('validates every line before sending and names the bad ones', async () => {
      const server = await serve();
      const file = join(tmp.path, 'events.ndjson');
      writeFileSync(
        file,
        [
          '{"event_type":"tool","inputs":{}}',
          '{"event_type":"thought","inputs":{}}',
          'nope',
          '{"event_type":"model","inputs":{},"colour":"red"}',
        ].join('\n'),
      );
      const result = await cli(server, 'events', 'send', '--session', home.rootId, '--file', file);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('events.ndjson:2: event_type');
      expect(result.stderr).toContain('events.ndjson:3: not valid JSON');
      expect(result.stderr).toContain('events.ndjson:4:');
      expect(result.stderr).toContain('colour');
      expect(server.requests.length).toBe(0);
    });

    it('sends valid events from stdin, and a second send adds nothing', async () => {
      const server = await serve();
      const lines = Array.from({ length: 150 }, (_, i) => JSON.stringify({ event_type: 'tool', event_name: `t${i}`, inputs: { i } })).join(
        '\n',
      );
      const run = () =>
        runCli(['events', 'send', '--session', home.rootId, '--file', '-', '--json'], {
          env: { ...env, TRACES_TOKEN: server.token, TRACES_API_URL: server.url },
          stdin: lines,
        });
      const first = await run();
      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({ status: 'sent', events: 150, batches: 2 });
      await run();
      expect((await ids(server, home.rootId)).length).toBe(150);
    });
  });
});
