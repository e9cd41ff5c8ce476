import type { Logger } from '../core/logger.js';
import type { UploadTarget } from '../core/upload-target.js';
import type { SessionsApi } from './sessions-api.js';
import type { EventsApi } from './events-api.js';
import type { BackendSpec } from '../config/backend.js';
import { USER_AGENT } from '../version.js';
import { HttpUploadTarget } from './agent-traces.js';
import { HttpClient } from './http-client.js';
import type { RetryPolicy } from './retry.js';
import { DEFAULT_RETRY } from './retry.js';

export interface ConnectOptions {
  token?: string;
  timeoutMs: number;
  retries: number;
  connections: number;
  logger: Logger;
}

export function createHttpClient(url: URL, options: ConnectOptions): HttpClient {
  const retry: RetryPolicy = { ...DEFAULT_RETRY, retries: options.retries };
  return new HttpClient({
    baseUrl: url.href,
    token: options.token,
    userAgent: USER_AGENT,
    timeoutMs: options.timeoutMs,
    retry,
    connections: options.connections,
    logger: options.logger,
  });
}

/** The upload target for a backend: HTTP, or the embedded store for a folder. */
export async function createUploadTarget(spec: BackendSpec, options: ConnectOptions): Promise<UploadTarget> {
  if (spec.kind === 'http') return new HttpUploadTarget(createHttpClient(spec.url, options));
  const { StoreUploadTarget } = await import('./store-target.js');
  return new StoreUploadTarget(spec.dir);
}

/** DESIGN §2.2/§2.3 for a backend: HTTP, or the embedded store for a folder. */
export async function createSessionsApi(spec: BackendSpec, options: ConnectOptions): Promise<SessionsApi> {
  const { HttpSessionsApi, StoreSessionsApi } = await import('./sessions-api.js');
  if (spec.kind === 'http') return new HttpSessionsApi(createHttpClient(spec.url, options));
  const { LocalStore } = await import('./store/index.js');
  return new StoreSessionsApi(new LocalStore(spec.dir));
}

/** DESIGN §2.4 for a backend: HTTP, or the embedded store for a folder. */
export async function createEventsApi(spec: BackendSpec, options: ConnectOptions): Promise<EventsApi> {
  const { HttpEventsApi, StoreEventsApi } = await import('./events-api.js');
  if (spec.kind === 'http') return new HttpEventsApi(createHttpClient(spec.url, options));
  const { LocalStore } = await import('./store/index.js');
  return new StoreEventsApi(new LocalStore(spec.dir));
}
