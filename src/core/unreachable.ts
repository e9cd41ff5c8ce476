import { unreachableReason } from '../errors.js';

/**
 * How many sessions in a row must fail to reach the backend before a one-shot run stops starting
 * new ones. Each such failure has already spent all its retries (seconds of backoff), so two in a
 * row is a backend that is down, not a blip; one alone could be. And with the usual 4 sessions in
 * flight, a streak of 2 lets at most one more session start after the first failure, so a dead
 * backend costs about two sessions' worth of retries, however many sessions the run holds.
 */
export const UNREACHABLE_STREAK = 2;

/**
 * The fail-fast rule of `upload`, `events push` and `sessions save`: after UNREACHABLE_STREAK
 * sessions in a row failed because nothing could be reached (refused, DNS, TLS, no route, no
 * connection in time), `reason` is set and the caller starts no more sessions. A backend that
 * answers, whatever it says, resets the streak.
 *
 * The outcomes are passed on through `emit` as they come, except the unreachable failures: those
 * are held until the streak breaks (then they are passed on after all) or ends the run (then the
 * one line about the backend stands for them all, not a line per session).
 */
export class UnreachableRule<T> {
  /** The system's code for what stopped the run, e.g. ECONNREFUSED; undefined while it goes on. */
  reason: string | undefined;
  private streak = 0;
  private held: T[] = [];

  constructor(
    private readonly emit: (item: T) => void,
    private readonly limit = UNREACHABLE_STREAK,
  ) {}

  /** One session's outcome; `error` is what it failed with, undefined when it did not fail. */
  record(item: T, error?: unknown): void {
    const reason = unreachableReason(error);
    if (reason === undefined) {
      this.streak = 0;
      this.release();
      this.emit(item);
      return;
    }
    this.held.push(item);
    if (++this.streak >= this.limit) this.reason ??= reason;
  }

  /** The end of the run: failures that did not add up to a stop are passed on after all. */
  finish(): void {
    if (this.reason === undefined) this.release();
  }

  private release(): void {
    for (const item of this.held.splice(0)) this.emit(item);
  }
}

/** The error of a session the run did not start because the backend could not be reached. */
export function notAttempted(reason: string): string {
  return `not attempted: the backend is unreachable (${reason}); kept for the next run`;
}
