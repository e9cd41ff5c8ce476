import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventFiles } from '../../src/backend/store/events.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-events-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const batch = (session: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ event_id: `${session}-${i}`, event_type: 'tool' as const, inputs: {} }));

describe('the store keeps the ids of a bounded number of sessions in memory', () => {
  it('still stores every event once after a session was evicted from its cache', async () => {
    const events = new EventFiles(dir, undefined, 2);
    for (const session of ['s1', 's2', 's3', 's4']) expect((await events.append(session, batch(session, 5))).added).toBe(5);
    // s1 and s2 left the cache: their ids are read again from disk, not taken as new.
    for (const session of ['s1', 's2', 's3', 's4']) expect((await events.append(session, batch(session, 6))).added).toBe(1);
    for (const session of ['s1', 's2', 's3', 's4'])
      expect((await events.list(session)).map((e) => e.event_id).sort()).toEqual(
        batch(session, 6)
          .map((e) => e.event_id)
          .sort(),
      );
  });
});
