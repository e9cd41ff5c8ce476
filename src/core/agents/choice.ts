import { UsageError } from '../../errors.js';
import { AGENT_NAMES, type AgentName } from './types.js';

/** Whose sessions a command reads: the agents whose homes it scans, and the formats a named PATH may be in. */
export interface AgentChoice {
  /** Scanned when no PATH is named: `--agent`, else the `agents` setting, else prime-agent. */
  scan: AgentName[];
  /** Tried on the files of a named PATH: `--agent` when given, else every agent (the user chose the file). */
  paths: AgentName[];
}

/** `--agent claude --agent codex`, `--agent claude,codex`, `--agent all`: the agents named, each once, in the usual order. */
export function parseAgents(values: readonly string[], source: string): AgentName[] {
  const named = new Set<string>();
  for (const value of values) for (const part of value.split(',')) if (part.trim()) named.add(part.trim().toLowerCase());
  if (named.size === 0) throw new UsageError(`${source}: name an agent (${[...AGENT_NAMES, 'all'].join(', ')})`);
  if (named.has('all')) return [...AGENT_NAMES];
  const unknown = [...named].filter((name) => !(AGENT_NAMES as readonly string[]).includes(name));
  if (unknown.length) {
    throw new UsageError(`${source}: unknown agent "${unknown[0]}"`, `Agents: ${[...AGENT_NAMES, 'all'].join(', ')}.`);
  }
  return AGENT_NAMES.filter((name) => named.has(name));
}

export function chooseAgents(flag: readonly string[] | undefined, setting: string | undefined): AgentChoice {
  if (flag?.length) {
    const agents = parseAgents(flag, '--agent');
    return { scan: agents, paths: agents };
  }
  return { scan: setting ? parseAgents([setting], 'setting "agents"') : ['prime'], paths: [...AGENT_NAMES] };
}
