import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeHeaderValue } from '../backend/header-value.js';
import { PassThrough, type Readable } from 'node:stream';

/** What a handler gets: the request, the response, the route's captures, and a byte counter for the log. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  /** Request body bytes read, for the access log. */
  bytesIn: number;
  /** How long the body may go without a byte before it is given up (408). */
  bodyTimeoutMs: number;
}

/** The client stopped sending the request body: nothing arrived for `ms`. */
export class BodyTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no data for ${ms} ms: the request body timed out`);
  }
}

/**
 * The request body, failing with BodyTimeoutError when the client sends nothing for
 * `ex.bodyTimeoutMs`. The body is not a pipeline with the request: on a timeout the request stays
 * open, so that the 408 can still be written to its connection (which is then closed).
 */
export function requestBody(ex: Exchange): Readable {
  const { req } = ex;
  const body = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => body.destroy(new BodyTimeoutError(ex.bodyTimeoutMs)), ex.bodyTimeoutMs);
  };
  const disarm = () => clearTimeout(timer);
  req.on('data', arm);
  req.once('end', disarm);
  req.once('error', (error) => body.destroy(error));
  req.once('close', () => {
    if (!req.complete) body.destroy(new Error('the client closed the connection before the end of the body'));
  });
  body.once('close', () => {
    disarm();
    req.off('data', arm);
  });
  req.pipe(body);
  arm();
  return body;
}

/** Errors of the machine, not of the request (the client may try again later): answered 503 and 507. */
export const OUT_OF_DESCRIPTORS = new Set(['EMFILE', 'ENFILE']);
export const OUT_OF_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** An error the server answers as the machine's own trouble (503, 507), whatever the route. */
export function isMachineError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  return OUT_OF_DESCRIPTORS.has(code) || OUT_OF_SPACE.has(code);
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType = 'application/json',
  ) {
    super(`HTTP ${status}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers without reading the request body and closes the connection after the answer. */
export function refuseBody(res: ServerResponse, status: number, body: unknown): void {
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
  sendJson(res, status, body);
}

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** Reads a JSON request body (at most 16 MiB). Throws HttpProblem with the route's envelope on bad input. */
export async function readJsonBody(ex: Exchange, problem: (status: number, message: string) => HttpProblem): Promise<unknown> {
  const text = await readBodyText(ex, problem);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw problem(400, 'body is not valid JSON');
  }
}

/** Reads a request body as UTF-8 text (at most 16 MiB). Throws HttpProblem with the route's envelope when too long or too slow. */
export async function readBodyText(ex: Exchange, problem: (status: number, message: string) => HttpProblem): Promise<string> {
  const declared = Number(ex.req.headers['content-length'] ?? Number.NaN);
  if (declared > MAX_JSON_BODY) throw problem(413, `body of ${declared} bytes is over the limit of ${MAX_JSON_BODY}`);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of requestBody(ex) as AsyncIterable<Buffer>) {
      ex.bytesIn += chunk.length;
      if (ex.bytesIn > MAX_JSON_BODY) throw problem(413, `body is over the limit of ${MAX_JSON_BODY} bytes`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof BodyTimeoutError) throw problem(408, error.message);
    throw error;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Constant-time check of `Authorization: Bearer <token>` against the accepted tokens. */
export function tokenIndex(req: IncomingMessage, tokens: string[]): number {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match ? indexOfToken(match[1]!, tokens) : -1;
}

/** The index of `given` among the accepted tokens (-1 when none), compared in constant time. */
export function indexOfToken(given: string, tokens: string[]): number {
  const bytes = Buffer.from(given);
  return tokens.findIndex((token) => {
    const want = Buffer.from(token);
    return want.length === bytes.length && timingSafeEqual(want, bytes);
  });
}

/** A header's string, decoded from the one encoding clients use for values HTTP cannot carry as they are. */
export function headerText(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === '') return undefined;
  return decodeHeaderValue(raw);
}
