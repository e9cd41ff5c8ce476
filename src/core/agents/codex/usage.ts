import type { Usage } from '../types.js';

/** A `token_count`'s `info.total_token_usage`: what the thread has used so far, as Codex counts it. */
interface Totals {
  input: number;
  cached: number;
  output: number;
  total: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * Turns Codex's running totals into the usage of each model call. Codex adds each response's
 * usage to `total_token_usage` and then writes a `token_count`, but it also writes the same
 * totals again whenever rate limits change (and a fork or spawned child copies the parent's
 * token_counts), so only a RISE of the totals since the last one seen is a model call. Totals that
 * go down are not usage either (a full context window sets them to {total_tokens: window}, the
 * rest 0): they become the new base and count nothing. Codex keeps one running total per
 * rate-limit lane (`rate_limits.limit_id`: a model with its own limits counts apart), and their
 * token_counts interleave: each lane's totals rise from that lane's own base. A token_count that
 * names no lane belongs to the lane whose totals it continues; the totals seen before any lane
 * was named are the first named lane's that they lead to (older files name none at all: one lane).
 */
export class TokenCounter {
  private readonly bases = new Map<string, Totals>();
  private lastLane = '';

  /**
   * The lane an unnamed token_count belongs to: the one whose totals it continues (the largest
   * base not above it), else the last lane named.
   */
  private laneContinued(totals: Totals): string {
    let best: string | undefined;
    for (const [lane, base] of this.bases) {
      if (base.total <= totals.total && (best === undefined || base.total > this.bases.get(best)!.total)) best = lane;
    }
    return best ?? this.lastLane;
  }

  /** The usage this token_count adds (undefined when it adds none); it becomes its lane's new base. */
  next(payload: Record<string, unknown>): Usage | undefined {
    const totals = totalsOf(payload);
    if (!totals) return undefined;
    const limits = payload.rate_limits as Record<string, unknown> | null | undefined;
    const named = typeof limits?.limit_id === 'string' && limits.limit_id !== '' ? limits.limit_id : undefined;
    // Totals counted before any lane was named continue the first named lane whose totals they lead to.
    const unnamed = this.bases.get('');
    if (named !== undefined && !this.bases.has(named) && unnamed !== undefined && totals.total >= unnamed.total) {
      this.bases.set(named, unnamed);
      this.bases.delete('');
    }
    const lane = named ?? this.laneContinued(totals);
    this.lastLane = lane;
    const base = this.bases.get(lane) ?? { input: 0, cached: 0, output: 0, total: 0 };
    this.bases.set(lane, totals);
    const keys = ['input', 'cached', 'output', 'total'] as const;
    if (keys.some((k) => totals[k] < base[k])) return undefined;
    if (keys.every((k) => totals[k] === base[k])) return undefined;
    // OpenAI's input_tokens include the cached ones, and output_tokens include the reasoning
    // ones (reasoning_output_tokens is a part, never added again).
    const cacheRead = totals.cached - base.cached;
    const input = Math.max(0, totals.input - base.input - cacheRead);
    const output = totals.output - base.output;
    return { input, output, cacheRead, cacheWrite: 0, totalTokens: input + cacheRead + output };
  }
}

function totalsOf(payload: Record<string, unknown>): Totals | undefined {
  const info = payload.info as Record<string, unknown> | null | undefined;
  const usage = info?.total_token_usage as Record<string, unknown> | null | undefined;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  const cached = Math.min(input, num(usage.cached_input_tokens ?? usage.cache_read_input_tokens));
  return { input, cached, output, total: num(usage.total_tokens) || input + output };
}
