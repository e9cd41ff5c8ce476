import { DEFAULTS } from '../util/defaults.js';
import { boolean, bytes, defineCommand, int, type Flags } from './define.js';
import { AGENT_HOMES_ENV, DIRS_ENV, TERMINAL_ENV, TOKEN_ENV } from './env-vars.js';
import { agentOptions, netOptions, redactOptions } from './shared-options.js';

export const uploadOptions = {
  ...netOptions,
  ...agentOptions,
  ...redactOptions,
  force: boolean('--force', 'ignore the ledger: send every session again'),
  dryRun: boolean('--dry-run', 'show what would be sent, send nothing'),
  concurrency: int('--concurrency <n>', 'sessions sent at once', {
    min: 1,
    max: 64,
    config: 'concurrency',
    fallback: DEFAULTS.concurrency,
  }),
  maxBytes: bytes('--max-bytes <n>', 'largest file to send, e.g. 20M', { config: 'max_bytes', fallback: DEFAULTS.maxBytes }),
};
export type UploadFlags = Flags<typeof uploadOptions>;

export const uploadCommand = defineCommand({
  name: 'upload',
  summary: 'upload session files (PUT, overwriting), skipping what the ledger says is unchanged',
  args: [['[path...]', 'session files or folders (default: the sessions dir and its artifacts)']],
  options: uploadOptions,
  examples: [
    'traces upload',
    'traces upload --dry-run --json',
    'traces upload ./sessions --to ./archive',
    'traces upload --max-bytes 50M --concurrency 8',
  ],
  env: ['TRACES_UPLOAD_URL', 'TRACES_UPLOAD_TOKEN', ...TOKEN_ENV, ...DIRS_ENV, ...AGENT_HOMES_ENV, 'TRACES_AGENT_VERSION', ...TERMINAL_ENV],
});
