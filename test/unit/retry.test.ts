import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, AuthError, NetworkError, TimeoutError, UsageError } from '../../src/errors.js';
import {
  BackendGate,
  DEFAULT_RETRY,
  backoffMs,
  isRetryable,
  parseRetryAfter,
  withRetries,
  type RetryHooks,
} from '../../src/backend/retry.js';

const api = (status: number, retryAfterMs?: number) => new ApiError(`HTTP ${status}`, { status, body: '', retryAfterMs });

/** Hooks whose sleep returns at once and remembers how long it was asked to wait. */
function recorder(extra: RetryHooks = {}) {
  const waits: number[] = [];
  return { waits, hooks: { sleep: async (ms: number) => void waits.push(ms), random: () => 0.5, ...extra } satisfies RetryHooks };
}

/** A function failing with `errors` in turn, then returning 'ok'. */
function failing(...errors: unknown[]) {
  const calls: number[] = [];
  const fn = async (attempt: number) => {
    calls.push(attempt);
    if (calls.length <= errors.length) throw errors[calls.length - 1];
    return 'ok';
  };
  return { fn, calls };
}

describe('backoffMs', () => {
  it('doubles from 500 ms with equal jitter: between half the ceiling and the ceiling', () => {
    for (const [attempt, ceiling] of [
      [0, 500],
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
    ] as const) {
      expect(backoffMs(attempt, DEFAULT_RETRY, () => 0)).toBe(ceiling / 2);
      expect(backoffMs(attempt, DEFAULT_RETRY, () => 0.999999)).toBe(ceiling);
    }
  });

  it('never waits more than 10 s, however many attempts', () => {
    for (const attempt of [5, 6, 10, 50, 1000]) {
      const low = backoffMs(attempt, DEFAULT_RETRY, () => 0);
      const high = backoffMs(attempt, DEFAULT_RETRY, () => 0.999999);
      expect(low).toBe(5000);
      expect(high).toBe(10_000);
    }
  });

  it('stays within its bounds with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const ms = backoffMs(2, DEFAULT_RETRY);
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThanOrEqual(2000);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-01T10:00:00.000Z');

  it('reads seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sunday, 01-Nov-26 10:00:30 GMT', now)).toBe(30_000);
  });

  it('gives 0, never a negative wait, for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(0);
  });

  it('takes the first of several values', () => {
    expect(parseRetryAfter(['7', '9'], now)).toBe(7000);
  });

  it.each([undefined, '', '   ', 'soon', 'garbage', '12abc', '-5', '1e3', 'Retry 2'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('isRetryable', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('retries HTTP %i', (status) => expect(isRetryable(api(status))).toBe(true));
  it.each([400, 401, 403, 404, 409, 410, 413, 422, 501])('does not retry HTTP %i', (status) =>
    expect(isRetryable(api(status))).toBe(false),
  );
  it('retries network errors and timeouts, nothing else', () => {
    expect(isRetryable(new NetworkError('ECONNRESET'))).toBe(true);
    expect(isRetryable(new TimeoutError('slow'))).toBe(true);
    expect(isRetryable(new Error('bug'))).toBe(false);
    expect(isRetryable(new UsageError('bad'))).toBe(false);
    expect(isRetryable(new AuthError('no'))).toBe(false);
    expect(isRetryable('string')).toBe(false);
  });
});

describe('withRetries', () => {
  it('returns the first success without waiting', async () => {
    const { waits, hooks } = recorder();
    const { fn, calls } = failing();
    expect(await withRetries(fn, DEFAULT_RETRY, hooks)).toBe('ok');
    expect(calls).toEqual([0]);
    expect(waits).toEqual([]);
  });

  it.each([408, 425, 429, 500, 502, 503, 504])('tries again after HTTP %i', async (status) => {
    const { waits, hooks } = recorder();
    const { fn, calls } = failing(api(status), api(status));
    expect(await withRetries(fn, DEFAULT_RETRY, hooks)).toBe('ok');
    expect(calls).toEqual([0, 1, 2]);
    expect(waits).toHaveLength(2);
  });

  it('tries again after network errors and timeouts, with growing jittered waits', async () => {
    const { waits, hooks } = recorder({ random: () => 0 });
    const { fn, calls } = failing(new NetworkError('reset'), new TimeoutError('slow'), new NetworkError('refused'));
    expect(await withRetries(fn, DEFAULT_RETRY, hooks)).toBe('ok');
    expect(calls).toEqual([0, 1, 2, 3]);
    expect(waits).toEqual([250, 500, 1000]);
  });

  it.each([400, 401, 403, 404, 422])('gives up at once on HTTP %i', async (status) => {
    const { waits, hooks } = recorder();
    const { fn, calls } = failing(api(status));
    await expect(withRetries(fn, DEFAULT_RETRY, hooks)).rejects.toMatchObject({ status });
    expect(calls).toEqual([0]);
    expect(waits).toEqual([]);
  });

  it('does not retry an unexpected error', async () => {
    const { hooks } = recorder();
    const { fn, calls } = failing(new TypeError('bug'));
    await expect(withRetries(fn, DEFAULT_RETRY, hooks)).rejects.toBeInstanceOf(TypeError);
    expect(calls).toEqual([0]);
  });

  it('stops after `retries` more attempts and throws the last error', async () => {
    const { waits, hooks } = recorder();
    const last = api(503);
    const { fn, calls } = failing(api(500), api(502), api(504), last, api(500));
    await expect(withRetries(fn, { ...DEFAULT_RETRY, retries: 3 }, hooks)).rejects.toBe(last);
    expect(calls).toEqual([0, 1, 2, 3]);
    expect(waits).toHaveLength(3);
  });

  it('with retries 0, tries once', async () => {
    const { fn, calls } = failing(api(503));
    await expect(withRetries(fn, { ...DEFAULT_RETRY, retries: 0 }, recorder().hooks)).rejects.toMatchObject({ status: 503 });
    expect(calls).toEqual([0]);
  });

  it('waits what Retry-After asks for instead of the backoff', async () => {
    const { waits, hooks } = recorder();
    const { fn } = failing(api(503, 7000), api(429, 0));
    await withRetries(fn, DEFAULT_RETRY, hooks);
    expect(waits).toEqual([7000, 0]);
  });

  it('caps a Retry-After at 60 s', async () => {
    const { waits, hooks } = recorder();
    const { fn } = failing(api(429, 3_600_000));
    await withRetries(fn, DEFAULT_RETRY, hooks);
    expect(waits).toEqual([60_000]);
  });

  it('tells onRetry about each failed attempt before waiting', async () => {
    const seen: { attempt: number; delayMs: number; error: unknown }[] = [];
    const first = api(500);
    const { fn } = failing(first, api(503, 1234));
    await withRetries(fn, DEFAULT_RETRY, recorder({ random: () => 0, onRetry: (i) => seen.push(i) }).hooks);
    expect(seen).toEqual([
      { attempt: 0, delayMs: 250, error: first },
      { attempt: 1, delayMs: 1234, error: expect.objectContaining({ status: 503 }) },
    ]);
  });
});

describe('BackendGate', () => {
  let clock = 0;
  beforeEach(() => {
    clock = Date.parse('2026-11-01T10:00:00.000Z');
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
  });
  afterEach(() => vi.restoreAllMocks());

  /** Lets every promise that can settle settle. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };

  function controlledGate() {
    const pending: { ms: number; release: () => void }[] = [];
    const gate = new BackendGate((ms) => new Promise<void>((release) => pending.push({ ms, release })));
    return { gate, pending };
  }

  it('does not wait when nothing paused it', async () => {
    const { gate, pending } = controlledGate();
    await gate.wait();
    expect(pending).toEqual([]);
  });

  it('a 429 seen by one worker pauses a second one until Retry-After has passed', async () => {
    const start = clock;
    const { gate, pending } = controlledGate();
    const sleep = async () => undefined;

    const first = failing(api(429, 5000));
    const one = withRetries(first.fn, DEFAULT_RETRY, { gate, sleep });
    await settle();
    expect(pending.map((p) => p.ms)).toEqual([5000]);

    // A second worker starting now sends nothing while the pause lasts.
    const secondCalls: number[] = [];
    const two = withRetries(async (attempt) => (secondCalls.push(Date.now() - start), attempt), DEFAULT_RETRY, { gate, sleep });
    await settle();
    expect(pending.map((p) => p.ms)).toEqual([5000, 5000]);
    expect(secondCalls).toEqual([]);
    expect(first.calls).toEqual([0]);

    // Woken early, the gate goes back to sleep for what is left.
    clock = start + 2000;
    pending[1]!.release();
    await settle();
    expect(pending.map((p) => p.ms)).toEqual([5000, 5000, 3000]);
    expect(secondCalls).toEqual([]);

    clock = start + 5000;
    pending[0]!.release();
    pending[2]!.release();
    expect(await one).toBe('ok');
    expect(await two).toBe(0);
    expect(first.calls).toEqual([0, 1]);
    expect(secondCalls).toEqual([5000]);
  });

  it('a later, shorter pause does not shorten a longer one', async () => {
    const { gate, pending } = controlledGate();
    gate.pauseFor(10_000);
    gate.pauseFor(1000);
    void gate.wait();
    await settle();
    expect(pending.map((p) => p.ms)).toEqual([10_000]);
  });
});
