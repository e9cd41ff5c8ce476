import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

/** The hook's and its worker's log (they have no terminal). */
export const hookLogFile = (stateDir: string): string => join(stateDir, 'hook.log');

/** Where the hook and its worker note why they last stopped short: `traces status` shows it. */
export const lastFailureFile = (stateDir: string): string => join(stateDir, 'worker-last.json');

export interface LastFailure {
  /** ISO time. */
  at: string;
  /** Who stopped: the hook (queuing) or its worker (uploading). */
  by: 'hook' | 'worker';
  reason: string;
}

/**
 * Notes a failure (atomically), or clears the note once a drain left nothing behind. Best
 * effort: the hook.log line is the record of last resort, and a state dir that cannot be
 * written is reported there.
 */
export function recordLastFailure(file: string, failure: LastFailure | null): void {
  try {
    if (failure) writeFileAtomic(file, JSON.stringify(failure));
    else rmSync(file, { force: true });
  } catch {
    // see above
  }
}

/** The last failure noted, if any; a file that is not one reads as none. */
export function readLastFailure(file: string): LastFailure | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof value.at === 'string' &&
      typeof value.reason === 'string' &&
      (value.by === 'hook' || value.by === 'worker')
    ) {
      return { at: value.at, by: value.by, reason: value.reason };
    }
  } catch {
    // none, or unreadable
  }
  return undefined;
}
