import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { fsError } from '../util/fs-error.js';
import { DEFAULT_API_URL, operationToken, type Operation } from './backend.js';
import { readUrlSettings } from './settings-file.js';
import { configDir, homeDir, type Env } from './paths.js';

export interface Credential {
  token: string;
  /** Where it came from, for people (never the token itself): `TRACES_TOKEN (environment)`. */
  source: string;
  /** What to do when the backend refuses it. */
  hint: string;
  /** The stored login for the same backend that this (environment) token overrides, named like `source`. */
  overrides?: string;
}

interface StoredLogin {
  token: string;
  saved_at?: string;
}

const CREDENTIALS_HINT = 'The stored logins live in the config dir: fix its permissions, or set TRACES_CONFIG_DIR.';

/** Environment variables that hold a token for this run, whatever the backend, in the order they win. */
const CHAIN_ENV = ['TRACES_TOKEN', 'PRIME_AGENT_TRACES_API_KEY'];

export function credentialsPath(env: Env): string {
  return join(configDir(env), 'credentials.json');
}

/**
 * A login belongs to the origin (scheme, host and port) of the backend it was made for, as gh
 * keys its logins by host: every path on one origin is one server, while another scheme or port
 * is another server (an http:// twin of an https:// host must not receive its token).
 */
export function loginKey(backend: URL): string {
  return backend.origin;
}

/**
 * The credential for one backend, first found wins: `TRACES_<OP>_TOKEN` (when an operation is
 * named), `TRACES_TOKEN`, `PRIME_AGENT_TRACES_API_KEY`, the login stored for this backend,
 * `PRIME_API_KEY`, then `api_key` in `~/.prime/config.json` when that file's backend is this one.
 * Environment tokens serve any backend (they were set for this run); stored ones only their own.
 * A token is never taken from a flag.
 */
export function findCredential(
  env: Env,
  backend: URL,
  options: { operation?: Operation; notice?: (line: string) => void } = {},
): Credential | undefined {
  const origin = loginKey(backend);
  const storedName = `the login stored for ${origin}`;
  const fromEnv = (name: string, overridden: boolean): Credential | undefined => {
    const token = env[name]?.trim();
    if (!token) return undefined;
    const source = `${name} (environment)`;
    return {
      token,
      source,
      hint: `Check ${name}, or unset it${overridden ? ' to use the stored login' : ''}.`,
      overrides: overridden ? storedName : undefined,
    };
  };
  const op = options.operation && operationToken(env, options.operation);
  const envName = [op?.source, ...CHAIN_ENV].find((name) => name !== undefined && env[name]?.trim());
  if (envName) {
    // A token set for this run works even when the stored logins cannot be read; they only decide the note.
    let overridden: boolean;
    try {
      overridden = origin in readLogins(env);
    } catch {
      overridden = false;
    }
    return fromEnv(envName, overridden);
  }
  const stored = readLogins(env, options.notice)[origin];
  if (stored)
    return {
      token: stored.token,
      source: storedName,
      hint: `Run \`traces login --to ${origin}\` to store a new token, or \`traces logout --to ${origin}\`.`,
    };
  // Prime's account key (the environment's or prime's own config) goes to Prime's backend only:
  // the base_url of prime's config, else the default. People export it for prime's own CLI.
  const primeConfig = join(homeDir(env), '.prime', 'config.json');
  const fromPrime = readPrimeConfig(primeConfig);
  if (origin !== fromPrime.origin) return undefined;
  const prime = fromEnv('PRIME_API_KEY', false);
  if (prime) return prime;
  if (fromPrime.token) {
    return { token: fromPrime.token, source: `api_key in ${primeConfig}`, hint: 'Check it with `prime login`, or run `traces login`.' };
  }
  return undefined;
}

/** The backends that have a stored login (origins, sorted), for telling someone why none was used. */
export function storedOrigins(env: Env): string[] {
  return Object.keys(readLogins(env)).sort();
}

/** Environment variables that may hold a token: the credential chain's and the per-operation ones. */
const TOKEN_ENV = [...CHAIN_ENV, 'PRIME_API_KEY', 'TRACES_UPLOAD_TOKEN', 'TRACES_SESSIONS_TOKEN', 'TRACES_EVENTS_TOKEN'];

/**
 * Every token this environment could supply, every stored login included: what no output, log or
 * error may show. Stored logins that cannot be read still leave the environment's to redact.
 */
export function knownSecrets(env: Env): (string | undefined)[] {
  let stored: string[];
  try {
    stored = Object.values(readLogins(env)).map((login) => login.token);
  } catch {
    stored = [];
  }
  const prime = readPrimeConfig(join(homeDir(env), '.prime', 'config.json')).token;
  // Trimmed as the chain trims them before sending: the value sent is the one to hide.
  return [...stored, prime, ...TOKEN_ENV.map((name) => env[name]?.trim())];
}

/** Stores the token as the login of `backend`, readable by its owner only (0600), atomically. */
export function storeLogin(env: Env, backend: URL, token: string): string {
  const logins = readLogins(env);
  logins[loginKey(backend)] = { token, saved_at: new Date().toISOString() };
  return writeLogins(env, logins);
}

/** Removes the login of `backend`; false when it had none. */
export function removeLogin(env: Env, backend: URL): boolean {
  const logins = readLogins(env);
  const key = loginKey(backend);
  if (!(key in logins)) return false;
  delete logins[key];
  if (Object.keys(logins).length === 0) removeAllLogins(env);
  else writeLogins(env, logins);
  return true;
}

/** Removes every stored login (the whole file, readable or not); false when there was none. */
export function removeAllLogins(env: Env): boolean {
  const path = credentialsPath(env);
  let existed = true;
  try {
    readFileSync(path);
  } catch (error) {
    existed = (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  try {
    rmSync(path, { force: true });
  } catch (error) {
    throw fsError(error, 'cannot remove', path, CREDENTIALS_HINT);
  }
  return existed;
}

/**
 * The stored logins by origin. The file is `{version: 2, hosts: {origin: {token, saved_at}}}`.
 * A file written before logins were kept per backend holds one `{token, saved_at}` and did not
 * record which backend it was checked against: it is read as the login of the default backend
 * only, and (when `notice` is given) rewritten in the new form, with a note saying so once.
 */
function readLogins(env: Env, notice?: (line: string) => void): Record<string, StoredLogin> {
  const path = credentialsPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw fsError(error, 'cannot read', path, CREDENTIALS_HINT);
  }
  const broken = (why: string) =>
    new ConfigError(`${path}: ${why}`, 'Remove it with `traces logout --all`, then run `traces login` again.');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw broken('not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw broken('not a JSON object');
  const file = data as { version?: unknown; hosts?: unknown; token?: unknown };
  if (file.version === undefined && typeof file.token === 'string') {
    const savedAt = (data as { saved_at?: unknown }).saved_at;
    const legacy = {
      [legacyOrigin(env)]: { token: file.token.trim(), saved_at: typeof savedAt === 'string' ? savedAt : undefined },
    };
    if (notice) upgradeLegacy(env, legacy, notice);
    return legacy;
  }
  if (file.version !== 2 || typeof file.hosts !== 'object' || file.hosts === null || Array.isArray(file.hosts)) {
    throw broken('not a credentials file this version of traces can read (expected {"version": 2, "hosts": {...}})');
  }
  const logins: Record<string, StoredLogin> = {};
  for (const [origin, login] of Object.entries(file.hosts as Record<string, unknown>)) {
    const token = (login as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token.trim() === '') throw broken(`the login for ${origin} has no token`);
    logins[origin] = { token: token.trim(), saved_at: (login as { saved_at?: string }).saved_at };
  }
  return logins;
}

/**
 * The backend a login of an earlier traces (one token, no backend recorded) was most likely made
 * for: `traces login` checked it against the configured `api_url` when there was one, else the
 * default backend. Never any other.
 */
function legacyOrigin(env: Env): string {
  const configured = readUrlSettings(env).api_url?.trim();
  try {
    if (configured && /^https?:\/\//i.test(configured)) return loginKey(new URL(configured));
  } catch {
    // not a URL: the default backend
  }
  return loginKey(new URL(DEFAULT_API_URL));
}

function upgradeLegacy(env: Env, logins: Record<string, StoredLogin>, notice: (line: string) => void): void {
  const origin = Object.keys(logins)[0]!;
  try {
    writeLogins(env, logins);
  } catch {
    // A config dir we cannot write: the login still serves the default backend, and the note comes again next time.
  }
  notice(
    `Note: the login stored by an earlier traces did not record its backend; it is now kept for ${origin} only. ` +
      'For another backend, run `traces login --to URL`.',
  );
}

function writeLogins(env: Env, logins: Record<string, StoredLogin>): string {
  const path = credentialsPath(env);
  try {
    writeFileAtomic(path, `${JSON.stringify({ version: 2, hosts: logins }, null, 2)}\n`, 0o600);
  } catch (error) {
    throw fsError(error, 'cannot store the token in', path, CREDENTIALS_HINT);
  }
  return path;
}

/**
 * `api_key` in prime's own config and the backend it belongs to: the file's `base_url` (read as
 * prime reads it) or prime's default. Unreadable or malformed: none (the file is prime's, not ours).
 */
/** Prime's own config: its api_key (if any) and the origin of its base_url (else the default backend's). */
function readPrimeConfig(path: string): { token?: string; origin: string } {
  const fallback = { origin: new URL(DEFAULT_API_URL).origin };
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const token = typeof data.api_key === 'string' && data.api_key.trim() ? data.api_key.trim() : undefined;
    const base = typeof data.base_url === 'string' && data.base_url.trim() ? data.base_url.trim() : DEFAULT_API_URL;
    return { token, origin: new URL(base).origin };
  } catch {
    return fallback;
  }
}
