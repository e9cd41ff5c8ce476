import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome, header, writeSession } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import type { RecordingServer } from '../helpers/recording-server.js';
import { useServed, type Served } from '../helpers/served.js';
import { folderStore, storeKinds, type StoreKind, type StorePlace } from '../helpers/stores.js';

let tmp: ReturnType<typeof tempDir>;
let server: RecordingServer;
let url: string;
let place: StorePlace;
/** The folder of a folder store (only the folder-only tests read it). */
let data: string;
const sid = '7a1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';

beforeEach(() => {
  tmp = tempDir();
});

afterEach(() => tmp.cleanup());

let served: Served;
const sync = () => ({ server, url, place } = served);

/** Each test of the calling describe gets traces serve over a fresh store of `kind`. */
function serving(kind: StoreKind): void {
  const fresh = useServed(kind);
  beforeEach(() => {
    served = fresh;
    sync();
    data = place.to;
  });
}

/** traces serve again on the same place, as after a restart of its process. */
async function restart(): Promise<void> {
  await served.restart();
  sync();
}

/** The events stored for `sessionId`, read by a second store on the same place (no cache of the server's). */
async function storedEvents(sessionId: string): Promise<{ event_id: string }[]> {
  return (await place.another()).events.list(sessionId);
}

const batch = (sessionId: string, body: string) =>
  call(`${url}/v1/sessions/${sessionId}/events/batch`, {
    method: 'POST',
    token: server.token,
    body,
    headers: { 'content-type': 'application/json' },
  });

const put = (traceId: string, body: string) =>
  call(`${url}/api/v1/agent-traces/sessions/${sid}`, {
    method: 'PUT',
    token: server.token,
    body,
    headers: { 'content-type': 'application/x-ndjson', 'x-trace-id': traceId },
  });

/** JSON text of an object nested `depth` levels deep: {"a":{"a":...1...}}. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe.each(storeKinds())('traces serve on a $name store', (kind) => {
  serving(kind);

  describe('event deduplication counts an id only once its bytes are stored', () => {
    it('refuses an event nested deeper than the bound with 400 and its field path, then stores the retry of the rest', async () => {
      const good = '{"event_id":"e-good","event_type":"tool","inputs":{"q":1}}';
      const deep = `{"event_id":"e-deep","event_type":"tool","inputs":${nested(20_000)}}`;
      const refused = await batch(sid, `{"events":[${good},${deep}]}`);
      expect(refused.status).toBe(400);
      const loc: (string | number)[] = refused.json().error.details[0].loc;
      expect(loc.slice(0, 5)).toEqual(['body', 'events', 1, 'inputs', 'a']);
      expect(refused.json().error.details[0].msg).toMatch(/nested deeper than \d+ levels/);
      const retry = await batch(sid, `{"events":[${good}]}`);
      expect(retry.status).toBe(200);
      expect((await storedEvents(sid)).map((e) => e.event_id)).toEqual(['e-good']);
    });

    it('pushes the events of a session holding a value nested 20,000 levels deep, cut at the bound', async () => {
      const home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
      const id = '9a1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';
      const path = join(home.sessions, `${id}.jsonl`);
      writeSession(path, header({ id }), [
        `{"type":"message","id":"0000000a","parentId":null,"timestamp":"2026-11-01T10:00:01.000Z","message":{"role":"assistant","provider":"p","model":"m","content":[{"type":"toolCall","id":"call_1","name":"read","arguments":${nested(20_000)}}],"stopReason":"toolUse"}}`,
        '{"type":"message","id":"0000000b","parentId":"0000000a","timestamp":"2026-11-01T10:00:02.000Z","message":{"role":"toolResult","toolCallId":"call_1","toolName":"read","content":[{"type":"text","text":"ok"}],"isError":false}}',
      ]);
      const env = isolatedEnv(tmp.path, { TRACES_TOKEN: server.token, TRACES_API_URL: url });
      const pushed = await runCli(['events', 'push', path, '--json'], { env });
      expect(pushed.code, pushed.stderr).toBe(0);
      const stored = await server.traces.store.events.list(id);
      const text = JSON.stringify(stored);
      expect(text).toContain('[traces: cut');
      expect(stored.length).toBeGreaterThan(0);
    });
  });
});

describe.each(storeKinds())('traces serve on a $name store', (kind) => {
  serving(kind);

  describe('concurrent PUTs of one session with different trace ids', () => {
    it('always reads back one whole body that one PUT sent, with the index naming it and no orphan', async () => {
      // s3rver behind its layer takes ~10 ms a request: fewer writers keep the bucket's run short.
      const writers = kind.name === 'bucket' ? 60 : 200;
      for (let round = 0; round < 3; round++) {
        const bodies = Array.from(
          { length: writers },
          (_, i) => `{"type":"session","round":${round},"n":${i}}\n${`{"pad":"${'x'.repeat(i * 7)}"}\n`}`,
        );
        const answers = await Promise.all(bodies.map((b, i) => put(i % 2 ? 'trace-b' : 'trace-a', b)));
        expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 200));
        const back = await call(`${url}/api/v1/agent-traces/sessions/${sid}`, { token: server.token });
        expect(back.status).toBe(200);
        expect(bodies).toContain(back.text);
        const record = JSON.parse((await place.read(`index/sessions/${sid}.json`))!);
        // A folder's lock makes the record and the body one step. A bucket has no lock: two PUTs to
        // one key may leave the body of one and the record (size, hash) of the other (README,
        // "What a bucket does not give"); the body is still one whole upload, under the key named.
        if (kind.name === 'folder') expect(record.bytes).toBe(Buffer.byteLength(back.text));
        await place.settle(); // a bucket removes what moves left behind later, not at once
        // Exactly one body for the session: the one the index names, no move left pending, no temp file left over.
        expect(await place.keys('agent-traces/')).toEqual([record.key]);
        expect(await place.keys('index/pending/')).toEqual([]);
        expect((await place.keys('')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      }
      // 600 PUTs through the suite's one S3 server, which the other files share while this runs.
    }, 90_000);

    it('answers every GET with a whole body while PUTs move the session between traces', async () => {
      expect((await put('trace-a', '{"type":"session","n":-1}\n')).status).toBe(200);
      const bodies = Array.from({ length: kind.name === 'bucket' ? 60 : 150 }, (_, i) => `{"type":"session","n":${i}}\n`);
      let putting = true;
      const answers: { status: number; text: string }[] = [];
      // Four readers GET the session over and over for as long as the PUTs go on.
      const readers = Array.from({ length: 4 }, async () => {
        while (putting) answers.push(await call(`${url}/api/v1/agent-traces/sessions/${sid}`, { token: server.token }));
      });
      await Promise.all(bodies.map((b, i) => put(i % 2 ? 'trace-b' : 'trace-a', b)));
      putting = false;
      await Promise.all(readers);
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.text}`)).toEqual([]);
      for (const a of answers) expect([...bodies, '{"type":"session","n":-1}\n']).toContain(a.text);
    });
  });
});

// What only a folder store has: its files on disk (a file in the way, a crash's leftovers, its marker), and `--to DIR`.
describe('traces serve on a folder store', () => {
  serving(folderStore);

  describe('event deduplication counts an id only once its bytes are stored', () => {
    it('stores the events of a batch retried after a failed write (ids are not marked by the failure)', async () => {
      // A file where the session's events folder must be: the write fails, as ENOSPC or EMFILE would.
      mkdirSync(join(data, 'events'), { recursive: true });
      writeFileSync(join(data, 'events', sid), 'in the way');
      const body = JSON.stringify({ events: [{ event_id: 'e-1', event_type: 'tool', inputs: { q: 1 } }] });
      expect((await batch(sid, body)).status).toBe(500);
      rmSync(join(data, 'events', sid));
      const retry = await batch(sid, body);
      expect(retry.status).toBe(200);
      expect((await storedEvents(sid)).map((e) => e.event_id)).toEqual(['e-1']);
    });

    it('refuses the same event on the --to DIR path and in `events send`, naming the line and field', async () => {
      const file = join(tmp.path, 'events.ndjson');
      writeFileSync(file, `{"event_type":"tool","inputs":{"q":1}}\n{"event_type":"tool","inputs":${nested(20_000)}}\n`);
      const env = isolatedEnv(tmp.path);
      const store = join(tmp.path, 'store');
      const sent = await runCli(['events', 'send', '--session', sid, '--file', file, '--to', store], { env });
      expect(sent.code).toBe(2);
      expect(sent.stderr).toMatch(/events\.ndjson:2: inputs\.a\.a\.[a.]*: .*nested deeper than \d+ levels/);
      expect(existsSync(join(store, 'events', sid, 'events.ndjson'))).toBe(false);
    });
  });

  describe('concurrent PUTs of one session with different trace ids', () => {
    it('removes the body of a PUT that died between its rename and its index write, when the store opens', async () => {
      expect((await put('trace-a', '{"type":"session","n":1}\n')).status).toBe(200);
      await server.stop();
      // What a process killed mid-move leaves: its intent, and its body under a key the index does not name.
      const orphan = join(data, 'agent-traces', 'trace-b', `${sid}.jsonl`);
      mkdirSync(join(orphan, '..'), { recursive: true });
      writeFileSync(orphan, '{"type":"session","n":2}\n');
      mkdirSync(join(data, 'index', 'pending'), { recursive: true });
      writeFileSync(
        join(data, 'index', 'pending', `${sid}.json`),
        JSON.stringify({ session_id: sid, keys: [`agent-traces/trace-b/${sid}.jsonl`, `agent-traces/trace-a/${sid}.jsonl`] }),
      );
      await restart();
      const back = await call(`${url}/api/v1/agent-traces/sessions/${sid}`, { token: server.token });
      expect(back.text).toBe('{"type":"session","n":1}\n');
      expect(await place.keys('agent-traces/')).toEqual([`agent-traces/trace-a/${sid}.jsonl`]);
      expect(existsSync(join(data, 'index', 'pending', `${sid}.json`))).toBe(false);
    });
  });

  describe('temp files left by a crash', () => {
    const old = new Date(Date.now() - 60 * 60 * 1000);
    const plant = (files: string[], mtime?: Date) => {
      for (const file of files) {
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, 'half');
        if (mtime) utimesSync(file, mtime, mtime);
      }
    };
    const listed = async () =>
      (await call(`${url}/api/v1/agent-traces/sessions`, { token: server.token }))
        .json()
        .sessions.map((s: { session_id: string }) => s.session_id);

    it('are removed when the store opens, once they are a few minutes old, and never listed', async () => {
      const body = '{"type":"session"}\n';
      expect((await call(`${url}/api/v1/agent-traces/sessions/${sid}`, { method: 'PUT', token: server.token, body })).status).toBe(200);
      await server.stop();
      // What kill -9 mid-write leaves: every writer of the store stages its bytes in one folder.
      const stale = [join(data, '.staging', 'k2x9abc0001.tmp'), join(data, '.staging', `.${sid}.json.k2x9abc0002.tmp`)];
      const fresh = join(data, '.staging', 'k2x9abc0003.tmp');
      plant(stale, old);
      plant([fresh]);
      await restart();
      expect(await listed()).toEqual([sid]);
      for (const file of stale) expect(existsSync(file), file).toBe(false);
      // A temp file that young may belong to a write still running in another process.
      expect(existsSync(fresh)).toBe(true);
    });

    it('left beside their targets by an older version are swept once, when its store is first opened', async () => {
      const body = '{"type":"session"}\n';
      expect((await call(`${url}/api/v1/agent-traces/sessions/${sid}`, { method: 'PUT', token: server.token, body })).status).toBe(200);
      await server.stop();
      rmSync(join(data, '.traces-store')); // as an older version left it
      const stale = [
        join(data, 'agent-traces', sid, `${sid}.jsonl.4242.0a0b0c0d0e0f.tmp`),
        join(data, 'index', 'sessions', `.${sid}.json.k2x9abc.tmp`),
        join(data, 'patches', 'session_x.json.4242.0a0b0c0d.tmp'),
      ];
      plant(stale, old);
      await restart();
      expect(await listed()).toEqual([sid]);
      for (const file of stale) expect(existsSync(file), file).toBe(false);
      expect(existsSync(join(data, '.traces-store'))).toBe(true);
    });

    it('are removed by a `--to DIR` upload too', async () => {
      const home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
      const store = join(tmp.path, 'store');
      const env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
      expect((await runCli(['upload', '--to', store], { env })).code).toBe(0);
      const stale = join(store, '.staging', 'k2x9abc0001.tmp');
      plant([stale], old);
      writeFileSync(
        home.fork,
        `${readFileSync(home.fork, 'utf8')}{"type":"label","id":"0000abcd","parentId":null,"timestamp":"2026-11-01T12:00:00.000Z"}\n`,
      );
      expect((await runCli(['upload', '--to', store], { env })).code).toBe(0);
      expect(existsSync(stale)).toBe(false);
    });
  });

  describe('a store inside a scanned folder', () => {
    it('is recognised by its marker, or by its layout when an older version made it, and never scanned', async () => {
      const home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
      const env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
      const store = join(home.sessions, 'archive');
      const first = await runCli(['upload', '--to', store, '--json'], { env });
      expect(first.code).toBe(0);
      expect(first.json().total).toBe(4);
      const again = await runCli(['upload', '--to', store, '--json'], { env });
      expect(again.json().total).toBe(4);
      expect(existsSync(join(store, '.traces-store'))).toBe(true);
      rmSync(join(store, '.traces-store'));
      const legacy = await runCli(['upload', '--to', join(tmp.path, 'other'), '--json'], { env });
      expect(legacy.json().total).toBe(4);
    });
  });
});
