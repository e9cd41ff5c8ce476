import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalStore } from '../backend/store/index.js';
import { HttpProblem, sendJson, tokenIndex, type Exchange } from './http.js';
import { getSession, listSessions, putSession } from './routes/agent-traces.js';
import { crossSessionBatch, sessionBatch, startSession } from './routes/events.js';
import { metadataProblem, saveMetadata } from './routes/metadata.js';
import { patchSession } from './routes/patch.js';

/** Test seams: misbehaviour on purpose. */
export interface ServerFaults {
  /** For a batch of n new events, store only the number returned and answer 500. */
  partialBatch?: (n: number) => number | undefined;
}

export interface ServeOptions {
  dataDir: string;
  /** Accepted bearer tokens; `null` = no authentication (loopback only, checked by the command). */
  tokens: string[] | null;
  /** Largest session upload accepted (413 above it). */
  maxBytes: number;
  /** One line per request; never contains a token. */
  log?: (line: string) => void;
  faults?: ServerFaults;
}

type Handler = (ex: Exchange, user: { id: string; email: string | null }) => Promise<void>;

/** `traces serve`: every route of DESIGN §2 over the embedded store. */
export class TracesServer {
  readonly store: LocalStore;
  private readonly server: Server;
  private readonly routes: [string, RegExp, Handler][];

  constructor(private readonly options: ServeOptions) {
    this.store = new LocalStore(options.dataDir);
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
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = 0; // large uploads may take long; idle sockets still time out
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes what is left. */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  /** The request handler, for embedding the routes in another server (the test recorder). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const ex: Exchange = { req, res, params: [], bytesIn: 0 };
    res.on('finish', () =>
      this.options.log?.(`${req.method} ${path} ${res.statusCode} ${ex.bytesIn}B ${Math.round(performance.now() - started)}ms`),
    );
    try {
      const user = this.authenticate(req);
      const route = this.route(req.method ?? 'GET', path, ex);
      await route(ex, user);
    } catch (error) {
      this.fail(ex, error);
    }
  }

  private authenticate(req: IncomingMessage): { id: string; email: string | null } {
    if (this.options.tokens === null) return { id: 'anonymous', email: null };
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
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpProblem) {
      // An error answered before the body was read: do not keep a half-read connection alive.
      if (!req.complete) res.shouldKeepAlive = false;
      sendJson(res, error.status, error.body, error.contentType);
      return;
    }
    if (error instanceof URIError) {
      sendJson(res, 400, { detail: 'malformed percent-encoding in the path' });
      return;
    }
    this.options.log?.(`error: ${error instanceof Error ? error.message : String(error)}`);
    sendJson(res, 500, { detail: 'internal error' });
  }
}
