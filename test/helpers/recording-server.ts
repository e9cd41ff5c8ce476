import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TraceStore } from '../../src/backend/store/trace-store.js';
import { TracesServer, type ServerFaults } from '../../src/server/server.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** The bytes `store` holds for a session (a folder's or a bucket's), or undefined when it has none. */
export async function storedBody(store: TraceStore, sessionId: string): Promise<Buffer | undefined> {
  const found = await store.sessions.openBody(sessionId);
  if (!found) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of found.stream()) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** What the next request meets instead of the normal answer. */
export type Fault = (
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' } // the connection is destroyed before the body is read
  | { kind: 'lost' } // the body is read and stored, then the connection dies with no answer
) & { /** Only a request to this path meets the fault (default: the next request, whatever its path). */ path?: string };

/**
 * The suite's backend: `traces serve`'s own routes and store (in-process, port 0), behind a
 * recorder that notes every request and can inject faults before the real handler runs.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  readonly token = 'test-token-abcdef';
  private readonly faults: Fault[] = [];
  private server!: Server;
  readonly traces: TracesServer;

  /** `served` is the folder store's folder, or a store (a bucket store from test/helpers/stores.ts). */
  constructor(
    served: string | TraceStore,
    options: {
      faults?: ServerFaults;
      maxBytes?: number;
      auth?: boolean;
      log?: (line: string) => void;
      webDir?: string;
      viewRefreshMs?: number;
      stateDir?: string;
    } = {},
  ) {
    this.traces = new TracesServer({
      ...(typeof served === 'string' ? { dataDir: served } : { store: served }),
      tokens: options.auth === false ? null : [this.token],
      maxBytes: options.maxBytes ?? 1024 ** 3,
      faults: options.faults,
      log: options.log,
      webDir: options.webDir,
      viewRefreshMs: options.viewRefreshMs,
      stateDir: options.stateDir,
    });
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  fail(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  puts(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'PUT');
  }

  /** The bytes the store holds for a session, read back from the store. */
  body(sessionId: string): Promise<Buffer | undefined> {
    return storedBody(this.traces.store, sessionId);
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return; // stopped already, by a test that restarts it
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.traces.close(); // what the routes keep (the read API's cache of bucket bodies)
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const at = this.faults.findIndex((f) => f.path === undefined || f.path === req.url);
    const fault = at >= 0 ? this.faults.splice(at, 1)[0] : undefined;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? '');
      });
      return;
    }
    if (fault?.kind === 'lost') {
      // Let the store take the body, then cut the line instead of answering.
      res.writeHead = () => {
        req.socket.destroy();
        return res;
      };
      res.end = (() => res) as typeof res.end;
    }
    void this.traces.handle(req, res);
  }
}
