import { boolean, defineCommand, text, type Flags } from './define.js';

const allowHttp = boolean('--allow-http', 'allow a plain http:// backend that is not on this machine');

export const loginOptions = {
  withToken: boolean('--with-token', 'read the token from standard input'),
  to: text('--to <url>', 'backend the login is for (its origin: scheme, host and port)'),
  allowHttp,
};
export type LoginFlags = Flags<typeof loginOptions>;

export const loginCommand = defineCommand({
  name: 'login',
  summary: 'store a token for a backend (prompted on a terminal, or read from stdin with --with-token)',
  options: loginOptions,
});

export const logoutOptions = {
  to: text('--to <url>', 'backend whose login to remove (default: the configured one)'),
  all: boolean('--all', 'remove the stored logins of every backend'),
};
export type LogoutFlags = Flags<typeof logoutOptions>;

export const logoutCommand = defineCommand({
  name: 'logout',
  summary: 'remove the stored login of a backend',
  options: logoutOptions,
});

export const whoamiOptions = {
  to: text('--to <url>', 'backend to ask'),
  allowHttp,
  json: boolean('--json', 'print one JSON document on stdout'),
};
export type WhoamiFlags = Flags<typeof whoamiOptions>;

export const whoamiCommand = defineCommand({
  name: 'whoami',
  summary: 'show which credential is used and who the backend says you are',
  options: whoamiOptions,
});
