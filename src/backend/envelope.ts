import { isObject } from '../util/is-object.js';
import { asText } from '../util/text.js';
/**
 * Turns an error response body into a sentence. The services answer in several envelopes
 * (listed in docs/ARCHITECTURE.md); each is read, and anything else is shown as text, never as [object Object].
 */
export function errorMessage(status: number, statusText: string, body: string): string {
  const fromBody = describeBody(body);
  const head = `${status}${statusText ? ` ${statusText}` : ''}`;
  // A body part that only repeats the status text ({"detail":"Not Found"}, an RFC 9457 title) adds nothing to the head.
  const same = (part: string) => part.trim() === statusText.trim();
  const rest = fromBody
    ?.split('; ')
    .filter((part) => !same(part))
    .join('; ');
  return rest ? `${head}: ${rest}` : head;
}

export function describeBody(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return clip(htmlToText(text).replace(/\s+/g, ' ').trim()) || undefined;
  }
  return describeJson(value) ?? clip(text);
}

/** An HTML error page (a proxy's 502, a CDN's block page) as the text a browser would show. */
function htmlToText(text: string): string {
  if (!/^<(!doctype\s+html|html|head|body)\b/i.test(text)) return text;
  return text
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function describeJson(value: unknown): string | undefined {
  if (typeof value === 'string') return clip(value);
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) return joinAll(value.map(describeItem));
  const v = value as Record<string, unknown>;
  const parts: string[] = [];

  // {error: {message}} or {error: "text"}
  if (typeof v.error === 'string') parts.push(v.error);
  else if (isObject(v.error)) {
    const inner = describeJson(v.error);
    if (inner) parts.push(inner);
  }
  // RFC 9457: {title, status, detail, code}; also {message}
  const title = str(v.title);
  const message = str(v.message) ?? str(v.msg);
  if (title && !message) parts.push(title);
  if (message) parts.push(message);
  // {detail: "text"} or {detail: [{loc, msg, type}]}
  if (typeof v.detail === 'string') parts.push(v.detail);
  else if (Array.isArray(v.detail)) parts.push(...v.detail.map(describeItem).filter(isString));
  // {details: [{loc, msg}]} or {details: "text"}
  if (typeof v.details === 'string') parts.push(v.details);
  else if (Array.isArray(v.details)) parts.push(...v.details.map(describeItem).filter(isString));
  // {errors: [{param, details}]} or {errors: ["text"]}
  if (Array.isArray(v.errors)) parts.push(...v.errors.map(describeItem).filter(isString));
  else if (isObject(v.errors)) {
    for (const [field, problem] of Object.entries(v.errors)) parts.push(`${field}: ${describeItem(problem) ?? ''}`);
  }
  return joinAll(parts);
}

/** One item of a details list: {loc, msg}, {param, details}, {field, message}, or a string. */
function describeItem(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (Array.isArray(item)) return joinAll(item.map(describeItem));
  if (!isObject(item)) return item === undefined || item === null ? undefined : asText(item);
  const where = Array.isArray(item.loc)
    ? item.loc.map(String).join('.')
    : (str(item.param) ?? str(item.field) ?? str(item.path) ?? str(item.loc));
  const what =
    str(item.msg) ??
    str(item.message) ??
    (typeof item.details === 'string' ? item.details : Array.isArray(item.details) ? joinAll(item.details.map(describeItem)) : undefined) ??
    str(item.detail) ??
    str(item.type);
  if (where && what) return `${where}: ${what}`;
  return what ?? where ?? clip(JSON.stringify(item));
}

function joinAll(parts: (string | undefined)[]): string | undefined {
  const kept = [
    ...new Set(
      parts
        .filter(isString)
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ];
  return kept.length ? clip(kept.join('; ')) : undefined;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const clip = (s: string, max = 500) => (s.length > max ? `${s.slice(0, max)}…` : s);
