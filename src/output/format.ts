// Kept here too: the output layer's callers import their formatting from one place.
export { formatBytes, formatMiB } from '../util/bytes.js';
export { plural } from '../util/plural.js';


/** How many results have each status: `{total, <status>: n, ...}` for the --json summaries. */
export function countStatuses<S extends string>(results: { status: string }[], statuses: readonly S[]): { total: number } & Record<S, number> {
  const counts = { total: results.length } as { total: number } & Record<S, number>;
  for (const status of statuses) (counts as Record<string, number>)[status] = results.filter((r) => r.status === status).length;
  return counts;
}
