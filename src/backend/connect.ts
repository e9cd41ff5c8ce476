import { statSync } from 'node:fs';
import { ConfigError, UsageError, type CredentialName } from '../errors.js';
import type { Logger } from '../contracts/logger.js';
import type { Snapshot } from '../core/sessions/snapshot.js';
import type { SessionToUpload, StoredSession, UploadTarget } from '../core/upload-target.js';
import { backendId, type BackendSpec } from '../contracts/backend-id.js';
import { USER_AGENT } from '../version.js';
import type { HttpClient } from './http-client.js';
import type { EventsApi, SessionsApi } from '../contracts/apis.js';
import { DEFAULT_RETRY } from './retry.js';

export interface ConnectOptions {
  /** The token sent, with the name its refusal is reported under; absent for a dry run or a folder. */
  credential?: CredentialName & { token: string };
  timeoutMs: number;
  retries: number;
  connections: number;
  logger: Logger;
}

/** The HTTP client for a backend. undici is loaded here, on first use, never at start-up. */
export async function createHttpClient(url: URL, options: ConnectOptions): Promise<HttpClient> {
  // undici parses HTTP with llhttp compiled to WebAssembly. Optimising that module with TurboFan
  // costs ~35 MiB of peak RSS and ~150 ms per process, for a parser that here reads only small
  // answers; the baseline compiler (Liftoff) is plenty. Must be set before undici loads.
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--liftoff-only');
  const settings = {
    baseUrl: url.href,
    token: options.credential?.token,
    userAgent: USER_AGENT,
    timeoutMs: options.timeoutMs,
    retry: { ...DEFAULT_RETRY, retries: options.retries },
    connections: options.connections,
    logger: options.logger,
  };
  if (!options.credential) return new (await import('./http-client.js')).HttpClient(settings);
  const { CredentialClient } = await import('./credential-client.js');
  return new CredentialClient(settings, options.credential);
}

/**
 * The upload target for a backend: HTTP, or the embedded store for a folder. The HTTP one
 * connects on its first upload, so a run with nothing to send never loads the HTTP stack.
 */
export async function createUploadTarget(spec: BackendSpec, options: ConnectOptions): Promise<UploadTarget> {
  if (spec.kind === 'dir') {
    const { StoreUploadTarget } = await import('./store-target.js');
    return new StoreUploadTarget(storeFolder(spec));
  }
  const { HttpUploadTarget, sessionPath } = await import('./agent-traces.js');
  let real: Promise<UploadTarget> | undefined;
  const connect = () => (real ??= createHttpClient(spec.url, options).then((client) => new HttpUploadTarget(client)));
  const id = backendId(spec);
  return {
    id,
    endpoint: (sessionId: string) => `PUT ${id}${sessionPath(sessionId)}`,
    put: async (session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> => (await connect()).put(session, open),
    close: async () => {
      if (real) await (await real).close();
    },
    abort: async () => {
      if (real) await (await real).abort();
    },
  };
}

/** Metadata saves and patches for a backend: HTTP, or the embedded store for a folder. */
export async function createSessionsApi(spec: BackendSpec, options: ConnectOptions): Promise<SessionsApi> {
  const { HttpSessionsApi, StoreSessionsApi } = await import('./sessions-api.js');
  if (spec.kind === 'http') return new HttpSessionsApi(await createHttpClient(spec.url, options));
  const { LocalStore } = await import('./store/index.js');
  return new StoreSessionsApi(new LocalStore(storeFolder(spec)));
}

/** Session starts and event batches for a backend: HTTP, or the embedded store for a folder. */
export async function createEventsApi(spec: BackendSpec, options: ConnectOptions): Promise<EventsApi> {
  const { HttpEventsApi, StoreEventsApi } = await import('./events-api.js');
  if (spec.kind === 'http') return new HttpEventsApi(await createHttpClient(spec.url, options));
  const { LocalStore } = await import('./store/index.js');
  return new StoreEventsApi(new LocalStore(storeFolder(spec)));
}

/**
 * A folder backend's path, refused at once when something other than a folder is in the way (else
 * every session would fail on its own with ENOTDIR). A folder that does not exist yet is made by
 * the first write.
 */
function storeFolder(spec: { dir: string; source: string }): string {
  let stats;
  try {
    stats = statSync(spec.dir);
  } catch {
    return spec.dir;
  }
  if (stats.isDirectory()) return spec.dir;
  const Bad = spec.source === '--to' ? UsageError : ConfigError;
  throw new Bad(
    `${spec.source}: ${spec.dir} is not a folder (a file is in the way)`,
    'Name a folder for the local store, or an https:// URL.',
  );
}
