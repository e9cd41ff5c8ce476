import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, type Answer } from '../helpers/http.js';
import { useServed } from '../helpers/served.js';
import { folderStore } from '../helpers/stores.js';

/**
 * The web view's page, its assets and sign-in in `traces serve`: what a browser gets without
 * credentials, the headers that keep session content from running as script, and the cookie a
 * sign-in sets (with the CSRF check on what it authenticates).
 */

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// A built client of our own, with a secret beside (not below) it that no asset path may reach.
const root = mkdtempSync(join(tmpdir(), 'traces-web-'));
const webDir = join(root, 'web');
mkdirSync(join(webDir, 'chunks'), { recursive: true });
writeFileSync(join(webDir, 'app.js'), 'console.log("app");\n');
writeFileSync(join(webDir, 'app.css'), 'body { margin: 0 }\n');
writeFileSync(join(webDir, 'chunks', 'part.js'), 'export const part = 1;\n');
writeFileSync(join(root, 'secret.txt'), 'SECRET-BESIDE-THE-WEB-FOLDER');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectSecurityHeaders(answer: Answer): void {
  expect(answer.headers.get('content-security-policy')).toBe(CSP);
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
}

/** The cookie's `name=value` from a Set-Cookie header. */
const cookieOf = (answer: Answer) => answer.headers.get('set-cookie')!.split(';')[0]!;

const signIn = (url: string, token: string, headers: Record<string, string> = {}) =>
  call(`${url}/api/v1/view/sign-in`, { method: 'POST', json: { token }, headers });

describe('traces serve: the web page and its assets', () => {
  const served = useServed(folderStore, { webDir });

  it('serves the same shell, without credentials, at / and at every deep link', async () => {
    const pages = ['/', '/?q=refactor&agent=codex', '/s/abc-123', '/s/abc-123/'];
    const answers = await Promise.all(pages.map((page) => call(`${served.url}${page}`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expectSecurityHeaders(answer);
      expect(answer.text).toBe(answers[0]!.text);
    }
    const html = answers[0]!.text;
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/assets/app.css">');
    // No inline script: the policy would refuse it, and the page needs none.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('npm run build');
    // The client renders its own <main>: the root it mounts in is not one (no main inside a main).
    expect(html).toContain('<div id="app"></div>');
    expect(html).not.toContain('<main');
  });

  it('serves the assets with their content types and the security headers, and revalidates them', async () => {
    const js = await call(`${served.url}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.text).toBe('console.log("app");\n');
    expectSecurityHeaders(js);
    const css = await call(`${served.url}/assets/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expectSecurityHeaders(css);
    const chunk = await call(`${served.url}/assets/chunks/part.js`);
    expect(chunk.text).toBe('export const part = 1;\n');
    const again = await call(`${served.url}/assets/app.js`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for a missing asset and for every path that leaves the web folder', async () => {
    const paths = [
      '/assets/missing.js',
      '/assets/chunks',
      '/assets/../secret.txt',
      '/assets/chunks/../../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/%2E%2E%2Fsecret.txt',
      '/assets/..%5Csecret.txt',
      '/assets/.hidden',
      `/assets/${encodeURIComponent(join(root, 'secret.txt'))}`,
    ];
    for (const path of paths) {
      const answer = await call(`${served.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.text).not.toContain('SECRET');
      expectSecurityHeaders(answer);
    }
  });

  it('says how to build the client when the web folder has none', async () => {
    await served.server.stop();
    const { RecordingServer } = await import('../helpers/recording-server.js');
    const bare = new RecordingServer(served.place.store, { webDir: join(root, 'nothing-built') });
    try {
      const page = await call(`${await bare.start()}/`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('npm run build');
      expect((await call(`${bare.url}/assets/app.js`)).status).toBe(404);
    } finally {
      await bare.stop();
    }
  });
});

describe('traces serve: sign-in with a token', () => {
  const log: string[] = [];
  const served = useServed(folderStore, { webDir, log: (line) => log.push(line) });
  const token = () => served.server.token;
  const list = (headers: Record<string, string> = {}) => call(`${served.url}/api/v1/view/sessions`, { headers });

  it('answers 401 on every read route without credentials, and with a wrong token', async () => {
    for (const path of ['/sessions', '/sessions/s1', '/sessions/s1/events', '/sessions/s1/raw']) {
      const answer = await call(`${served.url}/api/v1/view${path}`);
      expect(answer.status, path).toBe(401);
      expect(answer.json()).toEqual({ detail: 'missing bearer token' });
      expectSecurityHeaders(answer);
    }
    expect((await call(`${served.url}/api/v1/view/sessions`, { token: 'wrong' })).status).toBe(401);
    // A token is never taken from the URL.
    expect((await call(`${served.url}/api/v1/view/sessions?token=${token()}`)).status).toBe(401);
  });

  it('sets an opaque HttpOnly, SameSite=Strict cookie that authenticates the read routes', async () => {
    const answer = await signIn(served.url, token());
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ user: 'token-1' });
    const header = answer.headers.get('set-cookie')!;
    expect(header).toMatch(/^traces_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(header).not.toContain(token());
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const cookie = cookieOf(answer);
    expect((await list({ cookie })).status).toBe(200);
    expect((await call(`${served.url}/api/v1/user/whoami`, { headers: { cookie } })).json()).toMatchObject({ id: 'token-1' });
    // A cookie nobody signed in with is no one's.
    expect((await list({ cookie: 'traces_session=forged' })).status).toBe(401);
    // Each sign-in gets its own value.
    expect(cookieOf(await signIn(served.url, token()))).not.toBe(cookie);
  });

  it('marks the cookie Secure when the browser came over TLS (a proxy says so)', async () => {
    const answer = await signIn(served.url, token(), { 'x-forwarded-proto': 'https' });
    expect(answer.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('takes the token from a form post too, and sends the browser back to the page', async () => {
    const answer = await call(`${served.url}/api/v1/view/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ token: token() }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: served.url },
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/');
    expect((await list({ cookie: cookieOf(answer) })).status).toBe(200);
  });

  it('refuses a wrong or missing token, and a sign-in another site makes the browser send', async () => {
    const wrong = await signIn(served.url, 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toEqual({ detail: 'invalid token' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const missing = await call(`${served.url}/api/v1/view/sign-in`, { method: 'POST', json: {} });
    expect(missing.status).toBe(400);
    const crossSite = await signIn(served.url, token(), { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
    const otherOrigin = await signIn(served.url, token(), { origin: 'https://evil.example' });
    expect(otherOrigin.status).toBe(403);
  });

  it('lets a cookie change something only with a same-origin proof (CSRF)', async () => {
    const cookie = cookieOf(await signIn(served.url, token()));
    const patch = (headers: Record<string, string>) =>
      call(`${served.url}/v1/sessions/session_${'a'.repeat(32)}`, {
        method: 'PATCH',
        json: { title: 'x' },
        headers: { cookie, ...headers },
      });
    const host = new URL(served.url).host;
    const forged: Record<string, string>[] = [
      {},
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of forged) {
      const refused = await patch(headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
    }
    // Authenticated and from this server's own page: the patch contract answers (no such session here).
    expect((await patch({ origin: `http://${host}` })).status).toBe(404);
    expect((await patch({ 'sec-fetch-site': 'same-origin' })).status).toBe(404);
    // A bearer token is no ambient credential: it needs no proof.
    const bearer = await call(`${served.url}/v1/sessions/session_${'a'.repeat(32)}`, {
      method: 'PATCH',
      json: { title: 'x' },
      token: token(),
    });
    expect(bearer.status).toBe(404);
  });

  it('signs out: the cookie is cleared and its value no longer accepted', async () => {
    const cookie = cookieOf(await signIn(served.url, token()));
    const out = await call(`${served.url}/api/v1/view/sign-out`, { method: 'POST', headers: { cookie, origin: served.url } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toBe('traces_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict');
    expect((await list({ cookie })).status).toBe(401);
  });

  it('never writes the token in an answer or a log line', async () => {
    log.length = 0;
    const answers = [
      await signIn(served.url, token()),
      await signIn(served.url, `${token()}x`),
      await call(`${served.url}/api/v1/view/sessions?token=${token()}`),
      await call(`${served.url}/api/v1/view/sessions`, { token: token() }),
      await call(`${served.url}/`),
    ];
    const cookie = cookieOf(answers[0]!);
    answers.push(await list({ cookie }));
    for (const answer of answers) {
      expect(answer.text).not.toContain(token());
      answer.headers.forEach((value) => expect(value).not.toContain(token()));
    }
    expect(log.length).toBeGreaterThanOrEqual(answers.length);
    for (const line of log) expect(line).not.toContain(token());
  });
});

describe('traces serve --no-auth: the web view on loopback', () => {
  const served = useServed(folderStore, { webDir, auth: false });

  it('serves the page and the read API without sign-in; a sign-in sets no cookie', async () => {
    expect((await call(`${served.url}/`)).status).toBe(200);
    expect((await call(`${served.url}/api/v1/view/sessions`)).status).toBe(200);
    const answer = await signIn(served.url, 'anything');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ user: 'anonymous' });
    expect(answer.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a change a browser says another site sent, and a host that is not this machine', async () => {
    const id = `session_${'b'.repeat(32)}`;
    const patch = (headers: Record<string, string>) =>
      call(`${served.url}/v1/sessions/${id}`, { method: 'PATCH', json: { title: 'x' }, headers });
    expect((await patch({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await patch({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // The command line sends neither header: the patch contract answers.
    expect((await patch({})).status).toBe(404);
    expect((await call(`${served.url}/`, { headers: { host: 'rebound.example' } })).status).toBe(403);
  });
});
