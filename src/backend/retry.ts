import { ApiError, NetworkError, TimeoutError } from '../errors.js';

/** Statuses worth another try (Octokit and ky agree): the rest of 4xx is final. */
export const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface RetryPolicy {
  /** Attempts after the first. @default 3 */
  retries: number;
  /** @default 500 */
  baseMs: number;
  /** Longest backoff between attempts. @default 10_000 */
  capMs: number;
  /** Longest wait a Retry-After may ask for. @default 60_000 */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseMs: 500, capMs: 10_000, maxRetryAfterMs: 60_000 };

export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiError) return RETRY_STATUSES.has(error.status);
  return error instanceof NetworkError || error instanceof TimeoutError;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to 0. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. Never negative. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Every HTTP-date form starts with a day name; Date.parse alone reads "-5" as a year.
  if (!/^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A pause shared by every worker talking to one backend: a 429 stops them all, not only the one
 * that got it, so they do not keep hammering a backend that asked them to wait.
 */
export class BackendGate {
  private resumeAt = 0;

  constructor(private readonly sleep: (ms: number) => Promise<void> = defaultSleep) {}

  pauseFor(ms: number, now = Date.now()): void {
    this.resumeAt = Math.max(this.resumeAt, now + ms);
  }

  async wait(): Promise<void> {
    for (let left = this.resumeAt - Date.now(); left > 0; left = this.resumeAt - Date.now()) await this.sleep(left);
  }
}

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface RetryHooks {
  gate?: BackendGate;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Which failures are worth another try. @default isRetryable */
  retryable?: (error: unknown) => boolean;
  /** Called before each wait; `attempt` is the attempt that failed (0 = the first). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Runs `fn` until it succeeds, fails for good, or the policy's retries are spent. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    await hooks.gate?.wait();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.retries || !(hooks.retryable ?? isRetryable)(error)) throw error;
      const retryAfter = error instanceof ApiError ? error.retryAfterMs : undefined;
      const delayMs = retryAfter !== undefined ? Math.min(retryAfter, policy.maxRetryAfterMs) : backoffMs(attempt, policy, hooks.random);
      if (error instanceof ApiError && error.status === 429) hooks.gate?.pauseFor(delayMs);
      hooks.onRetry?.({ attempt, delayMs, error });
      if (hooks.gate && error instanceof ApiError && error.status === 429) await hooks.gate.wait();
      else await sleep(delayMs);
    }
  }
}
