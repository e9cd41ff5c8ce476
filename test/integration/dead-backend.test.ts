import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, entries, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { Queue } from '../../src/core/queue.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { useShortBackoff } from '../helpers/backoff.js';

useShortBackoff();
/** A loopback port nobody listens on: bound by us, then closed, so a connect is refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let tmp: ReturnType<typeof tempDir>;
let sessions: string;
let files: string[];
const servers: RecordingServer[] = [];

/** `count` small root sessions in a fresh sessions dir. */
function writeSessions(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const id = uuidFrom(`dead:${i}`);
    return writeSession(join(sessions, `${id}.jsonl`), header({ id }), entries(`dead:${i}`, 1));
  });
}

async function liveServer(): Promise<RecordingServer> {
  const server = new RecordingServer(join(tmp.path, `served-${servers.length}`));
  await server.start();
  servers.push(server);
  return server;
}

const envFor = (url: string, extra: Record<string, string> = {}) =>
  isolatedEnv(tmp.path, { TRACES_TOKEN: 'test-token-abcdef', TRACES_API_URL: url, TRACES_SESSIONS_DIR: sessions, ...extra });

function ledgerFiles(name = 'ledger.json'): string[] {
  const path = join(tmp.path, 'state', name);
  if (!existsSync(path)) return [];
  return JSON.stringify(JSON.parse(readFileSync(path, 'utf8'))).match(/[0-9a-f-]{36}\.jsonl/g) ?? [];
}

beforeEach(() => {
  tmp = tempDir();
  sessions = join(tmp.path, 'agent', 'sessions');
  files = writeSessions(40);
});

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  tmp.cleanup();
});

describe('a backend nobody answers for', () => {
  it('upload stops starting sessions, keeps the rest pending and out of the ledger, exits 1, and the next run sends them', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const result = await runCli(['upload', '--json', '--retries', '0'], { env: envFor(dead) });
    expect(result.code).toBe(1);
    const report = result.json();
    expect(report.total).toBe(40);
    expect(report.unreachable).toBe('ECONNREFUSED');
    // stdout is the one JSON document; the line for people is on stderr.
    expect(result.stderr.split('\n').filter((l) => /unreachable/.test(l))).toEqual([
      `error: backend ${dead} is unreachable (ECONNREFUSED); 40 sessions kept for the next run`,
    ]);
    // Four in flight, and at most one more started before the second failure in a row stopped the run.
    const attempted = report.sessions.filter((s: any) => s.status !== 'pending');
    expect(attempted.length).toBeLessThanOrEqual(5);
    expect(report.pending).toBe(40 - attempted.length);
    expect(report.failed).toBe(attempted.length);
    for (const s of report.sessions.filter((r: any) => r.status === 'pending')) expect(s.error).toMatch(/not attempted.*unreachable/);
    // What was not attempted left no trace in the ledger.
    const recorded = new Set(ledgerFiles());
    for (const s of report.sessions.filter((r: any) => r.status === 'pending')) expect(recorded.has(s.file.split('/').pop())).toBe(false);

    const live = await liveServer();
    const next = await runCli(['upload', '--json'], { env: envFor(live.url) });
    expect(next.code).toBe(0);
    expect(next.json()).toMatchObject({ total: 40, uploaded: 40, failed: 0, pending: 0, unreachable: null });
  });

  it('says once what is wrong and where, with default retries, and bounds the connection attempts', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const result = await runCli(['upload', '--verbose'], { env: envFor(dead) });
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter(Boolean);
    // --verbose logs every failed attempt that is retried: 3 per session attempted, at most 5 sessions.
    const retried = lines.filter((l) => /attempt \d failed/.test(l));
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.length).toBeLessThanOrEqual(5 * 3);
    const people = lines.filter((l) => !/attempt \d failed|→ .* in \d+ ms/.test(l));
    const problem = people.filter((l) => /unreachable/.test(l));
    expect(problem).toHaveLength(1);
    expect(problem[0]).toContain(dead);
    expect(problem[0]).toContain('ECONNREFUSED');
    expect(problem[0]).toContain('40 sessions kept for the next run');
    expect(people.filter((l) => /^failed/.test(l))).toEqual([]);
  });

  it("keeps the hook's queued sessions queued when the upload stops early", async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const queue = new Queue(join(tmp.path, 'state'));
    await queue.append(files.slice(0, 10).map((file) => Queue.newEntry({ file, backend: dead })));
    const result = await runCli(['upload', '--json', '--retries', '0'], { env: envFor(dead) });
    expect(result.code).toBe(1);
    expect(
      queue
        .read()
        .map((e) => e.file)
        .sort(),
    ).toEqual(files.slice(0, 10).sort());
  });

  it('treats a TLS failure and a DNS failure as unreachable too', async () => {
    const live = await liveServer();
    const tls = await runCli(['upload', '--json', '--retries', '0'], { env: envFor(live.url.replace('http:', 'https:')) });
    expect(tls.code).toBe(1);
    expect(tls.json().pending).toBeGreaterThanOrEqual(35);
    expect(tls.json().unreachable).toMatch(/SSL|TLS|EPROTO/);
    expect(live.requests).toHaveLength(0);

    const dns = await runCli(['upload', '--json', '--retries', '0', '--allow-http'], { env: envFor('http://nowhere.invalid') });
    expect(dns.code).toBe(1);
    expect(dns.json().pending).toBeGreaterThanOrEqual(35);
    expect(dns.json().unreachable).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });

  it('keeps the per-session behaviour for a backend that answers (5xx, a reset after connecting)', async () => {
    const live = await liveServer();
    live.fail(
      ...Array.from({ length: 20 }, () => ({ kind: 'status' as const, status: 503 })),
      ...Array.from({ length: 20 }, () => ({ kind: 'reset' as const })),
    );
    const result = await runCli(['upload', '--json', '--retries', '0'], { env: envFor(live.url) });
    expect(result.code).toBe(1);
    const report = result.json();
    expect(report).toMatchObject({ total: 40, failed: 40, pending: 0, unreachable: null });
    expect(live.puts()).toHaveLength(40);
  });

  it('events push stops the same way and leaves the events ledger as it was', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const result = await runCli(['events', 'push', '--json', '--retries', '0'], { env: envFor(dead) });
    expect(result.code).toBe(1);
    const out = result.json();
    expect(out.total).toBe(40);
    expect(out.unreachable).toBe('ECONNREFUSED');
    expect(out.pending).toBeGreaterThanOrEqual(35);
    expect(ledgerFiles('events-ledger.json')).toEqual([]);

    const human = await runCli(['events', 'push', '--retries', '0'], { env: envFor(dead) });
    expect(human.code).toBe(1);
    const lines = human.stderr.split('\n').filter(Boolean);
    expect(lines.filter((l) => /unreachable/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^failed/.test(l))).toEqual([]);
  });

  it('sessions save stops the same way', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const result = await runCli(['sessions', 'save', '--all', '--org', 'acme', '--workspace', 'ml', '--json', '--retries', '0'], {
      env: envFor(dead),
    });
    expect(result.code).toBe(1);
    const out = result.json();
    expect(out.total).toBe(40);
    expect(out.unreachable).toBe('ECONNREFUSED');
    expect(out.pending).toBeGreaterThanOrEqual(35);

    const human = await runCli(['sessions', 'save', '--all', '--org', 'acme', '--workspace', 'ml', '--retries', '0'], {
      env: envFor(dead),
    });
    expect(human.code).toBe(1);
    const lines = human.stderr.split('\n').filter(Boolean);
    expect(lines.filter((l) => /unreachable/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^failed/.test(l))).toEqual([]);
    expect(human.stdout).toBe('');
  });
});
