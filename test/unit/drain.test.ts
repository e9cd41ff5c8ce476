import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drainQueue } from '../../src/core/drain.js';
import { silentLogger } from '../../src/core/logger.js';
import { Queue, type QueueEntry } from '../../src/core/queue.js';
import type { SessionReport } from '../../src/core/upload.js';
import { AuthError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-drain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, '{}\n');
  return path;
}

const report = (f: string, status: SessionReport['status']): SessionReport => ({
  file: f,
  session_id: null,
  trace_id: null,
  parent_session: null,
  status,
  bytes: 0,
  key: null,
  error: null,
});

describe('Queue', () => {
  it('keeps entries appended concurrently and removes only the given ones', async () => {
    const queue = new Queue(dir);
    const entries = Array.from({ length: 20 }, (_, i) => Queue.newEntry({ file: `/f${i}`, backend: 'b' }));
    await Promise.all(entries.map((e) => queue.append([e])));
    expect(
      queue
        .read()
        .map((e) => e.file)
        .sort(),
    ).toEqual(entries.map((e) => e.file).sort());
    await queue.remove(entries.slice(0, 5).map((e) => e.id));
    expect(queue.read()).toHaveLength(15);
  });

  it('passes over a torn last line, and an entry appended after it is kept whole', async () => {
    const queue = new Queue(dir);
    await queue.append([Queue.newEntry({ file: '/a', backend: 'b' })]);
    writeFileSync(queue.path, '{"id":"x","file":"/b","backend":"b"', { flag: 'a' });
    expect(queue.read().map((e) => e.file)).toEqual(['/a']);
    await queue.append([Queue.newEntry({ file: '/c', backend: 'b' })]);
    expect(queue.read().map((e) => e.file)).toEqual(['/a', '/c']);
  });
});

describe('drainQueue', () => {
  it('removes settled entries, retries failures with backoff, and gives up leaving them queued', async () => {
    const queue = new Queue(dir);
    const ok = file('ok.jsonl');
    const bad = file('bad.jsonl');
    await queue.append([
      Queue.newEntry({ file: ok, backend: 'b' }),
      Queue.newEntry({ file: bad, backend: 'b' }),
      Queue.newEntry({ file: join(dir, 'gone.jsonl'), backend: 'b' }),
    ]);
    let clock = 0;
    const sleeps: number[] = [];
    const result = await drainQueue(
      {
        queue,
        logger: silentLogger,
        upload: async (_b, entries: QueueEntry[]) => entries.map((e) => report(e.file, e.file === bad ? 'failed' : 'uploaded')),
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
        now: () => clock,
      },
      { giveUpAfterMs: 10_000 },
    );
    expect(queue.read().map((e) => e.file)).toEqual([bad]);
    expect(result).toMatchObject({ done: 2, left: 1 });
    expect(sleeps.slice(0, 3)).toEqual([1000, 2000, 4000]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('says once per round that sessions were not attempted (an unreachable backend), keeping them queued', async () => {
    const queue = new Queue(dir);
    const files = Array.from({ length: 30 }, (_, i) => file(`s${i}.jsonl`));
    await queue.append(files.map((f) => Queue.newEntry({ file: f, backend: 'b' })));
    const warnings: string[] = [];
    let clock = 0;
    const result = await drainQueue(
      {
        queue,
        logger: { debug() {}, warn: (m) => warnings.push(m) },
        upload: async (_b, entries: QueueEntry[]) =>
          entries.map((e, i) => ({
            ...report(e.file, i < 2 ? 'failed' : 'pending'),
            error: i < 2 ? 'ECONNREFUSED' : 'not attempted: the backend is unreachable (ECONNREFUSED); kept for the next run',
          })),
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => clock,
      },
      { giveUpAfterMs: 1000 },
    );
    expect(result).toMatchObject({ done: 0, left: 30 });
    expect(queue.read()).toHaveLength(30);
    const notAttempted = warnings.filter((w) => w.includes('not attempted'));
    expect(notAttempted).toEqual([
      '28 sessions not attempted: the backend is unreachable (ECONNREFUSED); kept for the next run',
      '28 sessions not attempted: the backend is unreachable (ECONNREFUSED); kept for the next run',
    ]);
  });

  it('stops at once on a refused credential, keeping the entries', async () => {
    const queue = new Queue(dir);
    await queue.append([Queue.newEntry({ file: file('a.jsonl'), backend: 'b' })]);
    let calls = 0;
    const result = await drainQueue(
      {
        queue,
        logger: silentLogger,
        upload: async () => {
          calls++;
          throw new AuthError('401');
        },
      },
      { giveUpAfterMs: 60_000 },
    );
    expect(calls).toBe(1);
    expect(result.left).toBe(1);
  });

  it('a backend it cannot use (no credential) does not hold back the others: they are sent, its own entries stay', async () => {
    const queue = new Queue(dir);
    const blocked = [file('b1.jsonl'), file('b2.jsonl')];
    const ok = [file('o1.jsonl'), file('o2.jsonl'), file('o3.jsonl')];
    await queue.append([
      ...blocked.map((f) => Queue.newEntry({ file: f, backend: 'no-credential' })),
      ...ok.map((f) => Queue.newEntry({ file: f, backend: 'fine' })),
    ]);
    const warnings: string[] = [];
    const sleeps: number[] = [];
    const result = await drainQueue(
      {
        queue,
        logger: { debug() {}, warn: (m) => warnings.push(m) },
        upload: async (backend, entries: QueueEntry[]) => {
          if (backend === 'no-credential') throw new AuthError('no credential for https://api.example.com');
          return entries.map((e) => report(e.file, 'uploaded'));
        },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
      { giveUpAfterMs: 60_000 },
    );
    expect(queue.read().map((e) => e.file)).toEqual(blocked);
    expect(result).toMatchObject({ done: 3, left: 2 });
    expect(sleeps).toEqual([]); // nothing left that waiting could help
    expect(warnings).toEqual(['no credential for https://api.example.com; 2 sessions stay queued']);
  });

  it('keeps a session whose file is not there yet while it retries, and drops it when it gives up', async () => {
    const queue = new Queue(dir);
    const later = join(dir, 'later.jsonl');
    await queue.append([Queue.newEntry({ file: later, backend: 'b' })]);
    let clock = 0;
    const uploaded: string[] = [];
    const result = await drainQueue(
      {
        queue,
        logger: silentLogger,
        upload: async (_b, entries: QueueEntry[]) => {
          uploaded.push(...entries.map((e) => e.file));
          return entries.map((e) => report(e.file, 'uploaded'));
        },
        sleep: async (ms) => {
          clock += ms;
          if (clock >= 3000) writeFileSync(later, '{}\n'); // the agent writes it a few seconds late
        },
        now: () => clock,
      },
      { giveUpAfterMs: 60_000 },
    );
    expect(uploaded).toEqual([later]);
    expect(result).toMatchObject({ done: 1, left: 0 });
  });

  it('keeps an entry whose follow-up (metadata save, event push) failed, and tries it again', async () => {
    const queue = new Queue(dir);
    const f = file('f.jsonl');
    await queue.append([Queue.newEntry({ file: f, backend: 'b', events: true })]);
    let pushes = 0;
    let clock = 0;
    const result = await drainQueue(
      {
        queue,
        logger: silentLogger,
        upload: async (_b, entries: QueueEntry[]) => entries.map((e) => report(e.file, 'uploaded')),
        followUp: async (_b, entries: QueueEntry[]) => (++pushes === 1 ? new Set(entries.map((e) => e.file)) : new Set<string>()),
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => clock,
      },
      { giveUpAfterMs: 60_000 },
    );
    expect(pushes).toBe(2);
    expect(result).toMatchObject({ done: 1, left: 0 });
  });
});
