import { statSync } from 'node:fs';
import { ConfigError, UsageError, type CredentialName } from '../errors.js';
import type { Logger } from '../contracts/logger.js';
import type { Snapshot } from '../core/sessions/snapshot.js';
import type { SessionToUpload, StoredSession, UploadTarget } from '../core/upload-target.js';
import { backendId, s3Url, type BackendSpec, type S3Location } from '../contracts/backend-id.js';
import { USER_AGENT } from '../version.js';
import type { HttpClient } from './http-client.js';
import type { EventsApi, SessionsApi } from '../contracts/apis.js';
import { DEFAULT_RETRY } from './retry.js';

type Env = Record<string, string | undefined>;

export interface ConnectOptions {
  /** The token sent, with the name its refusal is reported under; absent for a dry run or a folder. */
  credential?: CredentialName & { token: string };
  timeoutMs: number;
  retries: number;
  connections: number;
  logger: Logger;
  /** The environment of the command: a bucket store reads its AWS credentials, region and profile there. */
  env: Env;
}

/** The HTTP client for a backend. undici is loaded here, on first use, never at start-up. */
export async function createHttpClient(url: URL, options: Omit<ConnectOptions, 'env'>): Promise<HttpClient> {
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
 * The upload target for a backend: HTTP, the folder store, or the bucket store. The HTTP and the
 * bucket ones connect on their first upload, so a run with nothing to send never loads the HTTP
 * stack or the AWS SDK.
 */
export async function createUploadTarget(spec: BackendSpec, options: ConnectOptions): Promise<UploadTarget> {
  const id = backendId(spec);
  if (spec.kind === 'dir') {
    const [{ StoreUploadTarget }, { SessionFiles }] = await Promise.all([import('./store-target.js'), import('./store/sessions.js')]);
    const dir = storeFolder(spec);
    return new StoreUploadTarget({ location: dir, sessions: new SessionFiles(dir) }, id);
  }
  if (spec.kind === 's3') {
    const { StoreUploadTarget } = await import('./store-target.js');
    const connect = async () => {
      const store = await openBucket(spec, options);
      return new StoreUploadTarget(store, id, () => store.close(), { ...DEFAULT_RETRY, retries: options.retries });
    };
    return lazyTarget(id, (sessionId) => `store ${s3Url(spec)} (session ${sessionId})`, connect);
  }
  const { HttpUploadTarget, sessionPath } = await import('./agent-traces.js');
  const url = spec.url;
  return lazyTarget(
    id,
    (sessionId) => `PUT ${id}${sessionPath(sessionId)}`,
    async () => new HttpUploadTarget(await createHttpClient(url, options)),
  );
}

/** createUploadTarget for the upload runs of a command run in `env` (core opens the target; the env is the command's). */
export function uploadTargetIn(env: Env) {
  return (spec: BackendSpec, options: Omit<ConnectOptions, 'env'>): Promise<UploadTarget> => createUploadTarget(spec, { ...options, env });
}

/** An upload target that connects (once) on its first upload. */
function lazyTarget(id: string, endpoint: (sessionId: string) => string, connect: () => Promise<UploadTarget>): UploadTarget {
  let real: Promise<UploadTarget> | undefined;
  const target = () => (real ??= connect());
  return {
    id,
    endpoint,
    put: async (session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> => (await target()).put(session, open),
    close: async () => {
      if (real) await (await real).close();
    },
    abort: async () => {
      if (real) await (await real).abort();
    },
  };
}

/** Metadata saves and patches for a backend: HTTP, or the folder or bucket store. */
export async function createSessionsApi(spec: BackendSpec, options: ConnectOptions): Promise<SessionsApi> {
  const { HttpSessionsApi, StoreSessionsApi } = await import('./sessions-api.js');
  if (spec.kind === 'http') return new HttpSessionsApi(await createHttpClient(spec.url, options));
  if (spec.kind === 's3') {
    const store = await openBucket(spec, options);
    return withClose(new StoreSessionsApi(store), () => store.close());
  }
  const { LocalStore } = await import('./store/index.js');
  return new StoreSessionsApi(new LocalStore(storeFolder(spec)));
}

/** Session starts and event batches for a backend: HTTP, or the folder or bucket store. */
export async function createEventsApi(spec: BackendSpec, options: ConnectOptions): Promise<EventsApi> {
  const { HttpEventsApi, StoreEventsApi } = await import('./events-api.js');
  if (spec.kind === 'http') return new HttpEventsApi(await createHttpClient(spec.url, options));
  if (spec.kind === 's3') {
    const store = await openBucket(spec, options);
    return withClose(new StoreEventsApi(store), () => store.close());
  }
  const { LocalStore } = await import('./store/index.js');
  return new StoreEventsApi(new LocalStore(storeFolder(spec)));
}

/** The bucket store of an s3 backend, with the HTTP backends' patience. The AWS SDK loads here, on first use. */
export async function openBucket(
  location: S3Location,
  options: Pick<ConnectOptions, 'retries' | 'timeoutMs' | 'env'> & { logger?: Logger },
) {
  const { openBucketStore } = await import('./bucket/index.js');
  return openBucketStore(location, { env: options.env, retries: options.retries, timeoutMs: options.timeoutMs, logger: options.logger });
}

/** `api`, whose close() also lets its store go. */
function withClose<T extends { close(): Promise<void> }>(api: T, release: () => void): T {
  const close = api.close.bind(api);
  api.close = async () => {
    await close();
    release();
  };
  return api;
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
