import { ApiError, AuthError, EXIT, UsageError } from '../errors.js';
import { createHttpClient } from '../backend/connect.js';
import { describeUser, fetchWhoami } from '../backend/user.js';
import { resolveBackend, type BackendSpec } from '../config/backend.js';
import { findCredential, removeStoredToken, storeToken } from '../config/credentials.js';
import { readSettings } from '../config/settings.js';
import { isInteractive, say, writeJson, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import { promptSecret, readAll } from '../output/prompt.js';
import type { LoginFlags, WhoamiFlags } from './auth.def.js';

async function backendFor(io: Io, flags: { to?: string; allowHttp?: boolean }): Promise<BackendSpec> {
  const settings = readSettings(io.env);
  return resolveBackend(flags.to, io.env, settings, { allowHttp: Boolean(flags.allowHttp), cwd: io.cwd });
}

/** Asks the backend who `token` is; undefined when it cannot say (a folder, or no whoami route). */
async function checkToken(io: Io, backend: BackendSpec, token: string): Promise<Record<string, unknown> | undefined> {
  if (backend.kind !== 'http') return undefined;
  const client = await createHttpClient(backend.url, {
    token,
    timeoutMs: 15_000,
    retries: 2,
    connections: 1,
    logger: createLogger(io, { verbose: false, secrets: [token] }),
  });
  try {
    return await fetchWhoami(client);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      throw new AuthError(`${backend.url.origin} refused the token (${error.status})`, 'Check the token and try again.');
    }
    throw error;
  } finally {
    await client.close();
  }
}

export async function login(_args: string[], flags: LoginFlags, io: Io): Promise<number> {
  let token: string;
  if (flags.withToken) {
    token = (await readAll(io.stdin)).trim();
  } else if (io.stdinIsTTY && isInteractive(io)) {
    token = (await promptSecret(io, 'Paste your token: ')).trim();
  } else {
    throw new UsageError('no terminal to ask for the token', 'Pipe it in: `traces login --with-token < token.txt`, or set TRACES_TOKEN.');
  }
  if (token === '') throw new UsageError('the token is empty');
  if (/\s/.test(token)) throw new UsageError('the token contains white space; paste it alone');
  const backend = await backendFor(io, flags);
  const user = await checkToken(io, backend, token);
  const path = storeToken(io.env, token);
  if (user) say(io, `Logged in to ${backend.kind === 'http' ? backend.url.origin : backend.dir} as ${describeUser(user)}.`);
  else say(io, `Token stored (not checked: ${backend.kind === 'http' ? 'the backend has no whoami route' : 'the backend is a folder'}).`);
  say(io, `Saved to ${path} (readable by you only).`);
  if (io.env.TRACES_TOKEN || io.env.PRIME_AGENT_TRACES_API_KEY) {
    say(io, 'Note: TRACES_TOKEN or PRIME_AGENT_TRACES_API_KEY is set and takes precedence over the stored token.');
  }
  return EXIT.ok;
}

export async function logout(_args: string[], _flags: object, io: Io): Promise<number> {
  say(io, removeStoredToken(io.env) ? 'Stored token removed.' : 'No stored token to remove.');
  return EXIT.ok;
}

export async function whoami(_args: string[], flags: WhoamiFlags, io: Io): Promise<number> {
  const credential = findCredential(io.env);
  if (!credential) throw new AuthError('not logged in', 'Run `traces login`, or set TRACES_TOKEN.');
  const backend = await backendFor(io, flags);
  const user = await checkToken(io, backend, credential.token);
  const where = backend.kind === 'http' ? backend.url.origin : backend.dir;
  if (flags.json) {
    writeJson(io, { backend: where, credential_source: credential.source, user: user ?? null });
  } else {
    io.stdout.write(`${user ? describeUser(user) : 'unknown (the backend cannot say)'}\n`);
    say(io, `credential from ${credential.source}; backend ${where}`);
  }
  return EXIT.ok;
}
