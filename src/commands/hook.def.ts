import { DEFAULTS } from '../util/defaults.js';
import { boolean, bytes, defineCommand, duration, text, type Flags } from './define.js';
import { AGENT_HOMES_ENV, DIRS_ENV, OPERATION_ENV, TOKEN_ENV } from './env-vars.js';
import { agentOptions, backendOptions, redactOptions } from './shared-options.js';

export const hookOptions = {
  ...backendOptions,
  ...agentOptions,
  ...redactOptions,
  session: text(
    '--session <file>',
    'the session file (else JSON on stdin: session_file, sessionFile or transcript_path; else PRIME_AGENT_SESSION_FILE)',
  ),
  maxBytes: bytes('--max-bytes <n>', 'largest file to send, e.g. 20M', { config: 'max_bytes', fallback: DEFAULTS.maxBytes }),
  wait: boolean('--wait', "upload in the foreground and return the upload's exit code"),
  quiet: boolean('--quiet', 'with --wait: print only errors and the summary'),
  save: boolean('--save', "also save the sessions' metadata (needs config org and workspace)"),
  events: boolean('--events', "also push the sessions' events"),
  giveUpAfter: duration('--give-up-after <duration>', 'how long the worker keeps retrying an unreachable backend (e.g. 15m)', {
    default: 15 * 60_000,
  }),
  worker: boolean('--worker', 'drain the queue (started by the hook itself)', { hidden: true }),
};
export type HookFlags = Flags<typeof hookOptions>;

export const hookCommand = defineCommand({
  name: 'hook',
  summary: "the agent's post-run hook: queue the session and its sub-agents durably, upload in the background, return at once",
  args: [['[notification]', "Codex's notify JSON, which Codex passes as the last argument"]],
  options: hookOptions,
  examples: [
    'traces hook --session run.jsonl',
    'echo \'{"transcript_path":"s.jsonl"}\' | traces hook',
    'traces hook --agent codex \'{"type":"agent-turn-complete","thread-id":"ID"}\'',
    'traces hook --session run.jsonl --wait --save',
  ],
  env: ['PRIME_AGENT_SESSION_FILE', ...OPERATION_ENV, ...TOKEN_ENV, ...DIRS_ENV, ...AGENT_HOMES_ENV, 'TRACES_AGENT_VERSION'],
  // The worker too: its flags are written by the hook itself, and it must reach its lock check fast.
  skipSchema: (flags) => !flags.wait,
});
