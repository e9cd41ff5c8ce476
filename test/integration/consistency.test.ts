import { request } from 'node:http';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuidFrom, writeLargeSession } from '../../fixtures/builder.mjs';
import { describe, expect, it } from 'vitest';
import { TracesServer } from '../../src/server/server.js';
import { runCli } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';
import { storeKinds } from '../helpers/stores.js';

// Most of these test what the client says and its ledger, not what a store keeps: one folder store serves them.
const world = useWorld();
const cli = (...args: string[]) => runCli(args, { env: world.env });

describe('error texts', () => {
  it('says a status text once when the body only repeats it', async () => {
    world.server.fail({ kind: 'status', status: 404, body: '{"detail":"Not Found"}' });
    const result = await cli('sessions', 'patch', `session_${'a'.repeat(32)}`, '--title', 'x');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('404 Not Found');
    expect(result.stderr).not.toContain('Not Found: Not Found');
  });

  it('drops an RFC 9457 title that repeats the status text but keeps its detail', async () => {
    world.server.fail({
      kind: 'status',
      status: 404,
      body: '{"type":"about:blank","title":"Not Found","status":404,"detail":"no such session"}',
    });
    const result = await cli('sessions', 'patch', `session_${'a'.repeat(32)}`, '--title', 'x');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('404 Not Found: no such session');
  });
});

describe('counts in words', () => {
  it('says 1 body and 1 batch, not 1 bodies and 1 batches', async () => {
    const saved = await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml', '--dry-run');
    expect(saved.code).toBe(0);
    expect(saved.stderr).toContain('dry run: 1 body shown, nothing sent');
    const pushed = await cli('events', 'push', world.home.root);
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toMatch(/ in 1 batch\b/);
    expect(pushed.stderr).not.toMatch(/\b1 (batches|sessions|bodies)\b/);
  });
});

describe('a session over --max-bytes', () => {
  it('is reported once per change of the file, with its size and the limit in MiB', async () => {
    const id = uuidFrom('big');
    const file = join(world.home.sessions, `${id}.jsonl`);
    writeLargeSession(file, id, 1.5 * 1024 ** 2);
    const limit = String(1024 ** 2);
    const first = await cli('upload', '--max-bytes', limit);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/1\.[1-9] MiB is over the --max-bytes limit of 1\.0 MiB/);

    const again = await cli('upload', '--max-bytes', limit, '--json');
    expect(again.code).toBe(0);
    const big = again.json().sessions.find((s: any) => s.file === file);
    expect(big).toMatchObject({ status: 'unchanged' });
    expect(big.error).toMatch(/too large when last tried .*unchanged since/);
    expect((await cli('status', '--json')).json().backends[0].too_large).toBe(1);

    appendFileSync(file, `${JSON.stringify({ type: 'label', id: 'c0ffee09', parentId: null, timestamp: 't' })}\n`);
    expect((await cli('upload', '--max-bytes', limit)).code).toBe(1);
    // A higher limit admits it at once, changed or not.
    const raised = await cli('upload', '--max-bytes', String(2 * 1024 ** 2), '--json');
    expect(raised.code).toBe(0);
    expect(raised.json().sessions.find((s: any) => s.file === file).status).toBe('uploaded');
  });
});

describe.each(storeKinds())('traces serve request log on a $name store', (kind) => {
  it('counts the body bytes it sends, not only those it reads', async () => {
    const place = await kind.open();
    const lines: string[] = [];
    const server = new TracesServer({ store: place.store, tokens: null, maxBytes: 1024 ** 2, log: (l) => lines.push(l) });
    const url = await server.listen('127.0.0.1', 0);
    try {
      const logged = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (lines.some((l) => l.startsWith('GET '))) resolve(clearInterval(check));
        }, 5);
      });
      const body = await new Promise<string>((resolve, reject) => {
        request(`${url}/api/v1/agent-traces/sessions`, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      await logged;
      const line = lines.find((l) => l.startsWith('GET '))!;
      expect(line).toMatch(/ 200 in 0 B out \d+ B /);
      expect(line).toContain(`out ${Buffer.byteLength(body)} B`);
    } finally {
      await server.close(0);
      await place.cleanup();
    }
  });
});
