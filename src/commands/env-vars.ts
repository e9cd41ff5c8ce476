/**
 * The environment variables traces reads, as help shows them. Commands and options name the ones
 * they read (`env` in their declarations); help prints each with this line.
 */
export const ENV_VARS = {
  TRACES_TOKEN: 'the token (first in the credential chain)',
  PRIME_AGENT_TRACES_API_KEY: "prime-agent's token, after TRACES_TOKEN",
  PRIME_API_KEY: 'a Prime token, after the stored login',
  TRACES_UPLOAD_TOKEN: 'a token for the upload service alone',
  TRACES_SESSIONS_TOKEN: 'a token for the metadata service alone',
  TRACES_EVENTS_TOKEN: 'a token for the events service alone',
  TRACES_API_URL: 'backend when --to is not given (URL, folder or s3://bucket/prefix)',
  PRIME_AGENT_TRACES_BASE_URL: "prime-agent's backend URL, after TRACES_API_URL",
  TRACES_UPLOAD_URL: 'backend of whole-file uploads, ahead of TRACES_API_URL',
  TRACES_SESSIONS_URL: 'backend of metadata and patches, ahead of TRACES_API_URL',
  TRACES_EVENTS_URL: 'backend of events, ahead of TRACES_API_URL',
  AWS_ENDPOINT_URL_S3: 'the endpoint of s3:// stores (MinIO, R2...), default AWS itself',
  AWS_ENDPOINT_URL: 'the endpoint of s3:// stores, after AWS_ENDPOINT_URL_S3',
  TRACES_S3_PATH_STYLE: 'path-style addressing of s3:// stores (1/0), default 1 with a custom endpoint',
  AWS_PROFILE: 'the AWS profile whose credentials an s3:// store uses (AWS_ACCESS_KEY_ID... are read first)',
  TRACES_SESSIONS_DIR: 'where root sessions live, when --sessions-dir is not given',
  PRIME_AGENT_SESSION_DIR: "prime-agent's sessions dir, after TRACES_SESSIONS_DIR",
  TRACES_CONFIG_DIR: 'where settings and the stored login live',
  TRACES_STATE_DIR: 'where the ledger, the queue and the logs live',
  TRACES_AGENT_VERSION: 'the agent version sent with each session',
  PRIME_AGENT_SESSION_FILE: 'the session file, when neither --session nor stdin names it',
  TRACES_SERVE_TOKEN: 'tokens accepted (comma-separated)',
  CLAUDE_CONFIG_DIR: "Claude Code's home (its sessions are in projects/ below it; comma-separated for several), default ~/.claude",
  XDG_CONFIG_HOME: 'also searched for Claude Code sessions (claude/projects below it), default ~/.config',
  CODEX_HOME: "Codex CLI's home (sessions/ and archived_sessions/ below it), default ~/.codex",
  GEMINI_CLI_HOME: "the folder holding Gemini CLI's .gemini/ home, default the home folder",
  XDG_DATA_HOME: "holds opencode's data folder (opencode/), default ~/.local/share",
  OPENCODE_DB: "opencode's database file, when not the default opencode.db in its data folder",
  CI: 'when set: no spinner and no prompt',
  NO_COLOR: 'when set: no colour',
} as const;

export type EnvName = keyof typeof ENV_VARS;

/** The credential chain, with the per-service tokens ahead of it. */
export const TOKEN_ENV: readonly EnvName[] = ['TRACES_TOKEN', 'PRIME_AGENT_TRACES_API_KEY', 'PRIME_API_KEY'];
/** Where settings and state are, read by every command that touches either. */
export const DIRS_ENV: readonly EnvName[] = ['TRACES_CONFIG_DIR', 'TRACES_STATE_DIR'];
/** Where each agent other than prime-agent keeps its sessions (read with --agent). */
export const AGENT_HOMES_ENV: readonly EnvName[] = [
  'CLAUDE_CONFIG_DIR',
  'XDG_CONFIG_HOME',
  'CODEX_HOME',
  'GEMINI_CLI_HOME',
  'XDG_DATA_HOME',
  'OPENCODE_DB',
];
/** What a person at a terminal sees: spinners, prompts, colour. */
export const TERMINAL_ENV: readonly EnvName[] = ['CI', 'NO_COLOR'];
/** How an s3:// backend is reached (its credentials and region come from the standard AWS chain). */
export const S3_ENV: readonly EnvName[] = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'TRACES_S3_PATH_STYLE', 'AWS_PROFILE'];
/** Each service's own backend and token, for the commands that may use all three. */
export const OPERATION_ENV: readonly EnvName[] = [
  'TRACES_UPLOAD_URL',
  'TRACES_SESSIONS_URL',
  'TRACES_EVENTS_URL',
  'TRACES_UPLOAD_TOKEN',
  'TRACES_SESSIONS_TOKEN',
  'TRACES_EVENTS_TOKEN',
];
