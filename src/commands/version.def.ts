import { defineCommand } from './define.js';

export const versionCommand = defineCommand({
  name: 'version',
  summary: 'print the version of traces and of Node.js (as --version does)',
  options: {},
  examples: ['traces version', 'traces --version'],
});
