/** The agents whose sessions traces reads, by the names `--agent` and the `agents` setting take. */
export const AGENT_NAMES = ['prime', 'claude', 'codex', 'gemini', 'opencode'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/**
 * Agent names as typed: repeated or comma-separated values, any case, `all` for every agent, empty
 * parts ignored. The agents named (each once, in the usual order), or what is wrong.
 */
export function readAgentNames(values: readonly string[]): { ok: true; agents: AgentName[] } | { ok: false; unknown?: string } {
  const named = new Set<string>();
  for (const value of values) for (const part of value.split(',')) if (part.trim()) named.add(part.trim().toLowerCase());
  if (named.size === 0) return { ok: false };
  if (named.has('all')) return { ok: true, agents: [...AGENT_NAMES] };
  const unknown = [...named].find((name) => !(AGENT_NAMES as readonly string[]).includes(name));
  if (unknown !== undefined) return { ok: false, unknown };
  return { ok: true, agents: AGENT_NAMES.filter((name) => named.has(name)) };
}
