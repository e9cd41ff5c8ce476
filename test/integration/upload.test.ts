import { appendFileSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { header, uuidFrom, writeSession, entries, writeLargeSession } from '../../fixtures/builder.mjs';
import { runCli } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';
import { useShortBackoff } from '../helpers/backoff.js';

useShortBackoff();
const world = useWorld();

const upload = (...args: string[]) => runCli(['upload', ...args], { env: world.env });

describe('traces upload', () => {
  it('uploads the whole tree with the recursion headers and the exact bytes', async () => {
    const result = await upload('--json');
    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({ total: 4, uploaded: 4, unchanged: 0, failed: 0 });
    const byId = new Map(world.server.puts().map((r) => [decodeURIComponent(r.url.split('/').pop()!), r]));
    const root = byId.get(world.home.rootId)!;
    expect((await world.server.body(world.home.rootId))!.equals(readFileSync(world.home.root))).toBe(true);
    expect(root.headers['x-trace-id']).toBe(world.home.rootId);
    expect(root.headers['x-parent-session']).toBeUndefined();
    expect(root.headers['x-git-repo']).toBe('https://github.com/example/project.git');
    expect(root.headers['x-git-commit']).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f9012345678');
    expect(root.headers['content-type']).toBe('application/x-ndjson');
    expect(root.headers['content-length']).toBe(String(statSync(world.home.root).size));
    expect(root.headers['user-agent']).toMatch(/^traces\/\d+\.\d+\.\d+/);
    expect(root.headers['x-cwd']).toBe('/work/project');
    const grand = byId.get(world.home.grandId)!;
    expect(grand.headers['x-parent-session']).toBe(world.home.childId);
    expect(grand.headers['x-trace-id']).toBe(world.home.rootId);
    expect(byId.get(world.home.childId)!.headers['x-parent-session']).toBe(world.home.rootId);
    expect(byId.get(world.home.forkId)!.headers['x-parent-session']).toBe(world.home.rootId);
    const grandReport = report.sessions.find((s: any) => s.session_id === world.home.grandId);
    expect(grandReport).toMatchObject({
      status: 'uploaded',
      trace_id: world.home.rootId,
      parent_session: world.home.childId,
      file: world.home.grand,
    });
    expect(grandReport.key).toBe(`agent-traces/${world.home.rootId}/${world.home.grandId}.jsonl`);
  });

  it('sends nothing on a rerun with nothing changed, and only what changed after an append', async () => {
    expect((await upload()).code).toBe(0);
    const first = world.server.puts().length;
    const again = await upload('--json');
    expect(again.json()).toMatchObject({ total: 4, uploaded: 0, unchanged: 4 });
    expect(world.server.puts().length).toBe(first);

    appendFileSync(
      world.home.child,
      `${JSON.stringify({ type: 'label', id: 'aaaa0001', parentId: null, timestamp: '2026-11-01T12:00:00Z', label: 'x' })}\n`,
    );
    const third = await upload('--json');
    expect(third.json()).toMatchObject({ uploaded: 1, unchanged: 3 });
    expect((await world.server.body(world.home.childId))!.equals(readFileSync(world.home.child))).toBe(true);
  });

  it('holds back a torn last line and sends it once it is complete', async () => {
    const complete = readFileSync(world.home.root);
    appendFileSync(world.home.root, '{"type":"message","id":"torn0001","mess');
    await upload();
    expect((await world.server.body(world.home.rootId))!.equals(complete)).toBe(true);
    // Unchanged file with its torn tail: nothing is sent again.
    await upload();
    expect(world.server.puts().filter((r) => r.url.endsWith(world.home.rootId)).length).toBe(1);
    appendFileSync(world.home.root, 'age":{"role":"user","content":"hi"}}');
    await upload();
    // The final unterminated line parses now: it is sent.
    expect((await world.server.body(world.home.rootId))!.equals(readFileSync(world.home.root))).toBe(true);
  });

  it('does not send a file whose mtime moved but whose bytes did not', async () => {
    await upload();
    const before = world.server.puts().length;
    const later = new Date(Date.now() + 60_000);
    utimesSync(world.home.fork, later, later);
    const result = await upload('--json');
    expect(result.json()).toMatchObject({ uploaded: 0, unchanged: 4 });
    expect(world.server.puts().length).toBe(before);
  });

  it('hashes a large session on a worker thread: the stored hash matches the file', async () => {
    const id = uuidFrom('large');
    const file = join(world.home.sessions, `${id}.jsonl`);
    writeLargeSession(file, id, 9 * 1024 * 1024);
    expect((await upload('--json', file)).json().uploaded).toBe(1);
    expect((await world.server.body(id))!.equals(readFileSync(file))).toBe(true);
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    const again = await upload('--json', file);
    expect(again.json()).toMatchObject({ uploaded: 0, unchanged: 1 });
  });

  it('retries resets, 5xx and lost answers, and uploads each session exactly as written', async () => {
    world.server.fail(
      { kind: 'reset' },
      { kind: 'status', status: 503 },
      { kind: 'lost' },
      { kind: 'status', status: 500, body: '{"error":{"message":"boom"}}' },
    );
    const result = await runCli(['upload', '--json', '--concurrency', '1', '--retries', '4'], { env: world.env });
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ uploaded: 4, failed: 0 });
    for (const [file, id] of [
      [world.home.root, world.home.rootId],
      [world.home.child, world.home.childId],
      [world.home.grand, world.home.grandId],
      [world.home.fork, world.home.forkId],
    ] as const) {
      expect((await world.server.body(id))!.equals(readFileSync(file))).toBe(true);
    }
    expect(world.server.puts().length).toBeGreaterThanOrEqual(4 + 3); // the reset never reached the recorder
  });

  it('honours Retry-After on a 429 before trying again', async () => {
    world.server.fail({ kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: '{"detail":"slow down"}' });
    const started = Date.now();
    const result = await upload('--json', '--concurrency', '1');
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.json().uploaded).toBe(4);
  });

  it('fails a session after its retries and tries it again on the next run', async () => {
    world.server.fail(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 502, body: 'bad gateway' })));
    const first = await upload('--json', '--concurrency', '1', '--retries', '1', '--', world.home.root);
    expect(first.code).toBe(1);
    const report = first.json();
    expect(report.sessions[0]).toMatchObject({ status: 'failed', session_id: world.home.rootId });
    expect(report.sessions[0].error).toContain('502');
    expect(report.sessions[0].error).toContain('bad gateway');
    const second = await upload('--json', world.home.root);
    expect(second.code).toBe(0);
    expect(second.json().uploaded).toBe(1);
  });

  it('treats other 4xx as final and shows the world.server message', async () => {
    world.server.fail({
      kind: 'status',
      status: 400,
      body: JSON.stringify({ title: 'Bad Request', status: 400, detail: 'trace id is malformed' }),
    });
    const result = await upload('--json', world.home.root);
    expect(result.code).toBe(1);
    expect(result.json().sessions[0]).toMatchObject({ status: 'invalid', error: '400 Bad Request: trace id is malformed' });
    expect(world.server.puts().length).toBe(1);
  });

  it("never counts a redirect or a 200 that is not the contract's answer as stored", async () => {
    world.server.fail({ kind: 'status', status: 302, headers: { location: '/login' } });
    const redirected = await upload('--json', world.home.root);
    expect(redirected.code).toBe(1);
    expect(redirected.json().sessions[0]).toMatchObject({ status: 'failed' });
    expect(redirected.json().sessions[0].error).toContain('302');
    world.server.fail({ kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: '<html>sign in</html>' });
    const html = await upload('--json', world.home.child);
    expect(html.code).toBe(1);
    expect(html.json().sessions[0].status).toBe('failed');
    expect(html.json().sessions[0].error).toContain('no storage key');
    expect((await upload('--json', world.home.child)).json().uploaded).toBe(1);
  });

  it('reports a 413 from the world.server as too large', async () => {
    world.server.fail({
      kind: 'status',
      status: 413,
      body: JSON.stringify({ detail: 'body of 2400 bytes is over the limit of 100 bytes' }),
    });
    const result = await upload('--json', world.home.fork);
    expect(result.json().sessions[0]).toMatchObject({ status: 'too_large', error: expect.stringContaining('over the limit') });
  });

  it('records a 422 as invalid and skips it until the file changes', async () => {
    world.server.fail({
      kind: 'status',
      status: 422,
      body: JSON.stringify({ errors: [{ param: 'body', details: 'line 3 is not JSON' }] }),
    });
    const first = await upload('--json', world.home.fork);
    expect(first.code).toBe(1);
    expect(first.json().sessions[0]).toMatchObject({ status: 'invalid', error: '422 Unprocessable Entity: body: line 3 is not JSON' });
    const second = await upload('--json', world.home.fork);
    expect(second.code).toBe(0);
    expect(second.json().sessions[0].status).toBe('unchanged');
    expect(world.server.puts().length).toBe(1);
    appendFileSync(world.home.fork, `${JSON.stringify({ type: 'label', id: 'bbbb0001', parentId: null, timestamp: 'x' })}\n`);
    expect((await upload('--json', world.home.fork)).json().uploaded).toBe(1);
  });

  it('reports files over --max-bytes as too large and never sends them', async () => {
    const result = await upload('--json', '--max-bytes', '100');
    expect(result.code).toBe(1);
    expect(result.json().sessions.every((s: any) => s.status === 'too_large')).toBe(true);
    expect(world.server.puts().length).toBe(0);
  });

  it('skips non-sessions in a folder scan silently and refuses them when named', async () => {
    writeFileSync(join(world.home.sessions, 'diagnostics.jsonl'), '{"level":"info","msg":"started"}\n');
    writeFileSync(join(world.home.sessions, 'empty.jsonl'), '');
    writeFileSync(join(world.home.sessions, 'notes.txt'), 'hello\n');
    const scan = await upload('--json');
    expect(scan.code).toBe(0);
    expect(scan.json().total).toBe(4);
    const named = await upload('--json', join(world.home.sessions, 'diagnostics.jsonl'));
    expect(named.code).toBe(1);
    expect(named.json().sessions[0].status).toBe('invalid');
    expect(named.json().sessions[0].error).toContain('diagnostics.jsonl');
  });

  it('exits 2 for a missing path, an unknown flag and a bad --to scheme', async () => {
    const missing = await upload(join(world.tmp.path, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope: no such file or folder');
    const dir = await upload('--sessions-dir', join(world.tmp.path, 'nowhere'));
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('nowhere (from --sessions-dir): no such folder');
    expect((await upload('--frobnicate')).code).toBe(2);
    const scheme = await upload('--to', 'ftp://example.com');
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('unsupported scheme');
    const clear = await upload('--to', 'http://example.com');
    expect(clear.code).toBe(2);
    expect(clear.stderr).toContain('--allow-http');
  });

  it('exits 4 without a credential, and on a 401, never printing the token', async () => {
    const none = await runCli(['upload'], { env: { ...world.env, TRACES_TOKEN: undefined } });
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('traces login');
    expect(none.stderr).toContain('TRACES_TOKEN');
    // One session at a time: the first refusal must be the last PUT of the run.
    const wrong = await runCli(['upload', '--verbose', '--concurrency', '1'], {
      env: { ...world.env, TRACES_TOKEN: 'wrong-secret-token' },
    });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('401');
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-secret-token');
    expect(world.server.puts().length).toBe(1); // the run stopped at the refusal
    // A world.server that echoes the key it refused: the message shows the world.server's words, not the key.
    world.server.fail({ kind: 'status', status: 401, body: JSON.stringify({ detail: `invalid API key ${world.server.token}` }) });
    const echoed = await runCli(['upload', '--json', world.home.root], { env: world.env });
    expect(echoed.code).toBe(4);
    expect(echoed.stderr).toContain('invalid API key [REDACTED]');
    expect(echoed.stdout + echoed.stderr).not.toContain(world.server.token);
    expect(echoed.json().error).toMatchObject({ code: 'auth', exit_code: 4 });
  });

  it('--dry-run shows the plan and sends nothing', async () => {
    const result = await upload('--dry-run', '--json');
    expect(result.code).toBe(0);
    expect(world.server.requests.length).toBe(0);
    const grand = result.json().sessions.find((s: any) => s.session_id === world.home.grandId);
    expect(grand).toMatchObject({ status: 'pending', kind: 'sub-agent', trace_id: world.home.rootId, parent_session: world.home.childId });
    expect(grand.endpoint).toBe(`PUT ${world.server.url}/api/v1/agent-traces/sessions/${world.home.grandId}`);
    const human = await upload('--dry-run');
    expect(human.stdout).toContain(`parent: ${world.home.childId}`);
    expect(human.stdout).toContain('git:    https://github.com/example/project.git @ a1b2c3d4');
  });

  it('--force sends everything again', async () => {
    await upload();
    const result = await upload('--force', '--json');
    expect(result.json().uploaded).toBe(4);
    expect(world.server.puts().length).toBe(8);
  });

  it('sends the git facts of the last git_state on the active branch', async () => {
    const id = uuidFrom('git-branch');
    const file = join(world.home.sessions, `${id}.jsonl`);
    const base = entries('git-branch', 1);
    const main1 = {
      type: 'git_state',
      id: 'g0000001',
      parentId: base[base.length - 1].id,
      timestamp: 't',
      repoUrl: 'https://example.com/r.git',
      commit: '1111111',
    };
    const side = {
      type: 'git_state',
      id: 'g0000002',
      parentId: 'g0000001',
      timestamp: 't',
      repoUrl: 'https://example.com/r.git',
      commit: '2222222',
    };
    // The branch is abandoned: the last entry continues from main1, not from side.
    const leaf = { type: 'message', id: 'm0000009', parentId: 'g0000001', timestamp: 't', message: { role: 'user', content: 'back' } };
    writeSession(file, header({ id, git: { repoUrl: 'https://example.com/header.git', commit: '0000000' } }), [...base, main1, side, leaf]);
    await upload(file);
    const put = world.server.puts().find((r) => r.url.endsWith(id))!;
    expect(put.headers['x-git-commit']).toBe('1111111');
    expect(put.headers['x-git-repo']).toBe('https://example.com/r.git');
  });
});
