import { boolean, defineCommand, text, type Flags } from './define.js';
import { AGENT_HOMES_ENV, DIRS_ENV } from './env-vars.js';
import { agentOptions, backendOptions } from './shared-options.js';

export const statusOptions = {
  ...backendOptions,
  ...agentOptions,
  json: boolean('--json', 'print one JSON document on stdout'),
  forget: text('--forget <backend>', "drop a backend's entries from the ledgers (its sessions count as never sent there)"),
};
export type StatusFlags = Flags<typeof statusOptions>;

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'what is uploaded, pending, failed or too large, per backend; the queue; the last hook failure',
  options: statusOptions,
  examples: ['traces status', 'traces status --to ./archive --json'],
  env: ['TRACES_UPLOAD_URL', ...DIRS_ENV, ...AGENT_HOMES_ENV],
});
