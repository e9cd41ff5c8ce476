import { createHash } from 'node:crypto';
import type { ViewPage } from '../contracts/view.js';

/** The web view's bundle, as built into dist/web. */
export interface WebAssets {
  js: string;
  css: string;
}

/** Marks a page `traces view` wrote, so writing it again may replace it. */
export const PAGE_GENERATOR = '<meta name="generator" content="traces view">';

/** The page's data as the text of a JSON script element: every `<` escaped, so no `</script>` or `<!--` in a message can end it. */
export function embeddedJson(page: ViewPage): string {
  return JSON.stringify(page).replace(/</g, '\\u003c');
}

/** A CSP source naming exactly one inline block by its SHA-256. */
function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One self-contained HTML page of `page`: the client's script and stylesheet inline, the sessions
 * as JSON beside them. Its Content-Security-Policy allows that one script and that one stylesheet
 * (by hash) and nothing else: no request leaves the page, and no script a message smuggles in runs.
 */
export function viewPageHtml(page: ViewPage, assets: WebAssets): string {
  // The parser turns CR LF into LF in an element's text, and the hash is of what it reads.
  const js = assets.js.replace(/\r\n?/g, '\n');
  const css = assets.css.replace(/\r\n?/g, '\n');
  // The bundle is inlined as it is: a `</script` inside it would end the element early. esbuild
  // already writes `<\/script` in strings; what is left is a defect of the build, not of the data.
  if (/<\/script/i.test(js) || /<\/style/i.test(css)) {
    throw new Error('the web bundle holds a closing </script> or </style> and cannot be inlined');
  }
  const csp = [
    "default-src 'none'",
    `script-src ${hashSource(js)}`,
    `style-src ${hashSource(css)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const first = page.sessions[0]?.summary;
  const title = first ? (first.title ?? first.session_id) : 'no session';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    PAGE_GENERATOR,
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // eslint-disable-next-line no-control-regex
    `<title>${escapeHtml(title.replace(/[\u0000-\u001f\u007f]/g, ''))} · traces</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    `<script type="application/json" id="traces-data">${embeddedJson(page)}</script>`,
    `<script>${js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
