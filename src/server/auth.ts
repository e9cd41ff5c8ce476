import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isLoopback } from '../util/loopback.js';
import { HttpProblem, indexOfToken, tokenIndex } from './http.js';
import { metadataProblem } from './routes/metadata.js';

export interface User {
  id: string;
  email: string | null;
}

/** The cookie a browser signs in with: an opaque random id, never the token. */
export const SESSION_COOKIE = 'traces_session';
/** How long a sign-in lasts (the cookie's Max-Age, and the id's life in memory). */
const SIGN_IN_SECONDS = 7 * 24 * 60 * 60;
/** Sign-ins kept at once: the oldest goes first, so a flood of sign-ins cannot grow memory without end. */
const MAX_SIGN_INS = 10_000;

/** Methods that change nothing: a cookie alone may authenticate them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who a request is: a bearer token, or a browser's sign-in cookie standing for one. A state-changing
 * request authenticated by the cookie must also prove it comes from this server's own pages (its
 * `Sec-Fetch-Site` or `Origin`), since a browser sends the cookie on a form another site posts here.
 */
export class Auth {
  /** Sign-in ids to the index of the token they stand for, with their expiry (ms). Insertion order is age. */
  private readonly signIns = new Map<string, { index: number; expires: number }>();

  constructor(private readonly tokens: string[] | null) {}

  get enabled(): boolean {
    return this.tokens !== null;
  }

  /**
   * Who sends a request of a route that needs none (the page, its assets, sign-in): nobody in
   * particular, but with --no-auth still only on this machine's names.
   */
  visitor(req: IncomingMessage): User {
    if (this.tokens === null) checkLoopbackHost(req);
    return { id: 'anonymous', email: null };
  }

  authenticate(req: IncomingMessage): User {
    const changes = !SAFE_METHODS.has(req.method ?? 'GET');
    if (this.tokens === null) {
      checkLoopbackHost(req);
      // Nothing guards a change but where it comes from: a browser's word that another site sent it refuses it.
      if (changes) checkSameOrigin(req, false);
      return { id: 'anonymous', email: null };
    }
    if (req.headers.authorization === undefined) {
      const index = this.signedIn(req);
      if (index !== undefined) {
        if (changes) checkSameOrigin(req, true);
        return { id: `token-${index + 1}`, email: null };
      }
    }
    const index = tokenIndex(req, this.tokens);
    if (index < 0) throw unauthorized(req, req.headers.authorization ? 'invalid token' : 'missing bearer token');
    return { id: `token-${index + 1}`, email: null };
  }

  /** Whether `token` is accepted; a new sign-in id for it (the cookie's value) and who it is, when it is. */
  signIn(token: string): { id: string; user: string } | undefined {
    if (this.tokens === null) return undefined;
    const index = indexOfToken(token, this.tokens);
    if (index < 0) return undefined;
    const id = randomBytes(32).toString('base64url');
    this.signIns.set(id, { index, expires: Date.now() + SIGN_IN_SECONDS * 1000 });
    while (this.signIns.size > MAX_SIGN_INS) this.signIns.delete(this.signIns.keys().next().value!);
    return { id, user: `token-${index + 1}` };
  }

  /** Forgets the sign-in the request's cookie names (nothing when it names none). */
  signOut(req: IncomingMessage): void {
    const id = cookieOf(req, SESSION_COOKIE);
    if (id !== undefined) this.signIns.delete(id);
  }

  private signedIn(req: IncomingMessage): number | undefined {
    const id = cookieOf(req, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const found = this.signIns.get(id);
    if (!found) return undefined;
    if (found.expires <= Date.now()) {
      this.signIns.delete(id);
      return undefined;
    }
    return found.index;
  }
}

/** The Set-Cookie value of a sign-in (`id`), or of a sign-out (no id: the cookie is cleared). */
export function sessionCookie(req: IncomingMessage, id: string | undefined): string {
  const value = id === undefined ? `${SESSION_COOKIE}=; Max-Age=0` : `${SESSION_COOKIE}=${id}; Max-Age=${SIGN_IN_SECONDS}`;
  return `${value}; Path=/; HttpOnly; SameSite=Strict${overTls(req) ? '; Secure' : ''}`;
}

/** Whether the browser reached us over TLS: directly, or through a proxy that says so. */
function overTls(req: IncomingMessage): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https';
}

/** A cookie's value in the request's Cookie header, undefined when it has none. */
function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Refuses a request that a page of another site made a browser send: by the browser's own
 * `Sec-Fetch-Site` when it sends one, else by an `Origin` that must be this server (the Host the
 * request was sent to). With `required`, a request with neither is refused too (it cannot be told
 * apart from a forged one); without, it is taken as no browser's (the command line's).
 */
export function checkSameOrigin(req: IncomingMessage, required: boolean): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site === 'same-origin' || (!required && site === 'none')) return;
    throw new HttpProblem(403, { detail: `a request from another site (Sec-Fetch-Site: ${site}) is refused` });
  }
  const origin = req.headers.origin;
  if (origin === undefined) {
    if (!required) return;
    throw new HttpProblem(403, { detail: 'a signed-in request that changes something must come from this server (send Origin)' });
  }
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== req.headers.host?.toLowerCase()) {
    throw new HttpProblem(403, { detail: 'a request from another origin is refused' });
  }
}

/** The 401 in the envelope of the contract the path belongs to. */
function unauthorized(req: IncomingMessage, message: string): HttpProblem {
  const status = 401;
  const path = req.url ?? '';
  if (path.startsWith('/api/v1/org/')) return metadataProblem(status, message, [], 'unauthorized');
  if (path.startsWith('/v1/sessions/') && req.method === 'PATCH') {
    return new HttpProblem(status, { type: 'about:blank', title: 'Unauthorized', status, detail: message }, 'application/problem+json');
  }
  return new HttpProblem(status, path.startsWith('/v1/') ? { error: { message } } : { detail: message });
}

/**
 * No token guards a server on loopback, so a page a browser was tricked into sending here (a DNS
 * name rebound to 127.0.0.1) must not read the sessions: only this machine's names are served.
 */
function checkLoopbackHost(req: IncomingMessage): void {
  const host = hostOf(req.headers.host);
  if (host !== undefined && !isLoopback(host)) {
    throw new HttpProblem(403, {
      detail: `requests for host "${host}" are refused: with --no-auth only localhost, 127.0.0.0/8 and ::1 are served`,
    });
  }
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
