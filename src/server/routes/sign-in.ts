import { checkSameOrigin, sessionCookie, type Auth } from '../auth.js';
import { HttpProblem, readBodyText, sendJson, type Exchange } from '../http.js';

const problem = (status: number, detail: string) => new HttpProblem(status, { detail });

/**
 * POST /api/v1/view/sign-in with `{token}` (JSON, or a form field): a cookie that stands for the
 * token from now on. A JSON call is answered `{user}`, a form post is sent back to the page.
 */
export async function signIn(ex: Exchange, auth: Auth): Promise<void> {
  const { req, res } = ex;
  // A page of another site must not sign the browser in to this server under its own token.
  checkSameOrigin(req, false);
  const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
  const text = await readBodyText(ex, problem);
  const token = form ? new URLSearchParams(text).get('token') : tokenOfJson(text);
  if (!token) throw problem(400, 'token is missing: send {"token": "..."}');
  if (!auth.enabled) return sendJson(res, 200, { user: 'anonymous' }); // --no-auth: nothing to sign in to
  const signedIn = auth.signIn(token.trim());
  if (signedIn === undefined) throw problem(401, 'invalid token');
  res.setHeader('set-cookie', sessionCookie(req, signedIn.id));
  res.setHeader('cache-control', 'no-store');
  if (!form) return sendJson(res, 200, { user: signedIn.user });
  res.writeHead(303, { location: '/', 'content-length': 0 });
  res.end();
}

/** POST /api/v1/view/sign-out: the sign-in is forgotten and its cookie cleared. */
export async function signOut(ex: Exchange, auth: Auth): Promise<void> {
  const { req, res } = ex;
  checkSameOrigin(req, false);
  auth.signOut(req);
  res.writeHead(204, { 'set-cookie': sessionCookie(req, undefined), 'cache-control': 'no-store' });
  res.end();
}

function tokenOfJson(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw problem(400, 'body is not valid JSON');
  }
  const token = (body as { token?: unknown } | null)?.token;
  if (token !== undefined && typeof token !== 'string') throw problem(400, 'token must be a string');
  return token;
}
