import { boolean, defineCommand, text, type Flags } from './define.js';
import { AGENT_HOMES_ENV } from './env-vars.js';
import { agentOptions, backendOptions } from './shared-options.js';

export const viewOptions = {
  sessionsDir: backendOptions.sessionsDir,
  ...agentOptions,
  output: text('-o, --output <file>', 'the page to write (default: <session id>.html in the current folder)'),
  force: boolean('--force', 'replace an existing file that traces view did not write'),
  open: boolean('--open', "open the page with the system's browser when written"),
};
export type ViewFlags = Flags<typeof viewOptions>;

export const viewCommand = defineCommand({
  name: 'view',
  summary: 'write one self-contained HTML page of a session and its sub-agents (opens offline)',
  args: [['<file-or-id...>', 'session files (any agent), or ids found in the agents’ homes']],
  options: viewOptions,
  examples: ['traces view ~/.prime/agent/sessions/run.jsonl', 'traces view 0198c3e2-7d1a-7c4e-9f1b-2a3b4c5d6e7f -o run.html --open'],
  env: ['TRACES_SESSIONS_DIR', ...AGENT_HOMES_ENV],
});
