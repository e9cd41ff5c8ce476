import type { Usage } from '../types.js';

/**
 * The usage of one opencode model call from its `tokens` ({input, output, reasoning, cache:
 * {read, write}, total?}) and `cost`, as a step-finish part (1.x) or an assistant row (2.x)
 * records it:
 * - `input` already leaves out cache reads and writes (opencode's getUsage subtracts them), so
 *   input, cacheRead and cacheWrite are taken as they are;
 * - `reasoning` is billed as output. opencode's `output` leaves reasoning out (getUsage stores
 *   outputTokens - reasoningTokens since anomalyco/opencode#21047, and 2.x's visible output), so
 *   reasoning is added to it. Before that fix, OpenAI-style providers' output already held the
 *   reasoning tokens; such a step shows it in its provider-given `total`, which then equals
 *   input + output + cache read + cache write: reasoning is then not added again.
 */
export function stepUsage(tokens: unknown, cost: unknown): Usage {
  const t = (tokens ?? {}) as { input?: unknown; output?: unknown; reasoning?: unknown; total?: unknown; cache?: unknown };
  const cache = (t.cache ?? {}) as { read?: unknown; write?: unknown };
  const input = count(t.input);
  const output = count(t.output);
  const reasoning = count(t.reasoning);
  const cacheRead = count(cache.read);
  const cacheWrite = count(cache.write);
  const reasoningInOutput = typeof t.total === 'number' && t.total === input + output + cacheRead + cacheWrite;
  const billedOutput = output + (reasoningInOutput ? 0 : reasoning);
  const usage: Usage = {
    input,
    output: billedOutput,
    cacheRead,
    cacheWrite,
    totalTokens: input + billedOutput + cacheRead + cacheWrite,
  };
  if (typeof cost === 'number' && Number.isFinite(cost)) usage.cost = { total: cost };
  return usage;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
