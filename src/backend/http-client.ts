import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { ApiError, NetworkError, TimeoutError, describeError } from '../errors.js';
import type { Logger } from '../contracts/logger.js';
import { redactUrl } from '../contracts/backend-id.js';
import { redact } from '../util/redact.js';
import { errorMessage } from './envelope.js';
import { BackendGate, DEFAULT_RETRY, parseRetryAfter, withRetries, type RetryHooks, type RetryPolicy } from './retry.js';
import { neverConnected } from './never-connected.js';

export interface HttpClientOptions {
  /** Base URL; request paths are appended to it (its own path included). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; never logged or put in an error. */
  token?: string;
  userAgent: string;
  /** Longest wait for response headers after the request was sent, and between body chunks. */
  timeoutMs: number;
  retry?: RetryPolicy;
  /** Parallel connections to the backend. @default 4 */
  connections?: number;
  logger?: Logger;
  /** Test seams: waiting and jitter. */
  hooks?: Pick<RetryHooks, 'sleep' | 'random'>;
}

/** A body that can be produced again for every attempt (a fresh file stream each time). */
export interface BodySource {
  body: Readable | AsyncIterable<Uint8Array> | string | Buffer;
  /** Exact byte length; sent as Content-Length. */
  length: number;
  /** Called after the attempt, whatever its outcome (closes the file). */
  release?: () => Promise<void>;
}

export interface RequestSpec {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: () => Promise<BodySource>;
  /** Only idempotent requests are retried (PUT, GET, a POST with a client-chosen id). */
  idempotent: boolean;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data: T;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The one HTTP client: pooled keep-alive connections, timeouts, retries, Retry-After, a 429 pause. */
export class HttpClient {
  readonly baseUrl: URL;
  readonly gate = new BackendGate();
  private readonly pool: Pool;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = new URL(options.baseUrl);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.pool = new Pool(this.baseUrl.origin, {
      connections: options.connections ?? 4,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 30_000),
      keepAliveTimeout: 10_000,
    });
  }

  /** The base URL as shown to people: no credentials, no trailing slash. */
  get displayUrl(): string {
    return redactUrl(this.baseUrl);
  }

  async request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>> {
    const policy = spec.idempotent ? this.retry : { ...this.retry, retries: 0 };
    const logger = this.options.logger;
    return withRetries((attempt) => this.attempt<T>(spec, attempt), policy, {
      ...this.options.hooks,
      gate: this.gate,
      onRetry: ({ attempt, delayMs, error }) =>
        logger?.debug(`${spec.method} ${spec.path}: attempt ${attempt + 1} failed (${describeError(error)}); retrying in ${delayMs} ms`),
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }

  private async attempt<T>(spec: RequestSpec, attempt: number): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'application/json',
      ...spec.headers,
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let source: BodySource | undefined;
    let body: Dispatcher.DispatchOptions['body'];
    if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] ??= 'application/json';
    } else if (spec.body) {
      source = await spec.body();
      body = source.body as Dispatcher.DispatchOptions['body'];
      headers['content-length'] = String(source.length);
    }
    const started = performance.now();
    const path = joinPath(this.baseUrl.pathname, spec.path) + this.baseUrl.search;
    try {
      const response = await this.pool.request({ method: spec.method, path, headers, body });
      const text = await readText(response.body);
      const ms = Math.round(performance.now() - started);
      this.options.logger?.debug(`${spec.method} ${path} → ${response.statusCode} in ${ms} ms (attempt ${attempt + 1})`);
      if (response.statusCode < 200 || response.statusCode >= 300) {
        // A redirect is not success either (an SSO proxy answering 302 must not count as stored).
        // Servers sometimes echo the key they refused: it is cut out before it can reach a message.
        const body = redact(text, [this.options.token]);
        throw new ApiError(errorMessage(response.statusCode, statusText(response.statusCode), body), {
          status: response.statusCode,
          body,
          retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        });
      }
      return { status: response.statusCode, headers: response.headers, data: parseJson(text) as T };
    } catch (error) {
      throw translate(error, `${spec.method} ${redactUrl(this.baseUrl)}${spec.path}`);
    } finally {
      await source?.release?.();
    }
  }
}

function joinPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

async function readText(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_RESPONSE_BYTES) {
      body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Maps undici's errors onto ours; our own errors pass through. */
function translate(error: unknown, what: string): unknown {
  if (error instanceof ApiError || error instanceof NetworkError || error instanceof TimeoutError) return error;
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new TimeoutError(`${what}: no connection in time (${error.message})`, error, error.code);
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new TimeoutError(`${what}: no answer in time (${(error as Error).message})`, error);
  }
  const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  const detail = code ?? (error as Error).message ?? String(error);
  return new NetworkError(`${what}: ${detail}`, error, code !== undefined && neverConnected(code) ? code : undefined);
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? '';
}
