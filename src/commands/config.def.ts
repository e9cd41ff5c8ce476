import { boolean, defineCommand, type Declared, type Options } from './define.js';
import { DIRS_ENV, S3_ENV, TOKEN_ENV, type EnvName } from './env-vars.js';

type Verb = 'get' | 'set' | 'unset' | 'list' | 'path';
const json = { json: boolean('--json', 'print JSON') };

export type ConfigVerb = Verb;

interface VerbSpec<O extends Options> {
  summary: string;
  options: O;
  args?: [string, string?][];
  examples: string[];
  env?: readonly EnvName[];
}

function configVerb<O extends Options>(verb: Verb, spec: VerbSpec<O>): Declared<O> & { verb: Verb } {
  return defineCommand({ verb, name: `config ${verb}`, args: [], env: ['TRACES_CONFIG_DIR'], ...spec });
}

export const configCommands = [
  configVerb('get', {
    summary: 'print one setting',
    options: json,
    args: [['<key>']],
    examples: ['traces config get api_url', 'traces config get concurrency --json'],
  }),
  configVerb('set', {
    summary: 'change one setting',
    options: {},
    args: [['<key>'], ['<value>']],
    examples: [
      'traces config set api_url https://api.primeintellect.ai',
      'traces config set concurrency 8',
      'traces config set org acme',
      'traces config set s3_endpoint https://<account>.r2.cloudflarestorage.com',
    ],
  }),
  configVerb('unset', {
    summary: 'remove one setting',
    options: {},
    args: [['<key>']],
    examples: ['traces config unset sessions_dir', 'traces config unset concurrency'],
  }),
  configVerb('list', {
    summary: 'print every setting and where data goes',
    options: json,
    examples: ['traces config list', 'traces config list --json'],
    // It shows where each kind of data goes and which credential is used, as the other commands would resolve them.
    env: [
      ...DIRS_ENV,
      'TRACES_API_URL',
      'PRIME_AGENT_TRACES_BASE_URL',
      'TRACES_UPLOAD_URL',
      'TRACES_SESSIONS_URL',
      'TRACES_EVENTS_URL',
      ...S3_ENV,
      'TRACES_SESSIONS_DIR',
      'PRIME_AGENT_SESSION_DIR',
      ...TOKEN_ENV,
    ],
  }),
  configVerb('path', {
    summary: 'print the settings file path',
    options: {},
    examples: ['traces config path', 'cat "$(traces config path)"'],
  }),
];
