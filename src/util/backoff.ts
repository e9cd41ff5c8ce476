/** The wait before attempt `attempt + 1` of something that keeps failing: 1 s, doubling, at most 60 s. */
export function backoffMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** attempt);
}
