import type { ViewTokens } from '../../contracts/view.js';
import { isObject, num } from '../events/context.js';

export const noTokens = (): ViewTokens => ({ input: 0, output: 0, cache_read: 0, cache_write: 0, total: 0 });

/** One model call's usage (see Usage in agents/types.ts) as view tokens. */
export function tokensOfUsage(usage: Record<string, unknown>): ViewTokens {
  return {
    input: num(usage.input),
    output: num(usage.output),
    cache_read: num(usage.cacheRead),
    cache_write: num(usage.cacheWrite),
    total: num(usage.totalTokens),
  };
}

/** The call's cost in USD, only where the file records one (an unknown cost is not zero). */
export function costOfUsage(usage: Record<string, unknown>): number | null {
  const cost = isObject(usage.cost) ? usage.cost.total : usage.cost;
  return typeof cost === 'number' && Number.isFinite(cost) ? cost : null;
}

export function addTokens(into: ViewTokens, more: ViewTokens): ViewTokens {
  into.input += more.input;
  into.output += more.output;
  into.cache_read += more.cache_read;
  into.cache_write += more.cache_write;
  into.total += more.total;
  return into;
}

/** A sum of costs, null while none is known; rounded to a billionth of a dollar so float noise does not show. */
export function addCost(sum: number | null, more: number | null): number | null {
  if (more === null) return sum;
  return Math.round(((sum ?? 0) + more) * 1e9) / 1e9;
}

/** Milliseconds as ISO 8601, null when unknown or out of Date's range. */
export function isoOf(ms: number | undefined): string | null {
  if (ms === undefined) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
