import { AuthError, EXIT, UsageError, refusedCredential, type CredentialName } from '../errors.js';
import { createHttpClient } from '../backend/connect.js';
import { describeUser, fetchWhoami } from '../backend/user.js';
import { backendId, redactUrl, resolveBackend, type BackendSpec } from '../config/backend.js';
import { findCredential, loginKey, removeAllLogins, removeLogin, storeLogin } from '../config/credentials.js';
import { readSettings } from '../config/settings.js';
import { isInteractive, say, writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { promptSecret, readAll } from '../output/prompt.js';
import type { LoginFlags, LogoutFlags, WhoamiFlags } from './auth.def.js';

type HttpBackend = Extract<BackendSpec, { kind: 'http' }>;

function backendFor(io: Io, flags: { to?: string; allowHttp?: boolean }): BackendSpec {
  return resolveBackend(flags.to, io.env, readSettings(io.env), { allowHttp: Boolean(flags.allowHttp), cwd: io.cwd });
}

/** Logins belong to HTTP backends: a folder (the local store) takes no token, a bucket the AWS chain's. */
function httpBackend(backend: BackendSpec, what: string): HttpBackend {
  if (backend.kind === 'http') return backend;
  throw new UsageError(`${noLogin(backend)}, so there is no login to ${what}`, backend.kind === 's3' ? AWS_CHAIN_HINT : undefined);
}

const AWS_CHAIN_HINT =
  'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE for a profile of ~/.aws/config and ~/.aws/credentials.';

/** Why a store backend has no traces login. */
function noLogin(backend: Exclude<BackendSpec, HttpBackend>): string {
  if (backend.kind === 'dir') return `${backend.dir} (from ${backend.source}) is a folder: the local store needs no token`;
  return `${backendId(backend)} (from ${backend.source}) is a bucket: it uses the AWS credential chain (environment, shared config and credentials files, AWS_PROFILE), not a traces login`;
}

/** Asks the backend who the credential is; undefined when it cannot say (no whoami route). A 401/403 = exit 4, naming the credential. */
async function checkToken(
  io: Io,
  backend: HttpBackend,
  credential: CredentialName & { token: string },
): Promise<Record<string, unknown> | undefined> {
  const client = await createHttpClient(backend.url, {
    credential,
    timeoutMs: 15_000,
    retries: 2,
    connections: 1,
    logger: createLogger(io, { verbose: false, secrets: [credential.token] }),
  });
  try {
    return await fetchWhoami(client);
  } catch (error) {
    throw refusedCredential(error) ?? error;
  } finally {
    await client.close();
  }
}

export async function login(_args: string[], flags: LoginFlags, io: Io): Promise<number> {
  const backend = httpBackend(backendFor(io, flags), 'store');
  const where = redactUrl(backend.url);
  let token: string;
  if (flags.withToken) {
    token = (await readAll(io.stdin)).trim();
  } else if (io.stdinIsTTY && isInteractive(io)) {
    token = (await promptSecret(io, `Paste your token for ${where}: `)).trim();
  } else {
    throw new UsageError('no terminal to ask for the token', 'Pipe it in: `traces login --with-token < token.txt`, or set TRACES_TOKEN.');
  }
  if (token === '') throw new UsageError('the token is empty');
  if (/\s/.test(token)) throw new UsageError('the token contains white space; paste it alone');
  const user = await checkToken(io, backend, { token, source: 'the token given', hint: 'Check the token and try again.' });
  const path = storeLogin(io.env, backend.url, token);
  if (user) say(io, `Logged in to ${where} as ${describeUser(user)}.`);
  else say(io, 'Token stored (not checked: the backend has no whoami route).');
  say(io, `Saved for ${loginKey(backend.url)} in ${path} (readable by you only).`);
  const used = findCredential(io.env, backend.url);
  if (used?.overrides) say(io, `Note: ${used.source} is set and overrides this login.`);
  return EXIT.ok;
}

export async function logout(_args: string[], flags: LogoutFlags, io: Io): Promise<number> {
  if (flags.all) {
    say(io, removeAllLogins(io.env) ? 'All stored logins removed.' : 'No stored login to remove.');
    return EXIT.ok;
  }
  // Nothing is sent, so a plain http:// backend needs no --allow-http to be logged out of.
  const backend = httpBackend(resolveBackend(flags.to, io.env, readSettings(io.env), { allowHttp: true, cwd: io.cwd }), 'remove');
  const origin = loginKey(backend.url);
  say(io, removeLogin(io.env, backend.url) ? `Stored login for ${origin} removed.` : `No stored login for ${origin}.`);
  return EXIT.ok;
}

export async function whoami(_args: string[], flags: WhoamiFlags, io: Io): Promise<number> {
  const backend = backendFor(io, flags);
  if (backend.kind === 'dir') {
    if (flags.json) writeJson(io, { backend: backend.dir, credential_source: null, overrides: null, user: null });
    else say(io, `${backend.dir} is a folder: the local store needs no credential.`);
    return EXIT.ok;
  }
  if (backend.kind === 's3') {
    // Who the AWS chain names is the SDK's to say; nothing of its credentials is read or shown here.
    if (flags.json) writeJson(io, { backend: backendId(backend), credential_source: 'aws', overrides: null, user: null });
    else say(io, `${noLogin(backend)}.`);
    return EXIT.ok;
  }
  const where = redactUrl(backend.url);
  const credential = findCredential(io.env, backend.url, { notice: (line) => say(io, line) });
  if (!credential)
    throw new AuthError(
      `not logged in to ${loginKey(backend.url)}`,
      `Run \`traces login${flags.to ? ` --to ${flags.to}` : ''}\`, or set TRACES_TOKEN.`,
    );
  const user = await checkToken(io, backend, credential);
  if (flags.json) {
    writeJson(io, { backend: where, credential_source: credential.source, overrides: credential.overrides ?? null, user: user ?? null });
  } else {
    io.stdout.write(`${user ? describeUser(user) : 'unknown (the backend cannot say)'}\n`);
    say(io, `credential: ${credential.source}; backend ${where}`);
    if (credential.overrides) say(io, `${credential.source} overrides ${credential.overrides}.`);
  }
  return EXIT.ok;
}
