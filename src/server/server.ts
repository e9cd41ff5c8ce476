import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULTS } from '../util/defaults.js';
import { isLoopback } from '../util/loopback.js';
import { LocalStore } from '../backend/store/index.js';
import type { TraceStore } from '../backend/store/trace-store.js';
import { ApiError, describeError } from '../errors.js';
import { formatBytes } from '../util/bytes.js';
import { BodyTimeoutError, HttpProblem, sendJson, tokenIndex, type Exchange, OUT_OF_DESCRIPTORS, OUT_OF_SPACE } from './http.js';
import { getSession, listSessions, putSession } from './routes/agent-traces.js';
import { crossSessionBatch, sessionBatch, startSession, type ServerFaults } from './routes/events.js';
import { metadataProblem, saveMetadata } from './routes/metadata.js';
import { patchSession } from './routes/patch.js';
import { plural } from '../util/plural.js';

export type { ServerFaults };

export interface ServeOptions {
  /** The folder store to serve, unless `store` is given. */
  dataDir?: string;
  /** The store to serve (a bucket store, say); else the folder store in `dataDir`. */
  store?: TraceStore;
  /** Accepted bearer tokens; `null` = no authentication (loopback only, checked by the command). */
  tokens: string[] | null;
  /** Largest session upload accepted (413 above it). */
  maxBytes: number;
  /** A request body that sends nothing for this long is answered 408 and its connection closed; also the limit for the headers. @default DEFAULTS.bodyTimeout */
  bodyTimeoutMs?: number;
  /** Connections served at once; more are closed as soon as they are accepted. @default DEFAULTS.maxConnections */
  maxConnections?: number;
  /** One line per request; never contains a token. */
  log?: (line: string) => void;
  faults?: ServerFaults;
}

type Handler = (ex: Exchange, user: { id: string; email: string | null }) => Promise<void>;

/** `traces serve`: every route of the four wire contracts (see docs/ARCHITECTURE.md) over the embedded store. */
export class TracesServer {
  readonly store: TraceStore;
  private readonly server: Server;
  private readonly routes: [string, RegExp, Handler][];
  /** Responses not finished yet: told to close their connection once the server is closing. */
  private readonly inFlight = new Set<ServerResponse>();
  private closing = false;
  private readonly bodyTimeoutMs: number;

  constructor(private readonly options: ServeOptions) {
    if (!options.store && options.dataDir === undefined) throw new Error('TracesServer needs a dataDir or a store');
    this.store = options.store ?? new LocalStore(options.dataDir!);
    const store = this.store;
    const faults = options.faults ?? {};
    const seg = '([^/]+)';
    this.routes = [
      ['PUT', new RegExp(`^/api/v1/agent-traces/sessions/${seg}$`), (ex) => putSession(ex, store, options.maxBytes)],
      ['GET', new RegExp(`^/api/v1/agent-traces/sessions/${seg}$`), (ex) => getSession(ex, store)],
      ['GET', /^\/api\/v1\/agent-traces\/sessions\/?$/, (ex) => listSessions(ex, store)],
      ['POST', new RegExp(`^/api/v1/org/${seg}/ws/${seg}/sessions$`), (ex, user) => saveMetadata(ex, store, user)],
      ['PATCH', new RegExp(`^/v1/sessions/${seg}$`), (ex) => patchSession(ex, store)],
      ['POST', /^\/v1\/sessions\/?$/, (ex) => startSession(ex, store)],
      ['POST', new RegExp(`^/v1/sessions/${seg}/events/batch$`), (ex) => sessionBatch(ex, store, faults)],
      ['POST', /^\/v1\/events\/batch$/, (ex) => crossSessionBatch(ex, store)],
      ['GET', /^\/api\/v1\/user\/whoami$/, async (ex, user) => sendJson(ex.res, 200, { ...user, name: 'traces serve' })],
    ];
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULTS.bodyTimeout;
    // How often Node looks for connections whose headers are late; by default only every 30 s.
    const connectionsCheckingInterval = Math.min(30_000, Math.max(50, Math.floor(this.bodyTimeoutMs / 4)));
    this.server = createServer({ connectionsCheckingInterval }, (req, res) => void this.handle(req, res));
    // A large upload may take long as a whole; what is limited is silence (the body timeout, in
    // handle), the time to send the headers, and idle keep-alive connections (Node's 5 s).
    this.server.requestTimeout = 0;
    this.server.headersTimeout = this.bodyTimeoutMs;
    this.server.maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
    const refused = rateLimited(
      options.log,
      (n) => `refused ${plural(n, 'connection')}: at --max-connections ${this.server.maxConnections}`,
    );
    this.server.on('drop', () => refused());
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    // Once listening, an error is one failed accept (out of descriptors, say): log it and go on.
    const failed = rateLimited(
      this.options.log,
      (n, error) => `error: ${plural(n, 'connection')} not accepted: ${(error as Error).message}`,
    );
    this.server.on('error', (error) => failed(error));
    return this.url;
  }

  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes what is left. */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A connection whose request is still running would otherwise be kept alive for another one
    // after its answer, holding the shutdown until the keep-alive timeout.
    this.closing = true;
    for (const res of this.inFlight) res.shouldKeepAlive = false;
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  /** The request handler, for embedding the routes in another server (the test recorder). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const ex: Exchange = { req, res, params: [], bytesIn: 0, bodyTimeoutMs: this.bodyTimeoutMs };
    if (this.closing) res.shouldKeepAlive = false;
    this.inFlight.add(res);
    const bytesOut = countBodyBytes(res);
    res.on('close', () => {
      this.inFlight.delete(res);
      const outcome = res.writableFinished ? String(res.statusCode) : 'closed by the client';
      const sizes = `in ${formatBytes(ex.bytesIn)} out ${formatBytes(bytesOut())}`;
      this.options.log?.(`${req.method} ${path} ${outcome} ${sizes} ${Math.round(performance.now() - started)}ms`);
    });
    try {
      const user = this.authenticate(req);
      const route = this.route(req.method ?? 'GET', path, ex);
      await route(ex, user);
    } catch (error) {
      this.fail(ex, error);
    }
  }

  private authenticate(req: IncomingMessage): { id: string; email: string | null } {
    if (this.options.tokens === null) {
      // No token guards a server on loopback, so a page a browser was tricked into sending here
      // (a DNS name rebound to 127.0.0.1) must not read the sessions: only this machine's names.
      const host = hostOf(req.headers.host);
      if (host !== undefined && !isLoopback(host)) {
        throw new HttpProblem(403, {
          detail: `requests for host "${host}" are refused: with --no-auth only localhost, 127.0.0.0/8 and ::1 are served`,
        });
      }
      return { id: 'anonymous', email: null };
    }
    const index = tokenIndex(req, this.options.tokens);
    if (index < 0) {
      const status = 401;
      const message = req.headers.authorization ? 'invalid token' : 'missing bearer token';
      const path = req.url ?? '';
      if (path.startsWith('/api/v1/org/')) throw metadataProblem(status, message, [], 'unauthorized');
      if (path.startsWith('/v1/sessions/') && req.method === 'PATCH') {
        throw new HttpProblem(status, { type: 'about:blank', title: 'Unauthorized', status, detail: message }, 'application/problem+json');
      }
      throw new HttpProblem(status, path.startsWith('/v1/') ? { error: { message } } : { detail: message });
    }
    return { id: `token-${index + 1}`, email: null };
  }

  private route(method: string, path: string, ex: Exchange): Handler {
    let pathMatched = false;
    for (const [m, pattern, handler] of this.routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (m !== method) continue;
      ex.params = match.slice(1);
      return handler;
    }
    if (pathMatched) throw new HttpProblem(405, { detail: `${method} is not allowed on ${path}` });
    throw new HttpProblem(404, { detail: `no route for ${method} ${path}` });
  }

  private fail(ex: Exchange, error: unknown): void {
    const { req, res } = ex;
    if (res.headersSent || req.socket.destroyed) {
      res.destroy(); // nobody to answer, or too late to
      return;
    }
    // An answer before the whole body was read: do not keep a half-read connection alive.
    if (!req.complete) res.shouldKeepAlive = false;
    if (error instanceof BodyTimeoutError) {
      sendJson(res, 408, { detail: error.message });
      return;
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
    if (OUT_OF_DESCRIPTORS.has(code)) {
      this.options.log?.(`error: ${(error as Error).message}`);
      res.setHeader('retry-after', '1');
      sendJson(res, 503, { detail: 'the server has too many open files right now; try again shortly' });
      return;
    }
    if (OUT_OF_SPACE.has(code)) {
      this.options.log?.(`error: ${(error as Error).message}`);
      sendJson(res, 507, { detail: 'the server is out of disk space' });
      return;
    }
    if (error instanceof ApiError && (error.status === 503 || error.status === 429)) {
      // The store behind the server is busy (a bucket slowing down, a key many writers contend
      // for): the client's retry after a pause is the cure.
      this.options.log?.(`error: ${error.message}`);
      res.setHeader('retry-after', '1');
      sendJson(res, 503, { detail: 'the store is busy right now; try again shortly' });
      return;
    }
    if (error instanceof HttpProblem) {
      sendJson(res, error.status, error.body, error.contentType);
      return;
    }
    if (error instanceof URIError) {
      sendJson(res, 400, { detail: 'malformed percent-encoding in the path' });
      return;
    }
    this.options.log?.(`error: ${describeError(error)}`);
    sendJson(res, 500, { detail: 'internal error' });
  }
}

/**
 * How many body bytes the routes wrote to `res` (JSON answers and streamed session files alike):
 * counted at write and end, since the socket's own count mixes in headers and earlier requests.
 */
function countBodyBytes(res: ServerResponse): () => number {
  let bytes = 0;
  const size = (chunk: unknown, encoding: unknown) =>
    typeof chunk === 'string'
      ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : chunk instanceof Uint8Array
        ? chunk.byteLength
        : 0;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    bytes += size(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (chunk !== undefined && typeof chunk !== 'function') bytes += size(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
  return () => bytes;
}

/**
 * A logger for events that may come in floods (refused connections): the first is logged at once,
 * the rest at most once a second, with their count.
 */
function rateLimited(
  log: ((line: string) => void) | undefined,
  line: (count: number, detail?: unknown) => string,
): (detail?: unknown) => void {
  let lastAt = 0;
  let unlogged = 0;
  return (detail) => {
    unlogged += 1;
    const now = Date.now();
    if (now - lastAt < 1000) return;
    lastAt = now;
    log?.(line(unlogged, detail));
    unlogged = 0;
  };
}

/** The host name of a Host header (`name:port`, `[v6]:port`), or undefined when there is none. */
function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return new URL(`http://${header}/`).hostname;
  } catch {
    return header;
  }
}
