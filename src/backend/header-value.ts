/**
 * How a string travels in an HTTP header value (X-Cwd, X-Trace-Id, ...), the same way in both
 * directions so that `traces serve` stores exactly the string a folder backend stores.
 *
 * A value HTTP carries unchanged goes as it is, one ISO-8859-1 byte per character: the bytes
 * prime-agent's uploader sends for it. Any other value goes as RFC 8187's extended form,
 * `UTF-8''` followed by its UTF-8 bytes percent-encoded: a character above U+00FF (no byte
 * for it), a control character (refused by HTTP clients), a space or tab at either end (HTTP
 * drops it), and a value that itself starts with `UTF-8''` (so that the form means one thing).
 */

/** Characters a header value may hold as they are: tab, visible ASCII, space, U+0080–U+00FF. */
const PLAIN = /^[\t\x20-\x7e\x80-\xff]*$/;
const EDGE_WHITESPACE = /^[ \t]|[ \t]$/;
const EXTENDED = /^utf-8''/i;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** RFC 8187 attr-char, plus the percent escapes of everything else. */
const EXTENDED_BODY = /^(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-Fa-f]{2})*$/;

/** The header value that carries `value` unchanged. */
export function encodeHeaderValue(value: string): string {
  if (PLAIN.test(value) && !EDGE_WHITESPACE.test(value) && !EXTENDED.test(value)) return value;
  // A lone surrogate has no UTF-8 form: it goes as U+FFFD. encodeURIComponent leaves ' ( ) *
  // as they are; RFC 8187 allows none of them unescaped.
  const body = encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd')).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `UTF-8''${body}`;
}

/**
 * The string a header value carries (as Node reads it: one character per byte). Only the
 * extended form is decoded; anything else, a literal `%25` included, is the value itself. A
 * value that looks extended but is not well formed is kept as it came.
 */
export function decodeHeaderValue(raw: string): string {
  if (!EXTENDED.test(raw)) return raw;
  const body = raw.slice("UTF-8''".length);
  if (!EXTENDED_BODY.test(body)) return raw;
  try {
    return decodeURIComponent(body);
  } catch {
    return raw;
  }
}
