import { primeRoots } from '../../src/core/agents/prime.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UploadScheduler, watchPlan } from '../../src/core/watch.js';
import { silentLogger } from '../../src/core/logger.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function scheduler(
  options: { debounceMs?: number; minIntervalMs?: number; concurrency?: number },
  outcome: (file: string) => boolean = () => true,
) {
  const calls: { file: string; at: number }[] = [];
  const s = new UploadScheduler(
    { debounceMs: 100, minIntervalMs: 1000, concurrency: 2, ...options },
    async (file) => {
      calls.push({ file, at: Date.now() });
      return outcome(file);
    },
    silentLogger,
  );
  return { s, calls };
}

describe('UploadScheduler', () => {
  it('uploads once, debounce after the last of a burst of changes', async () => {
    const { s, calls } = scheduler({});
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      s.notify('a');
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(200);
    expect(calls.map((c) => c.file)).toEqual(['a']);
    expect(calls[0]!.at - t0).toBe(250 + 100 - 50);
  });

  it('sends a session that never stops changing every min-interval', async () => {
    const { s, calls } = scheduler({ debounceMs: 100, minIntervalMs: 500 });
    for (let i = 0; i < 60; i++) {
      s.notify('busy');
      await vi.advanceTimersByTimeAsync(50);
    }
    // 3 s of constant change: about one upload per 500 ms, never more often.
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(500);
  });

  it('lets a quiet session through while a busy one keeps changing (one slot)', async () => {
    const { s, calls } = scheduler({ debounceMs: 100, minIntervalMs: 300, concurrency: 1 });
    s.notify('quiet');
    for (let i = 0; i < 20; i++) {
      s.notify('busy');
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(calls.filter((c) => c.file === 'quiet').length).toBe(1);
    expect(calls.filter((c) => c.file === 'busy').length).toBeGreaterThanOrEqual(2);
  });

  it('tries a failed upload again without a new change, backing off', async () => {
    let fail = 2;
    const { s, calls } = scheduler({ debounceMs: 10, minIntervalMs: 100 }, () => fail-- <= 0);
    s.notify('f');
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.length).toBe(3);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThan(calls[1]!.at - calls[0]!.at);
  });

  it('forgets a deleted file, and flush sends what is pending at once', async () => {
    const { s, calls } = scheduler({ debounceMs: 60_000, minIntervalMs: 60_000 });
    s.notify('gone');
    s.forget('gone');
    s.notify('kept');
    const flushed = s.flush(5000);
    await vi.advanceTimersByTimeAsync(1);
    expect(await flushed).toBe(true);
    expect(calls.map((c) => c.file)).toEqual(['kept']);
    s.notify('after-stop');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls.length).toBe(1);
  });
});

describe('watchPlan', () => {
  it('watches the agent home but only its sessions and artifacts', () => {
    const plan = watchPlan([], primeRoots('/nonexistent/agent/sessions'), (name) => name.endsWith('.jsonl'));
    const file = { isFile: () => true };
    expect(plan.ignored('/nonexistent/agent/sessions/a.jsonl', file)).toBe(false);
    expect(plan.ignored('/nonexistent/agent/session-artifacts/x/sub-12345678/b.jsonl', file)).toBe(false);
    expect(plan.ignored('/nonexistent/agent/sessions/notes.txt', file)).toBe(true);
    expect(plan.ignored('/nonexistent/agent/cache/big.jsonl', file)).toBe(true);
    expect(plan.ignored('/nonexistent/agent/session-artifacts/new.dir', { isFile: () => false })).toBe(false);
  });
});
