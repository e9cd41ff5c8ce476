import DOMPurify from 'dompurify';
import { highlight, markdownHtml } from './markdown.js';
import { safeUrl } from './text.js';

// Belt and braces after markdown-it's own escaping: only the tags Markdown makes, no attributes
// but links, code classes and the few a table uses; no URL but http(s), mailto and anchors.
const CONFIG = {
  ALLOWED_TAGS: [
    'a',
    'blockquote',
    'br',
    'code',
    'del',
    'em',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'li',
    'ol',
    'p',
    'pre',
    's',
    'span',
    'strong',
    'table',
    'tbody',
    'td',
    'th',
    'thead',
    'tr',
    'ul',
  ],
  ALLOWED_ATTR: ['href', 'class', 'title', 'start'],
  ALLOWED_URI_REGEXP: /^(?:https?:\/\/|mailto:|#)/i,
};

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  const href = node.getAttribute('href');
  if (href === null || !safeUrl(href)) {
    node.removeAttribute('href');
    return;
  }
  // Links leave the page in a new tab, telling the other site nothing about this one.
  if (!href.startsWith('#')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** A message's Markdown as sanitised HTML, for `dangerouslySetInnerHTML`. */
export function safeMarkdown(text: string): string {
  return DOMPurify.sanitize(markdownHtml(text), CONFIG);
}

/** Code highlighted as `language`, sanitised. */
export function safeCode(code: string, language: string): string {
  return DOMPurify.sanitize(highlight(code, language), { ALLOWED_TAGS: ['span'], ALLOWED_ATTR: ['class'] });
}
