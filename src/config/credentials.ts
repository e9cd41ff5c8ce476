import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { fsError } from '../util/fs-error.js';
import { configDir, homeDir, type Env } from './paths.js';

export interface Credential {
  token: string;
  /** Where it came from, for `traces whoami` (never the token itself). */
  source: string;
}

const CREDENTIALS_HINT = 'The stored login lives in the config dir: fix its permissions, or set TRACES_CONFIG_DIR.';

export function credentialsPath(env: Env): string {
  return join(configDir(env), 'credentials.json');
}

/**
 * The credential chain, first found wins: `TRACES_TOKEN`, `PRIME_AGENT_TRACES_API_KEY`, the stored login, `PRIME_API_KEY`,
 * then `api_key` in `~/.prime/config.json`. A token is never taken from a flag.
 */
export function findCredential(env: Env): Credential | undefined {
  for (const name of ['TRACES_TOKEN', 'PRIME_AGENT_TRACES_API_KEY']) {
    const value = env[name]?.trim();
    if (value) return { token: value, source: name };
  }
  const stored = readStoredToken(env);
  if (stored) return { token: stored, source: `traces login (${credentialsPath(env)})` };
  const prime = env.PRIME_API_KEY?.trim();
  if (prime) return { token: prime, source: 'PRIME_API_KEY' };
  const primeConfig = join(homeDir(env), '.prime', 'config.json');
  const fromPrime = readJsonField(primeConfig, 'api_key');
  if (fromPrime) return { token: fromPrime, source: primeConfig };
  return undefined;
}

/** Environment variables that may hold a token: the credential chain's and the per-operation ones. */
const TOKEN_ENV = ['TRACES_TOKEN', 'PRIME_AGENT_TRACES_API_KEY', 'PRIME_API_KEY', 'TRACES_UPLOAD_TOKEN', 'TRACES_SESSIONS_TOKEN', 'TRACES_EVENTS_TOKEN'];

/**
 * Every token this environment could supply, the stored ones included: what no output, log or
 * error may show. A stored login that cannot be read still leaves the environment's to redact.
 */
export function knownSecrets(env: Env): (string | undefined)[] {
  let found: string | undefined;
  try {
    found = findCredential(env)?.token;
  } catch {
    found = undefined;
  }
  return [found, ...TOKEN_ENV.map((name) => env[name])];
}

export function readStoredToken(env: Env): string | undefined {
  return readJsonField(credentialsPath(env), 'token');
}

/** Stores the token readable by its owner only (0600), atomically. */
export function storeToken(env: Env, token: string): string {
  const path = credentialsPath(env);
  try {
    writeFileAtomic(path, `${JSON.stringify({ token, saved_at: new Date().toISOString() })}\n`, 0o600);
  } catch (error) {
    throw fsError(error, 'cannot store the token in', path, CREDENTIALS_HINT);
  }
  return path;
}

export function removeStoredToken(env: Env): boolean {
  const path = credentialsPath(env);
  const existed = readStoredToken(env) !== undefined;
  try {
    rmSync(path, { force: true });
  } catch (error) {
    throw fsError(error, 'cannot remove', path, CREDENTIALS_HINT);
  }
  return existed;
}

function readJsonField(path: string, field: string): string | undefined {
  try {
    const value = (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)[field];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}
