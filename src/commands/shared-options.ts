import { DEFAULTS } from '../util/defaults.js';
import { AGENT_NAMES } from '../contracts/agents.js';
import { boolean, int, list, text } from './define.js';
import { S3_ENV } from './env-vars.js';

/** The options of every command that reads sessions or names a backend. */
export const backendOptions = {
  to: text('--to <url-or-dir>', 'backend: an https:// URL, a loopback http:// URL, a folder (the local store), or s3://bucket/prefix', {
    env: ['TRACES_API_URL', 'PRIME_AGENT_TRACES_BASE_URL', ...S3_ENV],
  }),
  sessionsDir: text('--sessions-dir <dir>', 'where root sessions live (default ~/.prime/agent/sessions)', {
    env: ['TRACES_SESSIONS_DIR', 'PRIME_AGENT_SESSION_DIR'],
  }),
  allowHttp: boolean('--allow-http', 'allow a plain http:// backend that is not on this machine'),
};

/** The option of every command that reads sessions: whose sessions. */
export const agentOptions = {
  agent: list(
    '--agent <name>',
    `whose sessions: ${[...AGENT_NAMES, 'all'].join(', ')} (repeat or comma-separate; default: the agents setting, else prime)`,
  ),
};

/** The options of every command that talks to a backend. */
export const netOptions = {
  ...backendOptions,
  retries: int('--retries <n>', 'retries per request after the first attempt', { min: 0, max: 20, default: DEFAULTS.retries }),
  timeout: int('--timeout <ms>', 'longest wait for an answer, or between body chunks', { min: 1, default: DEFAULTS.timeout }),
  json: boolean('--json', 'print one JSON document on stdout'),
  verbose: boolean('--verbose', 'print each request and retry on stderr'),
  quiet: boolean('--quiet', 'print only errors and the summary (no progress)'),
  // An on/off flag, not `negated`: commander still sets `color: false`, and callers that build flags need not name it.
  color: boolean('--no-color', 'no colour (NO_COLOR=1 does the same)'),
};

/**
 * The option of every command that sends session data: redaction is on unless turned off. Declared
 * as `--no-color` is, not `negated`: commander sets `redact: false` when it is given, and flags a
 * caller builds without naming it (undefined) mean redaction, the safe side.
 */
export const redactOptions = {
  redact: boolean('--no-redact', 'send session data as it is, secrets and all (default: the redact setting, else redacted)'),
};
