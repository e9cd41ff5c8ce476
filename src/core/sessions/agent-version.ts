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

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
