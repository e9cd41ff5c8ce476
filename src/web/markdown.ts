import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt from 'markdown-it';
import { displayText, safeUrl } from './text.js';

// The languages agents' conversations mostly hold; an unknown fence language is shown unhighlighted.
const LANGUAGES = { bash, css, diff, go, javascript, json, python, rust, shell, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

/** Code longer than this is shown plain: highlighting it would hold the page up for seconds. */
const HIGHLIGHT_LIMIT = 100_000;

/** Highlighted HTML of code in `language` (escaped text when the language is unknown or the code too long). */
export function highlight(code: string, language: string): string {
  if (code.length <= HIGHLIGHT_LIMIT && language && hljs.getLanguage(language)) {
    return hljs.highlight(code, { language, ignoreIllegals: true }).value;
  }
  return md.utils.escapeHtml(code);
}

// `html: false`: raw HTML in a message is text, never markup. Images are off: a page must make no
// request the reader did not ask for (and the CSP would refuse them anyway).
const md = new MarkdownIt({
  html: false,
  linkify: true,
  breaks: false,
  highlight: (code, lang) => highlight(code, lang.trim().split(/\s+/)[0]!.toLowerCase()),
}).disable('image');
md.validateLink = safeUrl;

/**
 * A message's Markdown as HTML: terminal escapes and control characters removed, raw HTML escaped,
 * links other than http(s), mailto and in-page anchors left as text. The browser still passes
 * the result through DOMPurify (sanitize.ts) before it reaches the page.
 */
export function markdownHtml(text: string): string {
  return md.render(displayText(text));
}
