import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../errors.js';

/** Read-modify-writes lost to another writer this many times in a row give up (503: try again). */
const MAX_ATTEMPTS = 50;

/**
 * Runs a read-modify-write until its conditional write lands: `attempt` reads, computes and
 * writes with If-Match/If-None-Match, answering 'conflict' when another writer got there first;
 * it is then run again on what that writer left. A short random pause between attempts spreads
 * writers that collide again and again.
 */
export async function retryConflicts<T>(what: string, attempt: () => Promise<T | 'conflict'>): Promise<T> {
  for (let n = 1; ; n++) {
    const result = await attempt();
    if (result !== 'conflict') return result;
    if (n >= MAX_ATTEMPTS) {
      throw new ApiError(`${what}: still changing under other writers after ${MAX_ATTEMPTS} attempts`, { status: 503, body: '' });
    }
    await sleep(Math.random() * Math.min(200, 5 * n));
  }
}
