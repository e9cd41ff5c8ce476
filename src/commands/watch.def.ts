import { DEFAULTS } from '../util/defaults.js';
import { boolean, bytes, defineCommand, duration, int, type Flags } from './define.js';
import { AGENT_HOMES_ENV, DIRS_ENV, OPERATION_ENV, TOKEN_ENV } from './env-vars.js';
import { agentOptions, netOptions, redactOptions } from './shared-options.js';

export const watchOptions = {
  ...netOptions,
  ...agentOptions,
  ...redactOptions,
  maxBytes: bytes('--max-bytes <n>', 'largest file to send, e.g. 20M', { config: 'max_bytes', fallback: DEFAULTS.maxBytes }),
  concurrency: int('--concurrency <n>', 'uploads at once', { min: 1, max: 64, config: 'concurrency', fallback: DEFAULTS.concurrency }),
  debounce: duration('--debounce <ms>', 'quiet time after a change before uploading', { default: 1000 }),
  minInterval: duration(
    '--min-interval <ms>',
    'at most one upload per session this often; a session that keeps changing is still sent this often',
    { default: 10_000 },
  ),
  flushTimeout: duration('--flush-timeout <ms>', 'on SIGINT/SIGTERM, how long to keep sending what is pending', { default: 10_000 }),
  poll: boolean('--poll', 'poll the file system instead of OS events (network drives)'),
  save: boolean('--save', "also save each uploaded session's metadata"),
  events: boolean('--events', "also push each uploaded session's events"),
  json: boolean('--json', 'print NDJSON on stdout: one line per session sent (or failed), as it happens'),
  force: boolean('--force', 'ignore the ledger: the catch-up sends every session again'),
  dryRun: boolean('--dry-run', 'show what the catch-up and each change would send, send nothing'),
};
export type WatchFlags = Flags<typeof watchOptions>;

export const watchCommand = defineCommand({
  name: 'watch',
  summary: 'catch up, then keep uploading sessions as they change, until stopped',
  args: [['[path...]', 'session files or folders (default: the sessions dir and its artifacts)']],
  options: watchOptions,
  examples: ['traces watch', 'traces watch --to ./archive --debounce 2s', 'traces watch --poll --save --events'],
  env: [...OPERATION_ENV, ...TOKEN_ENV, ...DIRS_ENV, ...AGENT_HOMES_ENV, 'TRACES_AGENT_VERSION'],
});
