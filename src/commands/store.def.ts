import { DEFAULTS } from '../util/defaults.js';
import { boolean, defineCommand, int, type Flags } from './define.js';
import { S3_ENV, TERMINAL_ENV } from './env-vars.js';

export const copyOptions = {
  dryRun: boolean('--dry-run', 'list the keys that would be copied, copy nothing'),
  concurrency: int('--concurrency <n>', 'keys in flight at once', { min: 1, max: 64, default: 16 }),
  retries: int('--retries <n>', 'retries per request to a bucket after the first attempt', { min: 0, max: 20, default: DEFAULTS.retries }),
  timeout: int('--timeout <ms>', 'longest wait for a bucket to answer, or between body chunks', { min: 1, default: DEFAULTS.timeout }),
  json: boolean('--json', 'print one JSON document on stdout'),
  verbose: boolean('--verbose', 'print each key as it is copied'),
  quiet: boolean('--quiet', 'print only errors and the summary (no progress)'),
  color: boolean('--no-color', 'no colour (NO_COLOR=1 does the same)'),
};
export type CopyFlags = Flags<typeof copyOptions>;

export const copyCommand = defineCommand({
  name: 'store copy',
  summary: 'copy a whole store between a folder and a bucket (either way), only what changed; run again to resume',
  args: [
    ['<from>', 'the store to copy: a folder or s3://bucket/prefix'],
    ['<to>', 'where to copy it: a folder or s3://bucket/prefix'],
  ],
  options: copyOptions,
  examples: [
    'traces store copy ./traces-data s3://team-traces/archive',
    'traces store copy s3://team-traces/archive ./restored --dry-run',
    'traces store copy ./traces-data ./backup --json',
  ],
  env: [...S3_ENV, 'TRACES_CONFIG_DIR', ...TERMINAL_ENV],
});
