import { readFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, uuidFrom } from '../../fixtures/builder.mjs';
import { uploadTargetIn } from '../../src/backend/connect.js';
import { knownSecrets } from '../../src/config/credentials.js';
import { readSettings, settingsPath } from '../../src/config/settings.js';
import { parseBackend, type BackendSpec } from '../../src/config/backend.js';
import { silentLogger } from '../../src/core/logger.js';
import { Redactor } from '../../src/core/redact/redactor.js';
import { openUploadRun } from '../../src/core/upload-run.js';
import { listEntries } from '../../src/util/pattern-list.js';
import { isolatedEnv, tempDir } from '../helpers/cli.js';
import { RecordingServer, storedBody } from '../helpers/recording-server.js';
import { storeKinds, type StorePlace } from '../helpers/stores.js';
import { nearMisses, PLACES, plantedSecrets, TRACES_TOKEN, uEscaped, USER_PATTERN, type Planted } from '../helpers/secrets-corpus.js';

/** Every way a planted secret could be written in a JSON line: raw, JSON-escaped, \u-escaped. */
function forms(secret: string): string[] {
  const u = [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), u])];
}

/** A line's structure: every string replaced by '' (numbers, keys, nesting kept). */
function shape(value: unknown): unknown {
  if (typeof value === 'string') return '';
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') return Object.entries(value).map(([, v]) => shape(v));
  return value;
}

interface Written {
  id: string;
  file: string;
  lines: string[];
  /** Lines that must arrive byte-identical. */
  untouched: number[];
}

/**
 * The corpus as sessions: one holding every planted secret in every place (raw and \u-escaped),
 * near-misses between them, and a git remote with a password in its header; and one session per
 * secret whose header's cwd holds it (raw, then \u-escaped).
 */
function writeCorpus(dir: string): Written[] {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, lines: string[], untouched: number[] = []): Written => {
    const file = join(dir, `${name}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return { id: (JSON.parse(lines[0]!) as { id: string }).id, file, lines, untouched };
  };
  const planted = plantedSecrets();
  const basicAuth = planted.find((p) => p.rule === 'basicauth')!;
  const mainId = uuidFrom('redact-upload:main');
  const lines = [JSON.stringify(header({ id: mainId, git: { repoUrl: basicAuth.text.split(' ').pop(), commit: 'c'.repeat(40) } }))];
  const untouched: number[] = [];
  // The server takes JSON lines only: the near-miss that is plain text is the redactor's unit tests' concern.
  const misses = nearMisses().filter((line) => line.startsWith('{'));
  for (const p of planted) {
    for (const [place, build] of Object.entries(PLACES)) {
      const raw = JSON.stringify(build(p.text));
      lines.push(raw, uEscaped(raw, p.secret));
      const miss = misses[lines.length % misses.length]!;
      if (place === 'thinking') untouched.push(lines.push(miss) - 1);
    }
  }
  for (const miss of misses) untouched.push(lines.push(miss) - 1);
  const written = [write('main', lines, untouched)];
  const cwdHeader = (p: Planted, id: string) =>
    JSON.stringify(header({ ...(PLACES['header cwd']!(p.text) as { cwd: string }), id: uuidFrom(id) }));
  planted.forEach((p, i) => {
    written.push(write(`cwd-${i}`, [cwdHeader(p, `redact-upload:cwd:${i}`), misses[1]!], [1]));
    written.push(write(`cwd-u-${i}`, [uEscaped(cwdHeader(p, `redact-upload:cwd-u:${i}`), p.secret), misses[1]!], [1]));
  });
  return written;
}

/** The redactor `traces scan` builds: the user's patterns and allow-list, the tokens in use. */
function scanRedactor(env: Record<string, string | undefined>): Redactor {
  const settings = readSettings(env);
  return new Redactor({
    patterns: listEntries(settings.redact_patterns),
    allow: listEntries(settings.redact_allow),
    extraSecrets: knownSecrets(env),
  });
}

const doors = storeKinds().flatMap((kind) => (['traces serve', '--to'] as const).map((door) => ({ kind, door, name: kind.name })));

describe.each(doors)('whole-file uploads to $door on a $name store send redacted bytes', ({ kind, door }) => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string | undefined>;
  let server: RecordingServer | undefined;
  let place: StorePlace;
  beforeEach(async () => {
    tmp = tempDir();
    env = isolatedEnv(tmp.path, { TRACES_TOKEN });
    mkdirSync(dirname(settingsPath(env)), { recursive: true });
    writeFileSync(settingsPath(env), JSON.stringify({ redact_patterns: USER_PATTERN }));
    server = undefined;
  });
  afterEach(async () => {
    await server?.stop();
    await place.cleanup();
    tmp.cleanup();
  });

  /** Where the run sends (traces serve over a fresh store of `kind`, or that store as `--to`), and what it holds, read back. */
  async function open() {
    place = await kind.open();
    env = { ...env, ...place.env };
    if (door === 'traces serve') {
      const served = new RecordingServer(place.store);
      server = served;
      const spec: BackendSpec = { kind: 'http', url: new URL(await served.start()), source: '--url' };
      return { spec, body: (id: string) => served.body(id), meta: (id: string) => served.traces.store.sessions.get(id) };
    }
    const spec = parseBackend(place.to, '--to', { allowHttp: false, cwd: tmp.path, env });
    const store = await place.another();
    return { spec, body: (id: string) => storedBody(store, id), meta: (id: string) => store.sessions.get(id) };
  }
  const puts = () => server?.puts() ?? [];

  async function openRun(spec: BackendSpec, redactor: Redactor | undefined) {
    return openUploadRun(
      {
        backend: spec,
        roots: [],
        stateDir: env.TRACES_STATE_DIR!,
        settings: readSettings(env),
        credential: server ? { source: 'test', token: server.token } : undefined,
        retries: 0,
        timeout: 30_000,
        agents: { scan: ['prime'], paths: ['prime'] },
        redactor,
      },
      { logger: silentLogger, connect: uploadTargetIn(env) },
    );
  }

  it('no planted secret arrives, every line keeps its structure, near-misses are intact', async () => {
    const backend = await open();
    const sessions = writeCorpus(join(tmp.path, 'sessions'));
    const run = await openRun(backend.spec, scanRedactor(env));
    try {
      const report = await run.send([join(tmp.path, 'sessions')]);
      expect(report.sessions.filter((s) => s.status !== 'uploaded').map((s) => `${s.file}: ${s.error}`)).toEqual([]);
      expect(report.failed).toBe(0);
      expect(report.uploaded).toBe(sessions.length);
      const secrets = plantedSecrets().flatMap((p) => forms(p.secret));
      for (const session of sessions) {
        const body = (await backend.body(session.id))!;
        const text = body.toString('utf8');
        for (const secret of secrets) expect(text, `${session.file}`).not.toContain(secret);
        // The headers sent with the body (cwd, git remote) are stored as the session's record.
        const meta = JSON.stringify(await backend.meta(session.id));
        for (const secret of secrets) expect(meta).not.toContain(secret);
        const stored = text.split('\n');
        expect(stored.pop()).toBe('');
        expect(stored).toHaveLength(session.lines.length);
        stored.forEach((line, i) => {
          if (session.untouched.includes(i)) expect(line).toBe(session.lines[i]);
          else expect(shape(JSON.parse(line)), `${session.file}:${i + 1}`).toEqual(shape(JSON.parse(session.lines[i]!)));
        });
        const report1 = report.sessions.find((s) => s.session_id === session.id)!;
        expect(report1.bytes).toBe(body.length);
      }
      expect((await backend.body(sessions[0]!.id))!.toString('utf8')).toContain('[REDACTED:github]');
      if (server) {
        // The length announced is the length the server stored (it refuses any other).
        for (const put of puts()) {
          const id = decodeURIComponent(put.url.split('/').pop()!);
          expect(Number(put.headers['content-length'])).toBe((await backend.body(id))!.length);
        }
      }

      // A rerun sends nothing; nor does one after the files' mtime moved with their bytes unchanged.
      const sent = puts().length;
      expect((await run.send([join(tmp.path, 'sessions')])).uploaded).toBe(0);
      const later = new Date(Date.now() + 60_000);
      for (const session of sessions) utimesSync(session.file, later, later);
      const again = await run.send([join(tmp.path, 'sessions')]);
      expect(again.uploaded).toBe(0);
      expect(again.sessions.every((s) => s.status === 'unchanged')).toBe(true);
      expect(puts().length).toBe(sent);
    } finally {
      await run.close();
    }
  });

  it('with no redactor: the bytes sent are the file’s own', async () => {
    const backend = await open();
    const sessions = writeCorpus(join(tmp.path, 'sessions'));
    const run = await openRun(backend.spec, undefined);
    try {
      const report = await run.send([join(tmp.path, 'sessions')]);
      expect(report.uploaded).toBe(sessions.length);
      for (const session of sessions) expect((await backend.body(session.id))!.equals(readFileSync(session.file))).toBe(true);
    } finally {
      await run.close();
    }
  });
});
