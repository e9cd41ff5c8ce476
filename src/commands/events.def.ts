import { DEFAULTS } from '../util/defaults.js';
import { boolean, bytes, defineCommand, int, text, type Flags } from './define.js';
import { AGENT_HOMES_ENV, DIRS_ENV, TERMINAL_ENV, TOKEN_ENV } from './env-vars.js';
import { agentOptions, netOptions, redactOptions } from './shared-options.js';

export const pushOptions = {
  ...netOptions,
  ...agentOptions,
  ...redactOptions,
  force: boolean('--force', 'send every event again (same ids: the backend keeps one of each)'),
  crossSession: boolean('--cross-session', 'send through POST /v1/events/batch, many sessions per request'),
  maxString: bytes('--max-string <bytes>', 'cut longer strings in an event, e.g. 256K', { fallback: DEFAULTS.maxStringBytes }),
  concurrency: int('--concurrency <n>', 'sessions at once', { min: 1, max: 64, config: 'concurrency', fallback: DEFAULTS.concurrency }),
};
export type PushFlags = Flags<typeof pushOptions>;

export const pushCommand = defineCommand({
  name: 'events push',
  summary: 'convert sessions to events and send only what is new (POST /v1/sessions/{id}/events/batch)',
  args: [['[path...]', 'session files or folders (default: the sessions dir and its artifacts)']],
  options: pushOptions,
  examples: ['traces events push', 'traces events push run.jsonl --to ./archive', 'traces events push --cross-session --max-string 64K'],
  env: ['TRACES_EVENTS_URL', 'TRACES_EVENTS_TOKEN', ...TOKEN_ENV, ...DIRS_ENV, ...AGENT_HOMES_ENV, 'TRACES_AGENT_VERSION', ...TERMINAL_ENV],
});

export const sendOptions = {
  ...netOptions,
  ...redactOptions,
  session: text('--session <id>', 'the session the events belong to', { required: true }),
  file: text('--file <path>', 'NDJSON file of events, or - for stdin', { required: true }),
};
export type SendFlags = Flags<typeof sendOptions>;

export const sendCommand = defineCommand({
  name: 'events send',
  summary: 'send events someone else produced: one JSON object a line, checked before sending',
  options: sendOptions,
  examples: [
    'traces events send --session "$SESSION_ID" --file events.ndjson',
    'producer | traces events send --session "$SESSION_ID" --file -',
  ],
  env: ['TRACES_EVENTS_URL', 'TRACES_EVENTS_TOKEN', ...TOKEN_ENV, 'TRACES_CONFIG_DIR'],
});
