import { request } from 'node:http';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

/**
 * A plain request with node:http, answer read whole. The path is sent exactly as given (fetch
 * would resolve `..` and `%2E%2E` segments first).
 */
export function call(
  url: string,
  init: { method?: string; token?: string; json?: unknown; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | Buffer | undefined = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const target = new URL(url);
  const path = url.slice(target.origin.length) || '/';
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, method: init.method ?? 'GET', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (typeof v === 'string') h.set(k, v);
          else for (const one of v ?? []) h.append(k, one); // set-cookie
        }
        resolve({ status: res.statusCode ?? 0, headers: h, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends raw request bytes on a socket and resolves with what comes back before the server closes
 * the connection (or `waitMs` passes). Used to check that an answer arrives before any body byte is sent.
 */
export function rawExchange(url: string, head: string, waitMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // One whole answer (headers + a JSON body with its length) is enough.
      const text = Buffer.concat(chunks).toString('utf8');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      const split = text.indexOf('\r\n\r\n');
      if (length !== undefined && split >= 0 && Buffer.byteLength(text.slice(split + 4)) >= Number(length)) finish();
    });
    socket.on('end', finish);
    socket.on('error', (e) => (chunks.length ? finish() : reject(e)));
  });
}
