import { connect, type Socket } from 'node:net';

/** A hand-driven client connection: what it received, and events for "answered 100", "closed". */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the server sent `100 Continue`, i.e. accepted the connection and read the headers. */
  continued: Promise<void>;
  /** Resolves when the connection is closed (by either side, or reset). */
  closed: Promise<void>;
  /** Writes one byte every `everyMs` until stopped, so that the body never goes quiet. */
  trickle(everyMs: number, byte?: string): () => void;
}

/** Connects to `url` and writes `head` (and whatever body prefix it carries) once connected. */
export function rawConnection(url: string, head: string): RawConnection {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname, () => socket.write(head));
  let received = '';
  let onContinue!: () => void;
  const continued = new Promise<void>((resolve) => (onContinue = resolve));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('data', (c: Buffer) => {
    received += c.toString('utf8');
    if (received.startsWith('HTTP/1.1 100 ')) onContinue();
  });
  socket.on('error', () => undefined); // a reset is one of the outcomes under test
  const trickle = (everyMs: number, byte = ' ') => {
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(byte);
    }, everyMs);
    return () => clearInterval(timer);
  };
  return { socket, text: () => received, continued, closed, trickle };
}

/** The headers of a request whose body is announced as `length` bytes, asking for `100 Continue`. */
export function headOf(method: string, path: string, length: number, extra: Record<string, string> = {}): string {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Content-Length: ${length}`,
    'Expect: 100-continue',
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Resolves with `promise`, or rejects naming `what` if it has not settled within `ms` (a hang, not a speed check). */
export function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting for ${what}`)), ms)));
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
