import { boolean, defineCommand, text, type Flags } from './define.js';
import { TOKEN_ENV } from './env-vars.js';

const allowHttp = boolean('--allow-http', 'allow a plain http:// backend that is not on this machine');

export const loginOptions = {
  withToken: boolean('--with-token', 'read the token from standard input'),
  to: text('--to <url>', 'backend the login is for (its origin: scheme, host and port)', {
    env: ['TRACES_API_URL', 'PRIME_AGENT_TRACES_BASE_URL'],
  }),
  allowHttp,
};
export type LoginFlags = Flags<typeof loginOptions>;

export const loginCommand = defineCommand({
  name: 'login',
  summary: 'store a token for a backend (prompted on a terminal, or read from stdin with --with-token)',
  options: loginOptions,
  examples: ['traces login', 'traces login --with-token < token.txt', 'traces login --to http://127.0.0.1:8787'],
  env: ['TRACES_CONFIG_DIR', 'CI'],
});

export const logoutOptions = {
  to: text('--to <url>', 'backend whose login to remove (default: the configured one)', {
    env: ['TRACES_API_URL', 'PRIME_AGENT_TRACES_BASE_URL'],
  }),
  all: boolean('--all', 'remove the stored logins of every backend'),
};
export type LogoutFlags = Flags<typeof logoutOptions>;

export const logoutCommand = defineCommand({
  name: 'logout',
  summary: 'remove the stored login of a backend',
  options: logoutOptions,
  examples: ['traces logout', 'traces logout --to http://127.0.0.1:8787', 'traces logout --all'],
  env: ['TRACES_CONFIG_DIR'],
});

export const whoamiOptions = {
  to: text('--to <url>', 'backend to ask', { env: ['TRACES_API_URL', 'PRIME_AGENT_TRACES_BASE_URL'] }),
  allowHttp,
  json: boolean('--json', 'print one JSON document on stdout'),
};
export type WhoamiFlags = Flags<typeof whoamiOptions>;

export const whoamiCommand = defineCommand({
  name: 'whoami',
  summary: 'show which credential is used and who the backend says you are',
  options: whoamiOptions,
  examples: ['traces whoami', 'traces whoami --json', 'traces whoami --to http://127.0.0.1:8787'],
  env: [...TOKEN_ENV, 'TRACES_CONFIG_DIR'],
});
