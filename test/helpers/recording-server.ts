import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  sha256: string;
}

/** What the next matching request meets instead of the normal answer. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' } // the connection is destroyed before the body is read
  | { kind: 'lost' }; // the body is read and stored, then the connection dies with no answer

/**
 * A real HTTP server on port 0 that records every request and speaks DESIGN §2.1 (PUT a session,
 * whoami); faults can be queued to test retries. Unregistered routes answer 404 loudly.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  /** Bodies stored per session id (the last PUT wins). */
  readonly stored = new Map<string, Buffer>();
  private readonly faults: Fault[] = [];
  private server!: Server;
  token: string | undefined = 'test-token-abcdef';
  /** Keep only hashes of bodies larger than this (for large uploads). */
  keepBodiesUpTo = 64 * 1024 * 1024;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
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

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = req.url?.startsWith('/api/v1/agent-traces/') ? this.faults.shift() : undefined;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      hash.update(chunk);
      length += chunk.length;
      if (length <= this.keepBodiesUpTo) chunks.push(chunk);
    }
    const body = length <= this.keepBodiesUpTo ? Buffer.concat(chunks) : Buffer.alloc(0);
    const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, sha256: hash.digest('hex') };
    this.requests.push(record);

    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      return json(res, 401, { detail: 'Invalid or missing token' });
    }
    const put = /^\/api\/v1\/agent-traces\/sessions\/([^/?]+)$/.exec(req.url ?? '');
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? '');
      return;
    }
    if (req.method === 'PUT' && put) {
      const id = decodeURIComponent(put[1]!);
      this.stored.set(id, body);
      if (fault?.kind === 'lost') {
        req.socket.destroy();
        return;
      }
      const trace = String(req.headers['x-trace-id'] ?? id);
      return json(res, 200, { session_id: id, trace_id: trace, bytes_stored: length, key: `agent-traces/${trace}/${id}.jsonl` });
    }
    if (req.method === 'GET' && req.url === '/api/v1/user/whoami') return json(res, 200, { id: 'u_1', email: 'dev@example.com' });
    json(res, 404, { detail: `no route ${req.method} ${req.url}` });
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
