import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { USER_AGENT } from '../../src/version.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { RawServer } from '../helpers/raw-server.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { storeKinds, type StorePlace } from '../helpers/stores.js';

// What a prime-agent user sees when `traces` replaces prime-agent's own uploader: the same
// request line and the same header bytes for every value prime-agent can send, one documented
// encoding (RFC 8187's `UTF-8''...`) for the values it cannot, and `traces serve` and a `--to`
// store, each on a folder and on a bucket, storing the same strings.

let tmp: ReturnType<typeof tempDir>;
let raw: RawServer;
let served: RecordingServer;

beforeAll(async () => {
  tmp = tempDir();
  raw = new RawServer();
  await raw.start();
  served = new RecordingServer(join(tmp.path, 'served'));
  await served.start();
});

afterAll(async () => {
  await raw.stop();
  await served.stop();
  tmp.cleanup();
});

/** Runs traces in its own config and state folders under `name`, in the temp folder. */
function cli(name: string, args: string[], extra: Record<string, string | undefined> = {}) {
  const env = isolatedEnv(join(tmp.path, name), { TRACES_TOKEN: served.token, ...extra });
  return runCli(args, { env, cwd: tmp.path });
}

/** The raw requests to the path of session `id`. */
function putsOf(id: string) {
  return raw.requests.filter((r) => r.method === 'PUT' && r.target.endsWith(`/sessions/${encodeURIComponent(id)}`));
}

/** The header bytes Node's fetch (prime-agent's HTTP client) sends for `value`, or the error it throws. */
async function fetchSends(value: string): Promise<Buffer | Error> {
  const before = raw.requests.length;
  try {
    const res = await fetch(`${raw.url}/reference`, { method: 'PUT', headers: { 'X-Cwd': value }, body: 'x' });
    await res.text();
  } catch (error) {
    return error as Error;
  }
  return raw.header(before, 'x-cwd')!;
}

// [what, cwd, exact bytes traces puts on the wire ('latin1' = the value's own ISO-8859-1 bytes)]
const CWDS: [string, string, string][] = [
  ['ASCII', '/home/ada/project', 'latin1'],
  ['Latin-1', '/home/josé/café', 'latin1'],
  ['Latin-1 upper half, NBSP inside', '/srv/ÿ\u00a0x', 'latin1'],
  ['a literal %25', '/tmp/a%25b', 'latin1'],
  ['a lone %', '/tmp/100%', 'latin1'],
  ['a tab inside', '/tmp/a\tb', 'latin1'],
  ['CJK', '/home/用户/项目', "UTF-8''%2Fhome%2F%E7%94%A8%E6%88%B7%2F%E9%A1%B9%E7%9B%AE"],
  ['an emoji', '/tmp/😀', "UTF-8''%2Ftmp%2F%F0%9F%98%80"],
  ['a trailing space', '/tmp/dir ', "UTF-8''%2Ftmp%2Fdir%20"],
  ['a leading space', ' /tmp/dir', "UTF-8''%20%2Ftmp%2Fdir"],
  ['a control character', '/tmp/a\u0001b', "UTF-8''%2Ftmp%2Fa%01b"],
  ['the extended form itself', "UTF-8''%41", "UTF-8''UTF-8%27%27%2541"],
];

// [what, root id, X-Trace-Id / X-Parent-Session bytes of its child]
const IDS: [string, string, string][] = [
  ['a UUID', uuidFrom('parity:uuid'), 'latin1'],
  ['a Latin-1 id', 'sessão-ç-1', 'latin1'],
  ['a CJK id', '会话-1', "UTF-8''%E4%BC%9A%E8%AF%9D-1"],
];

const wire = (value: string, expected: string) => (expected === 'latin1' ? Buffer.from(value, 'latin1') : Buffer.from(expected, 'latin1'));

/** Per kind of store: traces serve over one store of it, and another as a `--to` store. */
const KINDS = storeKinds().map((kind) => ({
  kind,
  name: kind.name,
  served: undefined as unknown as RecordingServer,
  places: [] as StorePlace[],
}));

describe('header values, against the raw bytes on the wire', () => {
  const sessions = () => join(tmp.path, 'values', 'agent', 'sessions');

  beforeAll(async () => {
    CWDS.forEach(([, cwd], i) => writeSession(join(sessions(), `cwd-${i}.jsonl`), header({ id: `cwd-${i}`, cwd }), entries(`cwd-${i}`, 1)));
    for (const [, id] of IDS) {
      const root = writeSession(join(sessions(), `${uuidFrom(id)}.jsonl`), header({ id }), entries(id, 1));
      const child = join(tmp.path, 'values', 'agent', 'session-artifacts', uuidFrom(id), 'sub-0000abcd', 'child.jsonl');
      writeSession(child, header({ id: `child-of-${uuidFrom(id)}`, parentSession: root, rlmDepth: 1 }), entries(`${id}:child`, 1));
    }
    const targets: [string, Record<string, string | undefined>][] = [[raw.url, {}]];
    for (const k of KINDS) {
      const [servedPlace, to] = [await k.kind.open(), await k.kind.open()];
      k.places = [servedPlace, to];
      k.served = new RecordingServer(servedPlace.store);
      targets.push([await k.served.start(), {}], [to.to, to.env]);
    }
    for (const [to, extra] of targets) {
      const result = await cli('values', ['upload', '--to', to, '--json'], { TRACES_SESSIONS_DIR: sessions(), ...extra });
      expect(result.code, result.stderr).toBe(0);
      expect(result.json()).toMatchObject({ failed: 0, uploaded: CWDS.length + 2 * IDS.length });
    }
  });

  afterAll(async () => {
    for (const k of KINDS) {
      await k.served?.stop();
      for (const place of k.places) await place.cleanup();
    }
  });

  it.each(CWDS)('X-Cwd with %s: the exact bytes', (_what, cwd, expected) => {
    const i = CWDS.findIndex(([, c]) => c === cwd);
    const [put] = putsOf(`cwd-${i}`);
    expect(put!.headers.get('x-cwd')).toEqual(wire(cwd, expected));
  });

  it.each(CWDS.filter(([, , e]) => e === 'latin1'))('X-Cwd with %s: the same bytes prime-agent (Node fetch) sends', async (_what, cwd) => {
    const i = CWDS.findIndex(([, c]) => c === cwd);
    expect(putsOf(`cwd-${i}`)[0]!.headers.get('x-cwd')).toEqual(await fetchSends(cwd));
  });

  it('prime-agent cannot send the other values as they are: fetch throws or drops the edge spaces', async () => {
    expect(await fetchSends('/home/用户/项目')).toBeInstanceOf(Error);
    expect(await fetchSends('/tmp/a\u0001b')).toBeInstanceOf(Error);
    expect(await fetchSends('/tmp/dir ')).toEqual(Buffer.from('/tmp/dir'));
  });

  it.each(IDS)('%s: the path, X-Trace-Id and X-Parent-Session name the same id', (_what, id, expected) => {
    const [root] = putsOf(id);
    expect(root!.target).toBe(`/api/v1/agent-traces/sessions/${encodeURIComponent(id)}`);
    expect(root!.headers.get('x-trace-id')).toEqual(wire(id, expected));
    const [child] = putsOf(`child-of-${uuidFrom(id)}`);
    expect(child!.headers.get('x-trace-id')).toEqual(wire(id, expected));
    expect(child!.headers.get('x-parent-session')).toEqual(wire(id, expected));
  });

  describe.each(KINDS)('on a $name store', (k) => {
    /** The sessions of traces serve's store and of the `--to` store, read by stores of their own. */
    const both = async () => [(await k.places[0]!.another()).sessions, (await k.places[1]!.another()).sessions];

    it.each(CWDS)('X-Cwd with %s: traces serve and a --to store keep the string', async (_what, cwd) => {
      const i = CWDS.findIndex(([, c]) => c === cwd);
      for (const store of await both()) expect((await store.get(`cwd-${i}`))?.cwd).toBe(cwd);
    });

    it.each(IDS)('%s: traces serve and a --to store name the same id', async (_what, id) => {
      for (const store of await both()) {
        expect(await store.get(id)).toMatchObject({ session_id: id, trace_id: id });
        expect(await store.get(`child-of-${uuidFrom(id)}`)).toMatchObject({ trace_id: id, parent_session: id });
      }
    });

    it.each(IDS)('%s: traces serve answers a GET of it with the same X-Trace-Id encoding', async (_what, id, expected) => {
      const res = await fetch(`${k.served.url}/api/v1/agent-traces/sessions/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${k.served.token}` },
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      // fetch reads header bytes as Latin-1, as Node's server and client do.
      expect(Buffer.from(res.headers.get('x-trace-id')!, 'latin1')).toEqual(wire(id, expected));
    });
  });
});

describe('X-Agent-Version', () => {
  const sessions = () => join(tmp.path, 'versions', 'agent', 'sessions');
  const plain = uuidFrom('version:plain');
  const recorded = uuidFrom('version:recorded');

  beforeAll(() => {
    writeSession(join(sessions(), `${plain}.jsonl`), header({ id: plain }), entries(plain, 1));
    writeSession(join(sessions(), `${recorded}.jsonl`), { ...header({ id: recorded }), agentVersion: '1.2.3' }, entries(recorded, 1));
  });

  const upload = async (name: string, extra: Record<string, string> = {}) => {
    const result = await cli(name, ['upload', '--to', raw.url, '--json'], { TRACES_SESSIONS_DIR: sessions(), ...extra });
    expect(result.code, result.stderr).toBe(0);
  };

  it("never carries traces' own version; traces names itself in User-Agent only", async () => {
    await upload('version-none');
    const put = putsOf(plain).at(-1)!;
    expect(put.headers.get('x-agent-version')!.toString('latin1')).toBe('unknown');
    expect(put.headers.get('user-agent')!.toString('latin1')).toBe(USER_AGENT);
    expect(putsOf(recorded).at(-1)!.headers.get('x-agent-version')!.toString('latin1')).toBe('1.2.3');
  });

  it('is the version the session file records, else TRACES_AGENT_VERSION, else unknown', async () => {
    await upload('version-env', { TRACES_AGENT_VERSION: '0.8.0' });
    expect(putsOf(plain).at(-1)!.headers.get('x-agent-version')!.toString('latin1')).toBe('0.8.0');
    expect(putsOf(recorded).at(-1)!.headers.get('x-agent-version')!.toString('latin1')).toBe('1.2.3');
  });

  it('the hook sends the same: the environment the agent runs it with', async () => {
    const file = join(sessions(), `${plain}.jsonl`);
    const result = await cli('version-hook', ['hook', '--wait', '--session', file, '--to', raw.url], { TRACES_AGENT_VERSION: '0.8.1' });
    expect(result.code, result.stderr).toBe(0);
    expect(putsOf(plain).at(-1)!.headers.get('x-agent-version')!.toString('latin1')).toBe('0.8.1');
  });
});

describe('base URL forms', () => {
  const sessions = () => join(tmp.path, 'urls', 'agent', 'sessions');
  const id = uuidFrom('url:root');

  beforeAll(() => {
    writeSession(join(sessions(), `${id}.jsonl`), header({ id }), entries(id, 1));
  });

  const FORMS: [string, string][] = [
    ['', ''],
    ['/', ''],
    ['//', ''],
    ['/api/v1', ''],
    ['/api/v1/', ''],
    ['/prefix', '/prefix'],
    ['/prefix/api/v1/', '/prefix'],
  ];
  const SOURCES = ['--to', 'TRACES_API_URL', 'PRIME_AGENT_TRACES_BASE_URL', 'TRACES_UPLOAD_URL', 'config api_url', 'config upload_url'];
  const cases = SOURCES.flatMap((source) => FORMS.map(([suffix, prefix]) => [source, suffix, prefix] as const));

  it.each(cases)('%s = <server>%s: PUT %s/api/v1/agent-traces/sessions/{id}', async (source, suffix, prefix) => {
    const name = `url-${SOURCES.indexOf(source)}-${FORMS.findIndex(([s]) => s === suffix)}`;
    const value = raw.url + suffix;
    const args = ['upload', '--json'];
    const extra: Record<string, string> = { TRACES_SESSIONS_DIR: sessions() };
    if (source === '--to') args.push('--to', value);
    else if (source.startsWith('config ')) {
      expect((await cli(name, ['config', 'set', source.slice('config '.length), value])).code).toBe(0);
    } else extra[source] = value;
    const before = raw.requests.length;
    const result = await cli(name, args, extra);
    expect(result.code, result.stderr).toBe(0);
    const sent = raw.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.target}`)).toEqual([`PUT ${prefix}/api/v1/agent-traces/sessions/${id}`]);
  });

  it('PRIME_AGENT_TRACES_BASE_URL with spaces around it, as prime-agent trims it', async () => {
    const before = raw.requests.length;
    const result = await cli('url-spaces', ['upload'], {
      TRACES_SESSIONS_DIR: sessions(),
      PRIME_AGENT_TRACES_BASE_URL: ` ${raw.url}/api/v1/ `,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(raw.requests.slice(before).map((r) => r.target)).toEqual([`/api/v1/agent-traces/sessions/${id}`]);
  });

  it('two spellings of one backend are one ledger key: the second run sends nothing', async () => {
    const first = await cli('url-ledger', ['upload', '--json'], { TRACES_SESSIONS_DIR: sessions(), TRACES_API_URL: raw.url });
    expect(first.json()).toMatchObject({ uploaded: 1 });
    const second = await cli('url-ledger', ['upload', '--json'], {
      TRACES_SESSIONS_DIR: sessions(),
      PRIME_AGENT_TRACES_BASE_URL: `${raw.url}/api/v1/`,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.json()).toMatchObject({ uploaded: 0, unchanged: 1 });
  });

  it('a base ending in /api/v1 does not double the prefix of the metadata and events contracts', async () => {
    const home = join(tmp.path, 'urls', 'agent');
    const file = join(sessions(), `${id}.jsonl`);
    const before = served.requests.length;
    const base = { TRACES_SESSIONS_DIR: join(home, 'sessions') };
    const save = await cli('url-other', ['sessions', 'save', file, '--org', 'acme', '--workspace', 'ml', '--json'], {
      ...base,
      TRACES_API_URL: `${served.url}/api/v1/`,
    });
    expect(save.code, save.stderr).toBe(0);
    const push = await cli('url-other', ['events', 'push', file, '--json'], { ...base, TRACES_EVENTS_URL: `${served.url}/api/v1` });
    expect(push.code, push.stderr).toBe(0);
    const paths = served.requests.slice(before).map((r) => r.url);
    expect(paths).toContain('/api/v1/org/acme/ws/ml/sessions');
    expect(paths.some((p) => p.startsWith('/v1/sessions'))).toBe(true);
    expect(paths.filter((p) => p.includes('/api/v1/v1') || p.includes('/api/v1/api/v1'))).toEqual([]);
  });
});
