import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { HttpProblem, type Exchange } from '../http.js';

/**
 * The web view: one HTML shell for every page of it (the list, `/s/<id>`, any query or fragment),
 * which loads the client bundle from `/assets/`. The client reads everything else from the read
 * API, so the shell needs no credentials: it shows the sign-in form when the API answers 401.
 */

/** Headers of every answer of the server: no inline script, no framing, no sniffing, no referrer. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

/**
 * Where the built client is: `dist/web/` beside the bundled server (dist/*.js), or, when the
 * server runs from its sources (the tests), the repository's `dist/web/`.
 */
export function defaultWebDir(): string {
  const candidates = [new URL('./web/', import.meta.url), new URL('../../../dist/web/', import.meta.url)];
  const found = candidates.find((url) => existsSync(url));
  return fileURLToPath(found ?? candidates[0]!);
}

/**
 * The shell: links the bundle and says, in plain HTML, when there is no bundle to link. Its icon
 * is an empty data: URL, so the browser asks for no /favicon.ico (a 404 in every page's console).
 */
export function shellHtml(webDir: string): string {
  const built = existsSync(join(webDir, 'app.js'));
  const missing = built
    ? ''
    : `\n<p>The web view is not built here: run <code>npm run build</code> (it writes <code>dist/web/</code>), then reload.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>traces</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<noscript>The traces web view needs JavaScript.</noscript>
<div id="app"></div>${missing}
</body>
</html>
`;
}

/** GET / and GET /s/...: the shell (never cached, so a new build is picked up on reload). */
export async function sendShell(ex: Exchange, webDir: string): Promise<void> {
  const html = shellHtml(webDir);
  ex.res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-cache',
  });
  ex.res.end(html);
}

/** A segment of an asset path: a name, never `.`, `..` or hidden. */
const ASSET_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** GET /assets/{path}: a file below the web folder, and nothing outside it. */
export async function sendAsset(ex: Exchange, webDir: string): Promise<void> {
  const notFound = new HttpProblem(404, { detail: 'no such asset' });
  const segments = ex.params[0]!.split('/').map((s) => decodeURIComponent(s));
  if (!segments.every((s) => ASSET_SEGMENT.test(s))) throw notFound;
  const root = resolve(webDir);
  const path = resolve(root, ...segments);
  if (!path.startsWith(root + sep)) throw notFound;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw notFound;
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notFound;
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    // Revalidated on every load, so a rebuilt client is never mixed with a stale cached one.
    const headers = { etag, 'cache-control': 'no-cache' };
    if (ex.req.headers['if-none-match'] === etag) {
      ex.res.writeHead(304, headers);
      ex.res.end();
      return;
    }
    const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    ex.res.writeHead(200, { ...headers, 'content-type': type, 'content-length': stat.size });
    await pipeline(handle.createReadStream({ autoClose: false }), ex.res);
  } finally {
    await handle.close();
  }
}
