import { boolean, defineCommand, type Flags } from './define.js';
import { AGENT_HOMES_ENV, DIRS_ENV } from './env-vars.js';
import { agentOptions, backendOptions } from './shared-options.js';

export const treeOptions = { ...backendOptions, ...agentOptions, json: boolean('--json', 'print the tree as nested JSON objects') };
export type TreeFlags = Flags<typeof treeOptions>;

export const treeCommand = defineCommand({
  name: 'tree',
  summary: 'show the recursion tree: id, kind (root / sub-agent / fork), size, upload state',
  args: [['[path]', 'a session file or folder (default: the sessions dir and its artifacts)']],
  options: treeOptions,
  examples: ['traces tree', 'traces tree ./sessions --json', 'traces tree --to ./archive'],
  env: ['TRACES_UPLOAD_URL', ...DIRS_ENV, ...AGENT_HOMES_ENV],
});
