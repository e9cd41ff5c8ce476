import { afterAll, beforeAll } from 'vitest';
import { DEFAULT_RETRY } from '../../src/backend/retry.js';

/**
 * For the in-process CLI of the calling file: the HTTP client waits a few milliseconds between
 * retries instead of seconds. How many retries, what is retried and Retry-After stay as they are;
 * the lengths of the real waits are checked in test/unit/retry.test.ts. Restored after the file,
 * so no other file sees it.
 */
export function useShortBackoff(): void {
  const saved = { ...DEFAULT_RETRY };
  beforeAll(() => {
    Object.assign(DEFAULT_RETRY, { baseMs: 2, capMs: 16 });
  });
  afterAll(() => {
    Object.assign(DEFAULT_RETRY, saved);
  });
}
