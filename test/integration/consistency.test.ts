import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TracesServer } from '../../src/server/server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';

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
    world.server.fail({ kind: 'status', status: 404, body: '{"type":"about:blank","title":"Not Found","status":404,"detail":"no such session"}' });
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

describe('traces serve request log', () => {
  it('counts the body bytes it sends, not only those it reads', async () => {
    const tmp = tempDir();
    const lines: string[] = [];
    const server = new TracesServer({ dataDir: join(tmp.path, 'data'), tokens: null, maxBytes: 1024 ** 2, log: (l) => lines.push(l) });
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
      tmp.cleanup();
    }
  });
});
