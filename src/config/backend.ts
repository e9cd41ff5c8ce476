import { isIPv4, isIPv6 } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, UsageError } from '../errors.js';
import type { Env } from './paths.js';

export const DEFAULT_API_URL = 'https://api.primeintellect.ai';

export type BackendSpec =
  | { kind: 'http'; url: URL; source: string }
  | { kind: 'dir'; dir: string; source: string };

/** The three kinds of data that may each go to a different service (issue #5). */
export type Operation = 'upload' | 'sessions' | 'events';
export const OPERATIONS: Operation[] = ['upload', 'sessions', 'events'];

const OP_ENV: Record<Operation, string> = { upload: 'TRACES_UPLOAD_URL', sessions: 'TRACES_SESSIONS_URL', events: 'TRACES_EVENTS_URL' };
const OP_TOKEN: Record<Operation, string> = { upload: 'TRACES_UPLOAD_TOKEN', sessions: 'TRACES_SESSIONS_TOKEN', events: 'TRACES_EVENTS_TOKEN' };

/**
 * Where one operation's data goes (DESIGN §3, issue #5): `--to`; the operation's own
 * `TRACES_<OP>_URL` and config `<op>_url`; then `TRACES_API_URL`, `PRIME_AGENT_TRACES_BASE_URL`,
 * config `api_url`, the default. A folder or `file:` URL is the embedded local store.
 */
export function resolveBackend(
  flag: string | undefined,
  env: Env,
  settings: Partial<Record<'api_url' | 'upload_url' | 'sessions_url' | 'events_url', string>>,
  options: { allowHttp: boolean; cwd: string; operation?: Operation },
): BackendSpec {
  const { value, source } = chooseBackend(flag, env, settings, options.operation ?? 'upload');
  return parseBackend(value, source, options);
}

/** Which value names the backend of `op`, and where it came from, before it is checked. */
export function chooseBackend(
  flag: string | undefined,
  env: Env,
  settings: Partial<Record<'api_url' | 'upload_url' | 'sessions_url' | 'events_url', string>>,
  op: Operation,
): { value: string; source: string } {
  const chain: [string | undefined, string][] = [
    [flag, '--to'],
    [env[OP_ENV[op]], OP_ENV[op]],
    [settings[`${op}_url`], `config ${op}_url`],
    [env.TRACES_API_URL, 'TRACES_API_URL'],
    [env.PRIME_AGENT_TRACES_BASE_URL, 'PRIME_AGENT_TRACES_BASE_URL'],
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

export function parseBackend(value: string, source: string, options: { allowHttp: boolean; cwd: string }): BackendSpec {
  const Bad = source === '--to' ? UsageError : ConfigError;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined || (scheme.length === 1 && process.platform === 'win32')) {
    return { kind: 'dir', dir: isAbsolute(value) ? value : resolve(options.cwd, value), source };
  }
  if (scheme === 'file') {
    try {
      return { kind: 'dir', dir: fileURLToPath(value), source };
    } catch {
      throw new Bad(`${source}: "${value}" is not a valid file: URL`);
    }
  }
  if (scheme !== 'http' && scheme !== 'https') {
    throw new Bad(`${source}: unsupported scheme "${scheme}:" in ${value}`, 'Use an https:// URL, a loopback http:// URL, or a folder.');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Bad(`${source}: "${value}" is not a valid URL`);
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
  return { kind: 'http', url, source };
}

/**
 * Whether `hostname` is this machine by address, not by a name a resolver could answer otherwise:
 * an IPv4 address in 127.0.0.0/8, the IPv6 address ::1 (any spelling, bracketed or not, and the
 * IPv4-mapped ::ffff:127.x.y.z), or exactly `localhost` (any case, no trailing dot: `localhost.`
 * is a DNS name like any other, as is `foo.localhost`).
 */
export function isLoopback(hostname: string): boolean {
  if (hostname.toLowerCase() === 'localhost') return true;
  if (isIPv4(hostname)) return hostname.startsWith('127.');
  const v6 = /^\[(.*)\]$/.exec(hostname)?.[1] ?? hostname;
  // Zone ids (fe80::1%eth0) pass isIPv6 but are no URL host: not taken as loopback.
  if (!isIPv6(v6) || v6.includes('%')) return false;
  // The URL parser writes every IPv6 address one way: ::1, and ::ffff:7f00:1 for ::ffff:127.0.0.1.
  const canonical = new URL(`http://[${v6}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** A URL as shown to people and used as the ledger's key: no credentials, no trailing slash. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/+$/, '');
}

/** The ledger's name for a backend (the same as its UploadTarget's id). */
export function backendId(backend: BackendSpec): string {
  return backend.kind === 'http' ? redactUrl(backend.url) : `file:${backend.dir}`;
}

/** The backend a ledger or queue id names (the inverse of backendId); checked again, as when it was named. */
export function backendFromId(id: string, cwd: string, allowHttp: boolean): BackendSpec {
  if (id.startsWith('file:')) return { kind: 'dir', dir: id.slice('file:'.length), source: 'queue' };
  return parseBackend(id, 'queue', { allowHttp, cwd });
}
