import { UsageError } from '../../errors.js';
import { AGENT_NAMES, readAgentNames, type AgentName } from '../../contracts/agents.js';

/** Whose sessions a command reads: the agents whose homes it scans, and the formats a named PATH may be in. */
export interface AgentChoice {
  /** Scanned when no PATH is named: `--agent`, else the `agents` setting, else prime-agent. */
  scan: AgentName[];
  /** Tried on the files of a named PATH: `--agent` when given, else every agent (the user chose the file). */
  paths: AgentName[];
}

/** `--agent claude --agent codex`, `--agent claude,codex`, `--agent all`: the agents named, each once, in the usual order. */
export function parseAgents(values: readonly string[], source: string): AgentName[] {
  const read = readAgentNames(values);
  if (read.ok) return read.agents;
  const known = `${[...AGENT_NAMES, 'all'].join(', ')}`;
  if (read.unknown === undefined) throw new UsageError(`${source}: name an agent (${known})`);
  throw new UsageError(`${source}: unknown agent "${read.unknown}"`, `Agents: ${known}.`);
}

export function chooseAgents(flag: readonly string[] | undefined, setting: string | undefined): AgentChoice {
  if (flag?.length) {
    const agents = parseAgents(flag, '--agent');
    return { scan: agents, paths: agents };
  }
  return { scan: setting ? parseAgents([setting], 'setting "agents"') : ['prime'], paths: [...AGENT_NAMES] };
}
