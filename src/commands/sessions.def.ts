import { DEFAULTS } from '../util/defaults.js';
import { boolean, choice, defineCommand, int, list, text, type Flags } from './define.js';
import { AGENT_HOMES_ENV, TOKEN_ENV } from './env-vars.js';
import { agentOptions, netOptions, redactOptions } from './shared-options.js';

export const saveOptions = {
  ...netOptions,
  ...agentOptions,
  ...redactOptions,
  all: boolean('--all', 'save every session under the sessions dir'),
  dryRun: boolean('--dry-run', 'print the bodies that would be sent, send nothing'),
  org: text('--org <slug>', 'organisation (default: config org)'),
  workspace: text('--workspace <slug>', 'workspace (default: config workspace)'),
  model: text('--model <model>', 'override the model found in the file'),
  title: text('--title <title>', 'override the title found in the file'),
  label: list('--label <key=value>', 'add a label (repeatable; a key may take several values)'),
  origin: choice('--origin <origin>', 'who made the session', ['user', 'worker', 'eval']),
  visibility: choice('--visibility <visibility>', 'who may see it', ['private', 'workspace']),
  projectId: text('--project-id <id>', 'project id'),
  runtimeId: text('--runtime-id <uuid>', 'runtime id (a UUID)'),
  concurrency: int('--concurrency <n>', 'saves at once', { min: 1, max: 64, config: 'concurrency', fallback: DEFAULTS.concurrency }),
};
export type SaveFlags = Flags<typeof saveOptions>;

export const saveCommand = defineCommand({
  name: 'sessions save',
  summary: 'save session metadata (POST /api/v1/org/{org}/ws/{workspace}/sessions)',
  args: [['[file-or-id...]', 'session files, or ids found under the sessions dir']],
  options: saveOptions,
  examples: [
    'traces sessions save --all --dry-run',
    'traces sessions save run.jsonl --origin eval --label team=infra',
    'traces sessions save --all --org acme --workspace research',
  ],
  env: ['TRACES_SESSIONS_URL', 'TRACES_SESSIONS_TOKEN', ...TOKEN_ENV, 'TRACES_CONFIG_DIR', ...AGENT_HOMES_ENV],
});

export const patchOptions = {
  ...netOptions,
  ...redactOptions,
  title: text('--title <title>', 'set the title'),
  clearTitle: boolean('--clear-title', 'remove the title'),
  tag: list('--tag <tag>', "a tag (repeatable); the list replaces the session's tags"),
  clearTags: boolean('--clear-tags', 'remove every tag'),
};
export type PatchFlags = Flags<typeof patchOptions>;

export const patchCommand = defineCommand({
  name: 'sessions patch',
  summary: "change a session's title or tags (PATCH /v1/sessions/{id}); tags replace the list",
  args: [['<id-or-file>', 'session_<32 hex>, a UUID, or a session file']],
  options: patchOptions,
  examples: [
    'traces sessions patch run.jsonl --title "Fix the parser"',
    'traces sessions patch session_0123456789abcdef0123456789abcdef --tag bug',
    'traces sessions patch run.jsonl --clear-tags',
  ],
  env: ['TRACES_SESSIONS_URL', 'TRACES_SESSIONS_TOKEN', ...TOKEN_ENV, 'TRACES_CONFIG_DIR'],
});

export const createOptions = { ...netOptions, ...agentOptions, ...redactOptions };
export type CreateFlags = Flags<typeof createOptions>;

export const createCommand = defineCommand({
  name: 'sessions create',
  summary: 'start the session on the events backend (POST /v1/sessions); repeating only merges metadata',
  args: [['<file-or-id>', 'a session file, or an id found under the sessions dir']],
  options: createOptions,
  examples: ['traces sessions create run.jsonl', 'traces sessions create run.jsonl --to ./archive --json'],
  env: ['TRACES_EVENTS_URL', 'TRACES_EVENTS_TOKEN', ...TOKEN_ENV, 'TRACES_CONFIG_DIR', ...AGENT_HOMES_ENV, 'TRACES_AGENT_VERSION'],
});
