import { boolean, defineCommand, type Flags } from './define.js';
import { AGENT_HOMES_ENV, DIRS_ENV } from './env-vars.js';
import { agentOptions, backendOptions } from './shared-options.js';

const { sessionsDir } = backendOptions;

export const scanOptions = {
  sessionsDir,
  ...agentOptions,
  json: boolean('--json', 'print one JSON document: {files, findings: [{file, line, path, rule, preview}], clean}'),
};
export type ScanFlags = Flags<typeof scanOptions>;

export const scanCommand = defineCommand({
  name: 'scan',
  summary: 'list the secrets in sessions (file, line, JSON path, rule, masked preview); exit 1 when any is found',
  args: [['[path...]', "session files or folders (default: the chosen agents' homes)"]],
  options: scanOptions,
  examples: ['traces scan', 'traces scan ./sessions --json', 'traces scan --agent claude,codex'],
  env: [...DIRS_ENV, ...AGENT_HOMES_ENV],
  after: [
    'Exit status: 0 when no secret was found, 1 when one was (or a file could not',
    'be read), 2 on a usage or settings error.',
    "A secret is what redaction replaces before an upload: secretlint's",
    'recommended rules, Authorization headers, KEY=value lines and JSON fields',
    'named *_KEY, *_TOKEN, *_SECRET, *_PASSWORD, the redact_patterns setting, and',
    'the tokens traces itself uses; redact_allow lists what is never a finding. A',
    'preview shows at most the first 4 characters and the length, never the secret.',
  ].join('\n'),
});
