import { until } from '../helpers/until.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { LocalStore } from '../../src/backend/store/index.js';
import { tryLock } from '../../src/util/lock.js';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

// `hook --save --events`: the metadata save and the event push of what was uploaded run through
// the same core services as `sessions save` and `events push`, and the hook's log says what
// became of each session, not only an exit code.

let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let home: ReturnType<typeof buildHome>;
let store: string;

beforeEach(() => {
  tmp = tempDir();
  home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
  store = join(tmp.path, 'store');
  env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
});

afterEach(() => tmp.cleanup());

const hookLog = () => readFileSync(join(tmp.path, 'state', 'hook.log'), 'utf8');

describe('hook --wait --save --events', () => {
  it('logs one line per session for the save and the push, then exists / unchanged on a repeat', async () => {
    for (const [key, value] of [
      ['org', 'acme'],
      ['workspace', 'ml'],
    ])
      expect((await runCli(['config', 'set', key!, value!], { env })).code).toBe(0);
    const first = await runCli(['hook', '--wait', '--save', '--events', '--session', home.root, '--to', store], { env });
    expect(first.code, first.stderr).toBe(0);
    const log = hookLog();
    for (const id of [home.rootId, home.childId, home.grandId]) {
      expect(log).toMatch(new RegExp(`metadata saved ${id} `));
      expect(log).toMatch(new RegExp(`events pushed ${id} .*\\(\\d+ events\\)`));
    }

    const again = await runCli(['hook', '--wait', '--save', '--events', '--session', home.root, '--to', store], { env });
    expect(again.code, again.stderr).toBe(0);
    const repeat = hookLog().slice(log.length);
    expect(repeat).toMatch(new RegExp(`metadata exists ${home.rootId} `));
    expect(repeat).toMatch(new RegExp(`events unchanged ${home.rootId} `));
  });

  it('says why the metadata save could not run (no org or workspace), and still pushes the events', async () => {
    const result = await runCli(['hook', '--wait', '--save', '--events', '--session', home.root, '--to', store], { env });
    expect(result.code, result.stderr).toBe(0);
    const log = hookLog();
    expect(log).toMatch(/metadata save.*(org|workspace)/);
    expect(log).toMatch(new RegExp(`events pushed ${home.rootId} `));
  });
});

describe("the hook's follow-ups go where the hook pointed them", () => {
  it('even when the worker that drains the queue runs with another backend in its environment', async () => {
    const storeA = join(tmp.path, 'store-a');
    const storeB = join(tmp.path, 'store-b');
    // Another worker holds the lock: the hook's own worker leaves the queue to it.
    mkdirSync(join(tmp.path, 'state'), { recursive: true });
    const release = tryLock(join(tmp.path, 'state', 'worker.lock'))!;
    const queued = await runCli(['hook', '--events', '--session', home.root], { env: { ...env, TRACES_API_URL: storeA } });
    expect(queued.code).toBe(0);
    const entries = readFileSync(join(tmp.path, 'state', 'queue.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => e.eventsTo)).toEqual(entries.map(() => storeA));
    release();
    // The worker that finally drains it was started by a hook of another environment.
    expect((await runCli(['hook', '--worker', '--give-up-after', '1s'], { env: { ...env, TRACES_API_URL: storeB } })).code).toBe(0);
    expect((await new LocalStore(storeA).events.list(home.rootId)).length).toBeGreaterThan(0);
    expect(existsSync(join(storeB, 'events'))).toBe(false);
  });
});

describe('an upload that drains what the hook queued', () => {
  it('leaves the entries that ask for a follow-up to the worker, which runs it', async () => {
    const store = join(tmp.path, 'store-q');
    mkdirSync(join(tmp.path, 'state'), { recursive: true });
    const release = tryLock(join(tmp.path, 'state', 'worker.lock'))!;
    expect((await runCli(['hook', '--events', '--session', home.root, '--to', store], { env })).code).toBe(0);
    // The worker the hook starts meets the lock held and leaves: wait for it, or (on a loaded
    // machine) it could start after the release below and drain the queue under this test's feet.
    await until(() => hookLog().includes('another worker is running'), "the hook's own worker to give way");
    const queued = () =>
      readFileSync(join(tmp.path, 'state', 'queue.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean).length;
    expect(queued()).toBe(3);
    expect((await runCli(['upload', '--to', store], { env })).code).toBe(0);
    expect(queued()).toBe(3); // uploaded, but the event push is still to do
    release();
    expect((await runCli(['hook', '--worker', '--give-up-after', '1s'], { env })).code).toBe(0);
    expect(queued()).toBe(0);
    expect((await new LocalStore(store).events.list(home.rootId)).length).toBeGreaterThan(0);
  });
});
