import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, hex8, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { eventSchema } from '../../src/contracts/wire.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { until } from '../helpers/until.js';
import { placeText } from '../helpers/store-text.js';
import { storeKinds, type StoreKind, type StorePlace } from '../helpers/stores.js';
import { tryLock } from '../../src/util/lock.js';
import { nearMisses, PLACES, plantedSecrets, TRACES_TOKEN, uEscaped, USER_PATTERN, type Planted } from '../helpers/secrets-corpus.js';

/**
 * What the events, metadata and patch commands send, checked where it lands: `traces serve` on
 * port 0 and a `--to` store, each over a folder and over a bucket. The token in use is the
 * corpus's own (`traces-token`), so the server runs without authentication.
 */
let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let sessions: string;
const servers: RecordingServer[] = [];
const places: StorePlace[] = [];
const planted = plantedSecrets();

beforeEach(async () => {
  tmp = tempDir();
  sessions = join(tmp.path, 'sessions');
  env = isolatedEnv(tmp.path, { TRACES_TOKEN, TRACES_SESSIONS_DIR: sessions });
  expect((await runCli(['config', 'set', 'redact_patterns', USER_PATTERN], { env })).code).toBe(0);
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(places.splice(0).map((p) => p.cleanup()));
  tmp.cleanup();
});

/** One line per entry, in a chain by id/parentId, one second apart. */
function chain(seed: string, objects: unknown[]): string[] {
  let parentId: string | null = null;
  let t = Date.parse('2026-11-01T10:00:01.000Z');
  return objects.map((object, i) => {
    const id = hex8(`${seed}:${i}`);
    const line = JSON.stringify({ ...(object as object), id, parentId, timestamp: new Date((t += 1000)).toISOString() });
    parentId = id;
    return line;
  });
}

/**
 * One session per planted secret: its text in the header's cwd, in every other place an agent
 * session holds text (raw, then \u-escaped), and in the title; an assistant message names the model.
 */
function writeCorpusSessions(): { file: string; id: string; planted: Planted }[] {
  return planted.map((p, n) => {
    const id = uuidFrom(`redact-send:${n}`);
    const places = Object.entries(PLACES).filter(([name]) => name !== 'header cwd');
    const seed = `redact-send:${n}`;
    const objects = [
      ...places.map(([, build]) => build(p.text)),
      { type: 'session_info', name: p.text },
      {
        type: 'message',
        message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'done' }], stopReason: 'stop' },
      },
    ];
    const lines = chain(seed, objects);
    const escaped = chain(
      `${seed}:u`,
      places.map(([, build]) => build(p.text)),
    ).map((line) => uEscaped(line, p.secret));
    const head = JSON.stringify(header({ id, cwd: `/home/u/${p.text}` }));
    const file = writeSession(join(sessions, `${id}.jsonl`), n % 2 ? uEscaped(head, p.secret) : head, [...lines, ...escaped]);
    return { file, id, planted: p };
  });
}

/** A session whose prompts are the near-misses, each as it is. */
function writeNearMissSession(): { file: string; id: string } {
  const id = uuidFrom('redact-send:near');
  const objects = [
    ...nearMisses().map((text) => ({ type: 'message', message: { role: 'user', content: [{ type: 'text', text }] } })),
    { type: 'message', message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }] } },
  ];
  return { file: writeSession(join(sessions, `${id}.jsonl`), header({ id }), chain('near', objects)), id };
}

/** Events someone else produced, planted secrets in their inputs, outputs and metadata; then the near-misses. */
function writeEventsFile(): string {
  const events = [
    ...planted.map((p) => ({ event_type: 'tool', inputs: { command: p.text }, outputs: { text: p.text }, metadata: { note: p.text } })),
    ...nearMisses().map((line) => ({ event_type: 'tool', inputs: { line }, metadata: { kind: 'near-miss' } })),
  ];
  const lines = events.map((e) => JSON.stringify(e));
  // Half the secret events written with \u escapes, as a producer may.
  const file = join(tmp.path, 'events.ndjson');
  writeFileSync(file, `${lines.map((line, i) => (i < planted.length && i % 2 ? uEscaped(line, planted[i]!.secret) : line)).join('\n')}\n`);
  return file;
}

const forms = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1)];
const leaked = (text: string) => planted.filter((p) => forms(p.secret).some((form) => text.includes(form)));

/** Every stored event line under `prefix` of the store (the folder's events files, the bucket's log segments), parsed. */
async function storedEvents(place: StorePlace, prefix = 'events/'): Promise<unknown[]> {
  const events: unknown[] = [];
  for (const key of await place.keys(prefix)) {
    if (!key.endsWith('.ndjson')) continue;
    for (const line of ((await place.read(key)) ?? '').split('\n')) if (line) events.push(JSON.parse(line));
  }
  return events;
}

/** Where the commands send: `traces serve` over a store, or the store itself with `--to`; `env` is what the commands need for it. */
type Backend = { place: StorePlace; args: string[]; env: Record<string, string | undefined> };
type Door = 'traces serve' | '--to';

async function backend(kind: StoreKind, door: Door): Promise<Backend> {
  const place = await kind.open();
  places.push(place);
  if (door === '--to') return { place, args: ['--to', place.to], env: { ...env, ...place.env } };
  const server = new RecordingServer(place.store, { auth: false });
  servers.push(server);
  return { place, args: ['--to', await server.start()], env };
}

/** upload, events push, events send, sessions save, sessions create, sessions patch, hook --wait: each must succeed. */
async function sendEverything(to: Backend, extra: string[] = []): Promise<{ corpus: ReturnType<typeof writeCorpusSessions> }> {
  const corpus = writeCorpusSessions();
  writeNearMissSession();
  const run = async (...args: string[]) => {
    const r = await runCli([...args, ...to.args, ...extra], { env: to.env });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  // The hook's own upload first (in the foreground here; its worker runs the same upload run), then the rest.
  await run('hook', '--wait', '--session', corpus[2]!.file);
  await run('upload');
  await run('events', 'push');
  await run('events', 'send', '--session', uuidFrom('redact-send:sent'), '--file', writeEventsFile());
  await run('sessions', 'save', '--all', '--org', 'acme', '--workspace', 'ml');
  const first = corpus[0]!;
  await run('sessions', 'create', first.file);
  await run('sessions', 'patch', first.id, '--title', first.planted.text, '--tag', corpus[1]!.planted.secret);
  return { corpus };
}

const doors = storeKinds().flatMap((kind) => (['traces serve', '--to'] as const).map((door) => ({ kind, door, name: kind.name })));

describe.each(doors)('what reaches $door on a $name store', ({ kind, door }) => {
  it('holds no planted secret, raw or JSON-escaped; every stored event validates; near-misses arrive as they were', async () => {
    const to = await backend(kind, door);
    await sendEverything(to);
    const text = await placeText(to.place);
    expect(leaked(text).map((p) => p.rule)).toEqual([]);
    expect(text).toContain('[REDACTED:');
    const events = await storedEvents(to.place);
    expect(events.length).toBeGreaterThan(planted.length * 6);
    for (const event of events) expect(eventSchema.safeParse(event).success, JSON.stringify(event).slice(0, 200)).toBe(true);
    for (const line of nearMisses()) expect(text).toContain(JSON.stringify(line).slice(1, -1));
  });

  it('with --no-redact, sends the session data as it is', async () => {
    const to = await backend(kind, door);
    await sendEverything(to, ['--no-redact']);
    const text = await placeText(to.place);
    expect(leaked(text).map((p) => p.rule)).toEqual(planted.map((p) => p.rule));
    expect(text).not.toContain('[REDACTED:');
  });
});

describe.each(storeKinds())('on a $name store', (kind) => {
  describe('the redact setting', () => {
    it('turns redaction off; status and dry runs say whether it is on', async () => {
      const to = await backend(kind, '--to');
      const { file } = writeNearMissSession();
      const on = await runCli(['status', '--json', ...to.args], { env: to.env });
      expect(on.json()).toMatchObject({ redact: true });
      expect((await runCli(['status', ...to.args], { env: to.env })).stdout).toContain('redaction: on (default)');
      const dry = await runCli(['sessions', 'save', file, '--dry-run', '--json', ...to.args], { env: to.env });
      expect(dry.json()).toMatchObject({ redact: true });
      const dryOff = await runCli(['upload', '--dry-run', '--no-redact', ...to.args], { env: to.env });
      expect(dryOff.stderr).toContain('dry run: redaction: off (--no-redact)');
      expect((await runCli(['upload', '--dry-run', '--json', ...to.args], { env: to.env })).json()).toMatchObject({ redact: true });

      expect((await runCli(['config', 'set', 'redact', 'false'], { env })).code).toBe(0);
      expect((await runCli(['status', '--json', ...to.args], { env: to.env })).json()).toMatchObject({ redact: false });
      expect((await runCli(['status', ...to.args], { env: to.env })).stdout).toContain('redaction: off (setting redact)');
      const corpus = writeCorpusSessions();
      expect((await runCli(['sessions', 'create', corpus[0]!.file, ...to.args], { env: to.env })).code).toBe(0);
      expect(leaked(await placeText(to.place)).map((p) => p.rule)).toContain(corpus[0]!.planted.rule);

      const bad = await runCli(['config', 'set', 'redact', 'maybe'], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('redact: must be true or false');
    });
  });

  describe("the hook's worker", () => {
    it('pushes the events of a session queued with --no-redact as they are, and of one queued without it redacted', async () => {
      const corpus = writeCorpusSessions();
      const [raw, kept] = [corpus[0]!, corpus[2]!];
      const to = await backend(kind, '--to');
      // Another worker holds the lock: the hooks' own workers give way, and the one run below drains both.
      mkdirSync(join(tmp.path, 'state'), { recursive: true });
      const release = tryLock(join(tmp.path, 'state', 'worker.lock'))!;
      expect((await runCli(['hook', '--events', '--no-redact', '--session', raw.file, ...to.args], { env: to.env })).code).toBe(0);
      expect((await runCli(['hook', '--events', '--session', kept.file, ...to.args], { env: to.env })).code).toBe(0);
      const log = () => readFileSync(join(tmp.path, 'state', 'hook.log'), 'utf8');
      await until(() => log().split('another worker is running').length > 2, "the hooks' own workers to give way");
      const queued = readFileSync(join(tmp.path, 'state', 'queue.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(queued.map((e) => e.redact)).toEqual([false, undefined]);
      release();
      expect((await runCli(['hook', '--worker', '--give-up-after', '1s'], { env: to.env })).code).toBe(0);
      // The events and session starts only: the whole-file upload is not this test's concern.
      const events = JSON.stringify(await storedEvents(to.place));
      expect(leaked(events).map((p) => p.secret)).toContain(raw.planted.secret);
      expect(leaked(events).map((p) => p.secret)).not.toContain(kept.planted.secret);
    });
  });
});
