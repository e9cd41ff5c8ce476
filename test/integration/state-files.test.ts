import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

// State files are ours, but a crash, a bad disk or a person editing them can leave any shape:
// a malformed entry is dropped with one warning and the run goes on; a state path that cannot
// be used is a clear error naming it. Never "this is a bug".

let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let home: ReturnType<typeof buildHome>;
let store: string;
let state: string;

beforeEach(() => {
  tmp = tempDir();
  home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
  store = join(tmp.path, 'store');
  state = join(tmp.path, 'state');
  env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions, TRACES_API_URL: store });
  mkdirSync(state, { recursive: true });
});

afterEach(() => tmp.cleanup());

const backend = () => `file:${store}`;
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

describe('a ledger with the right shape but wrong types', () => {
  it('drops the malformed entries with one warning, uploads, and rewrites the file whole', async () => {
    const ledger = join(state, 'ledger.json');
    const kept = { status: 'uploaded', size: 10, mtimeMs: 1, sessionId: 'x', at: '2026-01-01T00:00:00.000Z' };
    writeFileSync(
      ledger,
      JSON.stringify({
        version: 1,
        backends: {
          [backend()]: 7,
          'https://elsewhere.example': {
            '/a.jsonl': 'uploaded',
            '/b.jsonl': { status: 'uploaded', size: 'big', mtimeMs: 1, at: 'x' },
            '/c.jsonl': kept,
          },
        },
      }),
    );
    const first = await runCli(['upload', '--json'], { env });
    expect(first.stderr).not.toMatch(/this is a bug/);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ uploaded: 4, failed: 0 });
    expect(warnings(first.stderr)).toHaveLength(1);
    expect(warnings(first.stderr)[0]).toContain(ledger);
    const rewritten = JSON.parse(readFileSync(ledger, 'utf8'));
    expect(Object.keys(rewritten.backends).sort()).toEqual([backend(), 'https://elsewhere.example']);
    expect(rewritten.backends['https://elsewhere.example']).toEqual({ '/c.jsonl': kept });
    expect(rewritten.backends[backend()][home.root]).toMatchObject({ status: 'uploaded' });
    const again = await runCli(['upload', '--json'], { env });
    expect(again.json()).toMatchObject({ unchanged: 4 });
    expect(warnings(again.stderr)).toHaveLength(0);
  });

  it('traces status reads past them with one warning', async () => {
    writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, backends: { [backend()]: 5 } }));
    const result = await runCli(['status', '--json'], { env });
    expect(result.code).toBe(0);
    expect(warnings(result.stderr)).toHaveLength(1);
    expect(result.json().backends[0]).toMatchObject({ backend: backend(), pending: 4 });
  });

  it('the events ledger too: events push goes on and records what it pushed', async () => {
    const ledger = join(state, 'events-ledger.json');
    writeFileSync(ledger, JSON.stringify({ version: 1, backends: { [backend()]: { [home.root]: { line: 'three' } }, other: [] } }));
    const first = await runCli(['events', 'push', '--json'], { env });
    expect(first.stderr).not.toMatch(/this is a bug/);
    expect(first.code).toBe(0);
    expect(warnings(first.stderr)).toHaveLength(1);
    expect(warnings(first.stderr)[0]).toContain(ledger);
    const again = await runCli(['events', 'push', '--json'], { env });
    expect(again.json()).toMatchObject({ pushed: 0, failed: 0 });
    expect(warnings(again.stderr)).toHaveLength(0);
  });
});

describe('a queue with malformed lines', () => {
  it('drops them with one warning, keeps the good entries, and rewrites the file whole', async () => {
    const queue = join(state, 'queue.ndjson');
    const good = { id: 'good', file: home.root, backend: backend(), at: '2026-01-01T00:00:00.000Z' };
    writeFileSync(
      queue,
      [
        JSON.stringify({ id: 1, file: home.root, backend: backend() }),
        JSON.stringify({ id: 'bad', file: home.root, backend: backend(), maxBytes: 'big', at: 'x' }),
        'null',
        JSON.stringify(good),
        '',
      ].join('\n'),
    );
    const status = await runCli(['status', '--json'], { env });
    expect(status.code).toBe(0);
    expect(status.json().queue.queued).toBe(1);
    expect(warnings(status.stderr)).toHaveLength(1);
    expect(warnings(status.stderr)[0]).toContain(queue);
    expect(readFileSync(queue, 'utf8')).toBe(`${JSON.stringify(good)}\n`);
    const again = await runCli(['status', '--json'], { env });
    expect(warnings(again.stderr)).toHaveLength(0);
  });
});

describe('a state path that cannot be used', () => {
  it('a ledger path that is a folder is a clear error naming it', async () => {
    mkdirSync(join(state, 'ledger.json'));
    const result = await runCli(['upload'], { env });
    expect(result.stderr).not.toMatch(/this is a bug/);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(state, 'ledger.json'));
  });

  it('a state dir that is a file is a clear error naming it', async () => {
    const file = join(tmp.path, 'not-a-dir');
    writeFileSync(file, '');
    const result = await runCli(['upload'], { env: { ...env, TRACES_STATE_DIR: file } });
    expect(result.stderr).not.toMatch(/this is a bug/);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toMatch(/TRACES_STATE_DIR/);
  });

  it('a queue path that is a folder is a clear error for status', async () => {
    mkdirSync(join(state, 'queue.ndjson'));
    const result = await runCli(['status'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(state, 'queue.ndjson'));
  });
});
