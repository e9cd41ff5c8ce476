import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One request as it came over the wire: the request target and every header value's exact bytes. */
export interface RawRequest {
  method: string;
  target: string;
  headers: Map<string, Buffer>;
  body: Buffer;
}

/**
 * An HTTP/1.1 server on port 0 that keeps the bytes of each request head, before any parser
 * trims or decodes them, and answers every request 200 with an agent-traces style body.
 */
export class RawServer {
  readonly requests: RawRequest[] = [];
  private server!: Server;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<string> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The value bytes of header `name` in request `i`. */
  header(i: number, name: string): Buffer | undefined {
    return this.requests[i]?.headers.get(name.toLowerCase());
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = splitLines(pending.subarray(0, end));
        const [method = '', target = ''] = lines[0]!.toString('latin1').split(' ');
        const headers = new Map<string, Buffer>();
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          // The value's bytes from after "name: " to the end of the line, trailing whitespace kept.
          let start = colon + 1;
          while (line[start] === 0x20) start++;
          headers.set(line.subarray(0, colon).toString('latin1').toLowerCase(), Buffer.from(line.subarray(start)));
        }
        const length = Number(headers.get('content-length')?.toString('latin1') ?? 0);
        if (pending.length < end + 4 + length) return;
        const body = Buffer.from(pending.subarray(end + 4, end + 4 + length));
        pending = pending.subarray(end + 4 + length);
        this.requests.push({ method, target, headers, body });
        const id = decodeURIComponent(target.split('?')[0]!.split('/').pop() ?? '');
        const answer = JSON.stringify({ session_id: id, trace_id: id, bytes_stored: length, key: `agent-traces/${id}.jsonl` });
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(answer)}\r\n\r\n${answer}`);
      }
    });
  }
}

function splitLines(head: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let from = 0;
  for (let at = head.indexOf('\r\n'); at >= 0; at = head.indexOf('\r\n', from)) {
    lines.push(head.subarray(from, at));
    from = at + 2;
  }
  lines.push(head.subarray(from));
  return lines;
}
