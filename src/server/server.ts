import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULTS } from '../util/defaults.js';
import { LocalStore } from '../backend/store/index.js';
import type { TraceStore } from '../backend/store/trace-store.js';
import { ApiError, describeError } from '../errors.js';
import { formatBytes } from '../util/bytes.js';
import { Auth, type User } from './auth.js';
import { BodyTimeoutError, HttpProblem, sendJson, type Exchange, OUT_OF_DESCRIPTORS, OUT_OF_SPACE } from './http.js';
import { getSession, listSessions, putSession } from './routes/agent-traces.js';
import { crossSessionBatch, sessionBatch, startSession, type ServerFaults } from './routes/events.js';
import { saveMetadata } from './routes/metadata.js';
import { patchSession } from './routes/patch.js';
import { signIn, signOut } from './routes/sign-in.js';
import { eventsView, listView, sessionView } from './routes/view.js';
import { defaultWebDir, SECURITY_HEADERS, sendAsset, sendShell } from './routes/web.js';
import { SummaryIndex } from './view/summaries.js';
import { SummaryCache } from './view/summary-cache.js';
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
  /** The built web client (app.js, app.css). @default dist/web/ of this installation */
  webDir?: string;
  /** The read API lists the store again at most this often, unless a change came through this server. @default 10 s */
  viewRefreshMs?: number;
  /** The state folder: the list's figures are kept there between runs (a file per store). None: read every file again at each start. */
  stateDir?: string;
}

type Handler = (ex: Exchange, user: User) => Promise<void>;

/** A route: method, path, handler, and whether it is served without credentials (the page, its assets, sign-in). */
type Route = [string, RegExp, Handler, 'public'?];

/**
 * `traces serve`: every route of the four wire contracts (see docs/ARCHITECTURE.md) over the
 * embedded store, the read API of the web view, and the web view itself.
 */
export class TracesServer {
  readonly store: TraceStore;
  private readonly server: Server;
  private readonly routes: Route[];
  private readonly auth: Auth;
  private readonly view: SummaryIndex;
  /** Responses not finished yet: told to close their connection once the server is closing. */
  private readonly inFlight = new Set<ServerResponse>();
  private closing = false;
  private readonly bodyTimeoutMs: number;

  constructor(private readonly options: ServeOptions) {
    if (!options.store && options.dataDir === undefined) throw new Error('TracesServer needs a dataDir or a store');
    this.store = options.store ?? new LocalStore(options.dataDir!);
    const store = this.store;
    const faults = options.faults ?? {};
    const auth = (this.auth = new Auth(options.tokens));
    const view = (this.view = new SummaryIndex(store, {
      refreshMs: options.viewRefreshMs ?? 10_000,
      readers: 4,
      log: options.log,
      cache: options.stateDir === undefined ? undefined : new SummaryCache(options.stateDir, store.location),
    }));
    const webDir = options.webDir ?? defaultWebDir();
    const seg = '([^/]+)';
    // What a PUT or PATCH changed is in the very next answer of the read API.
    const changing =
      (handler: Handler): Handler =>
      (ex, user) =>
        handler(ex, user).finally(() => view.changed());
    this.routes = [
      ['PUT', new RegExp(`^/api/v1/agent-traces/sessions/${seg}$`), changing((ex) => putSession(ex, store, options.maxBytes))],
      ['GET', new RegExp(`^/api/v1/agent-traces/sessions/${seg}$`), (ex) => getSession(ex, store)],
      ['GET', /^\/api\/v1\/agent-traces\/sessions\/?$/, (ex) => listSessions(ex, store)],
      ['POST', new RegExp(`^/api/v1/org/${seg}/ws/${seg}/sessions$`), (ex, user) => saveMetadata(ex, store, user)],
      ['PATCH', new RegExp(`^/v1/sessions/${seg}$`), changing((ex) => patchSession(ex, store))],
      ['POST', /^\/v1\/sessions\/?$/, (ex) => startSession(ex, store)],
      ['POST', new RegExp(`^/v1/sessions/${seg}/events/batch$`), (ex) => sessionBatch(ex, store, faults)],
      ['POST', /^\/v1\/events\/batch$/, (ex) => crossSessionBatch(ex, store)],
      ['GET', /^\/api\/v1\/user\/whoami$/, async (ex, user) => sendJson(ex.res, 200, { ...user, name: 'traces serve' })],
      ['GET', /^\/api\/v1\/view\/sessions\/?$/, (ex) => listView(ex, view)],
      ['GET', new RegExp(`^/api/v1/view/sessions/${seg}$`), (ex) => sessionView(ex, view)],
      ['GET', new RegExp(`^/api/v1/view/sessions/${seg}/events$`), (ex) => eventsView(ex, store)],
      ['GET', new RegExp(`^/api/v1/view/sessions/${seg}/raw$`), (ex) => getSession(ex, store)],
      ['POST', /^\/api\/v1\/view\/sign-in$/, (ex) => signIn(ex, auth), 'public'],
      ['POST', /^\/api\/v1\/view\/sign-out$/, (ex) => signOut(ex, auth), 'public'],
      ['GET', /^\/(?:s\/[^/]+\/?)?$/, (ex) => sendShell(ex, webDir), 'public'],
      ['GET', /^\/assets\/(.+)$/, (ex) => sendAsset(ex, webDir), 'public'],
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
    this.warmView();
    return this.url;
  }

  /** Starts building the read API's list now, so the first request does not wait for all of it (called by listen). */
  warmView(): void {
    this.view.warm();
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
    await this.view.close();
  }

  /** The request handler, for embedding the routes in another server (the test recorder). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const ex: Exchange = { req, res, params: [], bytesIn: 0, bodyTimeoutMs: this.bodyTimeoutMs };
    if (this.closing) res.shouldKeepAlive = false;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    this.inFlight.add(res);
    const bytesOut = countBodyBytes(res);
    res.on('close', () => {
      this.inFlight.delete(res);
      const outcome = res.writableFinished ? String(res.statusCode) : 'closed by the client';
      const sizes = `in ${formatBytes(ex.bytesIn)} out ${formatBytes(bytesOut())}`;
      this.options.log?.(`${req.method} ${path} ${outcome} ${sizes} ${Math.round(performance.now() - started)}ms`);
    });
    try {
      const route = this.route(req.method ?? 'GET', path);
      // Credentials are checked before a missing route is told apart from a forbidden method.
      const user = route?.[3] === 'public' ? this.auth.visitor(req) : this.auth.authenticate(req);
      if (!route || route[0] !== req.method) throw this.noRoute(req.method ?? 'GET', path, route);
      ex.params = route[1].exec(path)!.slice(1);
      await route[2](ex, user);
    } catch (error) {
      this.fail(ex, error);
    }
  }

  /** The route for `method` on `path`; else one of another method on it; else undefined. */
  private route(method: string, path: string): Route | undefined {
    let other: Route | undefined;
    for (const route of this.routes) {
      if (!route[1].test(path)) continue;
      if (route[0] === method) return route;
      other ??= route;
    }
    return other;
  }

  private noRoute(method: string, path: string, other: Route | undefined): HttpProblem {
    if (other) return new HttpProblem(405, { detail: `${method} is not allowed on ${path}` });
    return new HttpProblem(404, { detail: `no route for ${method} ${path}` });
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
