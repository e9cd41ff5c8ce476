import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalStore } from '../../src/backend/store/index.js';
import { isolatedEnv, tempDir } from '../helpers/cli.js';
import { assertBuilt, BIN } from '../helpers/spawn.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  assertBuilt();
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

it('a `traces store copy` killed midway leaves a readable destination, and a rerun finishes it', async () => {
  const source = join(tmp.path, 'source');
  const store = new LocalStore(source);
  const body = (n: number) => `${JSON.stringify({ type: 'message', n, text: 'y'.repeat(20_000) })}\n`;
  for (let n = 1; n <= 150; n++) {
    await store.sessions.put({ sessionId: uuid(n), traceId: uuid(n) }, Readable.from([Buffer.from(body(n))]), body(n).length);
  }
  const destination = join(tmp.path, 'copy');
  const run = (kill?: (child: ReturnType<typeof spawn>) => void) => {
    const child = spawn(process.execPath, [BIN, 'store', 'copy', source, destination, '--concurrency', '1'], {
      env: isolatedEnv(tmp.path),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    kill?.(child);
    return new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
    );
  };
  // Killed once the first session body has landed: the copy has begun and cannot have finished.
  const killed = await run((child) => {
    const watch = setInterval(() => {
      if (existsSync(join(destination, 'agent-traces'))) {
        clearInterval(watch);
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('exit', () => clearInterval(watch));
  });
  expect(killed.signal).toBe('SIGKILL');
  // Every session the half copy names has its body, whole.
  for (const record of await new LocalStore(destination).sessions.list()) {
    expect(readFileSync(join(destination, record.key)).equals(readFileSync(join(source, record.key)))).toBe(true);
  }

  const finished = await run();
  expect(finished.code, finished.stderr).toBe(0);
  const copied = new LocalStore(destination);
  expect((await copied.sessions.list()).map((r) => r.session_id)).toEqual((await store.sessions.list()).map((r) => r.session_id));
  for (const record of await store.sessions.list()) {
    expect(readFileSync(join(destination, record.key)).equals(readFileSync(join(source, record.key)))).toBe(true);
  }
  const again = await run();
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(/^copied 0 keys \(0 B\), skipped 300 unchanged\n$/);
});
