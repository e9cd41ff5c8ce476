import type { SessionHeader } from './header.js';

/**
 * Names the version of the agent whose sessions are sent, for the runs where the session files do
 * not say (prime-agent's do not). Meant for the hook command an agent runs; prime-agent itself
 * sets no variable with its version for the processes it starts.
 */
export const AGENT_VERSION_ENV = 'TRACES_AGENT_VERSION';

/** The agent version the environment gives, if any. */
export function agentVersionFromEnv(env: Record<string, string | undefined>): string | undefined {
  return nonEmpty(env[AGENT_VERSION_ENV]);
}

/**
 * The version of the agent that wrote a session: the one its file records, else the one from the
 * environment, else none (the upload then says `unknown`). Never traces' own version: the backend files the value as the agent's,
 * and a wrong version there is worse than none (traces names itself in User-Agent instead).
 */
export function sessionAgentVersion(header: SessionHeader, fromEnv: string | undefined): string | undefined {
  return nonEmpty(header.agentVersion) ?? fromEnv;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
