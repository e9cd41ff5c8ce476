import { homedir } from 'node:os';
import { isLoopback } from '../util/loopback.js';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendId, bucketOfBackendId, folderOfBackendId, type BackendSpec } from '../contracts/backend-id.js';
import { ConfigError, UsageError } from '../errors.js';
import { homeDir, type Env } from './paths.js';
import { s3Backend, type S3Settings } from './s3.js';

// Config resolves backends; their naming is shared with backend/ and core/, so it lives in contracts/.
export { backendId, redactUrl, type BackendSpec } from '../contracts/backend-id.js';

export const DEFAULT_API_URL = 'https://api.primeintellect.ai';

/** The three kinds of data that may each go to a different service (`TRACES_<OP>_URL`). */
export type Operation = 'upload' | 'sessions' | 'events';
export const OPERATIONS: Operation[] = ['upload', 'sessions', 'events'];

/** The settings that decide where data goes: the backend URLs, and how to reach a bucket. */
export type BackendSettings = Partial<Record<'api_url' | 'upload_url' | 'sessions_url' | 'events_url', string>> & S3Settings;

const OP_ENV: Record<Operation, string> = { upload: 'TRACES_UPLOAD_URL', sessions: 'TRACES_SESSIONS_URL', events: 'TRACES_EVENTS_URL' };
const OP_TOKEN: Record<Operation, string> = {
  upload: 'TRACES_UPLOAD_TOKEN',
  sessions: 'TRACES_SESSIONS_TOKEN',
  events: 'TRACES_EVENTS_TOKEN',
};

/**
 * Where one operation's data goes, first set wins: `--to`; the operation's own
 * `TRACES_<OP>_URL` and config `<op>_url`; then `TRACES_API_URL`, `PRIME_AGENT_TRACES_BASE_URL`,
 * config `api_url`, the default. A folder or `file:` URL is the embedded local store, an
 * `s3://bucket/prefix` URL a bucket store.
 */
export function resolveBackend(
  flag: string | undefined,
  env: Env,
  settings: BackendSettings,
  options: { allowHttp: boolean; cwd: string; operation?: Operation },
): BackendSpec {
  const { value, source } = chooseBackend(flag, env, settings, options.operation ?? 'upload');
  return parseBackend(value, source, { ...options, home: homeDir(env), env, settings });
}

/** Which value names the backend of `op`, and where it came from, before it is checked. */
export function chooseBackend(
  flag: string | undefined,
  env: Env,
  settings: BackendSettings,
  op: Operation,
): { value: string; source: string } {
  const chain: [string | undefined, string][] = [
    [flag, '--to'],
    [env[OP_ENV[op]], OP_ENV[op]],
    [settings[`${op}_url`], `config ${op}_url`],
    [env.TRACES_API_URL, 'TRACES_API_URL'],
    [env.PRIME_AGENT_TRACES_BASE_URL?.trim(), 'PRIME_AGENT_TRACES_BASE_URL'], // prime-agent trims it too
    [settings.api_url, 'config api_url'],
  ];
  const [value, source] = chain.find(([v]) => v !== undefined && v !== '') ?? [DEFAULT_API_URL, 'default'];
  return { value: value!, source };
}

/** `TRACES_<OP>_TOKEN`: a token for one operation's service, ahead of the general chain. */
export function operationToken(env: Env, operation: Operation): { token: string; source: string } | undefined {
  const name = OP_TOKEN[operation];
  const token = env[name]?.trim();
  return token ? { token, source: name } : undefined;
}

/**
 * Reads a backend value. A folder must look like one: `./x`, `../x`, `/x`, `~/x`, a name
 * without dots, or a `file:` URL. Anything that looks like a host or a URL but is not a valid
 * http(s):// URL is refused with the URL it probably meant, so a typo never becomes a folder.
 * An `s3://` URL takes its endpoint and addressing from `env` and `settings` (config/s3.ts).
 */
export function parseBackend(
  value: string,
  source: string,
  options: { allowHttp: boolean; cwd: string; home?: string; env?: Env; settings?: S3Settings },
): BackendSpec {
  const Bad = source === '--to' ? UsageError : ConfigError;
  const refuse = (why: string, hint: string): never => {
    throw new Bad(`${source}: "${value}" ${why}`, hint);
  };
  if (value.trim() !== value) {
    refuse('has spaces around it', `Did you mean ${value.trim()}?`);
  }
  const dir = (path: string): BackendSpec => ({ kind: 'dir', dir: resolve(options.cwd, path), source });
  if (process.platform === 'win32' && (/^[a-z]:[\\/]/i.test(value) || /^\\\\[^\\]/.test(value))) return dir(value);
  if (value === '~' || value.startsWith('~/')) return dir(join(options.home ?? homedir(), value.slice(2)));
  if (value.startsWith('//')) refuse('looks like a URL without its scheme', hostHint(value.slice(2)));
  if (isAbsolute(value) || /^\.\.?([\\/]|$)/.test(value)) return dir(value);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const first = value.split(/[\\/]/)[0]!;
    if (first.includes('.') || first.startsWith('[') || first.toLowerCase() === 'localhost')
      refuse('looks like a host name, not a folder', hostHint(value));
    return dir(value);
  }
  if (scheme === 's3') return s3Backend(value, source, options);
  if (scheme === 'file') {
    try {
      return { kind: 'dir', dir: fileURLToPath(value), source };
    } catch {
      throw new Bad(`${source}: "${value}" is not a valid file: URL`);
    }
  }
  if (scheme !== 'http' && scheme !== 'https') {
    if (/^[^:/]+:\d+(\/|$)/.test(value)) refuse('looks like a host and port, not a URL', hostHint(value));
    throw new Bad(
      `${source}: unsupported scheme "${scheme}:" in ${value}`,
      'Use an https:// URL, a loopback http:// URL, an s3://bucket/prefix URL, or a folder.',
    );
  }
  let url: URL | undefined;
  try {
    // The WHATWG parser reads `https:host` or `https:/host` as a URL; only the `scheme://host` form counts.
    if (/^https?:\/\/[^/]/i.test(value)) url = new URL(value);
  } catch {
    // reported below
  }
  if (!url) {
    const rest = value.replace(/^https?:\/*/i, '');
    throw new Bad(`${source}: "${value}" is not a valid URL`, rest ? hostHint(rest, scheme) : undefined);
  }
  if (url.username || url.password) {
    throw new Bad(`${source}: credentials in the URL are not accepted`, 'Use `traces login` or TRACES_TOKEN.');
  }
  if (scheme === 'http' && !options.allowHttp && !isLoopback(url.hostname)) {
    throw new Bad(
      `${source}: refusing to send the token in clear text to ${url.host}`,
      'Use https://, or pass --allow-http if you really mean it.',
    );
  }
  return { kind: 'http', url: apiRoot(url), source };
}

/**
 * The API root a base URL names, read the way prime-agent reads PRIME_AGENT_TRACES_BASE_URL:
 * trailing slashes go, then one trailing `/api/v1`, since every contract path brings its own
 * prefix (`/api/v1/...` or `/v1/...`). So `https://host`, `https://host/` and
 * `https://host/api/v1/` are one backend, with one ledger key.
 */
export function apiRoot(url: URL): URL {
  const root = new URL(url.href);
  root.pathname = root.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return root;
}

/** "Did you mean <url>?" for a value that names a host: http:// for this machine, else https://. */
function hostHint(rest: string, scheme?: string): string {
  let host = rest.split('/')[0]!;
  host = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  const guess = scheme ?? (isLoopback(host) ? 'http' : 'https');
  const folder = scheme === undefined && !rest.includes(':') ? ` For a folder, write ./${rest}.` : '';
  return `Did you mean ${guess}://${rest}?${folder}`;
}

/**
 * The backend a ledger or queue id names (the inverse of backendId); checked again, as when it was
 * named. A bucket's endpoint is the id's (none = AWS itself), whatever the environment says now:
 * the session goes where it was queued for. Its addressing is read from `env` and `settings`.
 */
export function backendFromId(id: string, cwd: string, allowHttp: boolean, s3: { env?: Env; settings?: S3Settings } = {}): BackendSpec {
  const dir = folderOfBackendId(id);
  if (dir !== undefined) return { kind: 'dir', dir, source: 'queue' };
  const bucket = bucketOfBackendId(id);
  if (bucket) return s3Backend(bucket.url, 'queue', { allowHttp, ...s3, endpoint: bucket.endpoint ?? null });
  return parseBackend(id, 'queue', { allowHttp, cwd });
}

/**
 * The value that names `spec` again in a later run (a follow-up of the hook's worker, of watch),
 * whatever that run's environment: the folder, the URL, or a bucket's id, which holds its endpoint.
 */
export function backendValue(spec: BackendSpec): string {
  if (spec.kind === 'dir') return spec.dir;
  if (spec.kind === 'http') return spec.url.href;
  return backendId(spec);
}

export { isLoopback } from '../util/loopback.js';
