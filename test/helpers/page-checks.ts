import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { ViewPage } from '../../src/contracts/view.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Checks a page `traces view` wrote is self-contained and sealed: exactly one inline script, one
 * stylesheet and one JSON block; a CSP naming those two by hash and nothing else; no reference
 * to anything but in-page anchors and data: URLs. Returns the embedded data.
 */
export function checkPage(html: string): ViewPage {
  // An element ends at the first `</script` (`</style`) whatever precedes it: two of each kind in all.
  expect(html.match(/<\/script/gi)).toHaveLength(2);
  expect(html.match(/<\/style/gi)).toHaveLength(1);
  const data = /<script type="application\/json" id="traces-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1]!.replace(/&#39;/g, "'");
  expect(csp.split('; ')).toEqual([
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ]);
  // The CSP comes before anything it governs.
  expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
  // Nothing is fetched: every src= or href= in the markup is an anchor or a data: URL.
  const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>').replace(/<style>[\s\S]*?<\/style>/gi, '');
  expect([...markup.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0])).toEqual([
    '<script type="application/json" id="traces-data">',
    '<script>',
  ]);
  for (const [, url] of markup.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)) expect(url).toMatch(/^(#|data:)/);
  expect(markup).not.toMatch(/<link\b|<iframe\b|<img\b|@import/i);
  expect(data).not.toContain('<');
  return JSON.parse(data) as ViewPage;
}
