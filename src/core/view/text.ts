import { asText } from '../../util/text.js';

/**
 * Session text as the view returns it: the author's own characters (NUL bytes, ANSI escapes and
 * lone surrogates included; the client renders them as text), cut at `max` characters with a
 * note of how much was left out, so one huge tool output cannot make a page unusable.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  // Do not split a surrogate pair: a cut there would leave half a character.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end--;
  return `${text.slice(0, end)}… [cut: ${text.length - end} more characters; the raw file has it whole]`;
}

/** A value from a file as JSON text (pretty-printed), cut at `max`; never throws. */
export function jsonText(value: unknown, max: number): string {
  let text: string;
  try {
    text = value === undefined ? '' : typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? asText(value));
  } catch {
    // Nested deeper than JSON.stringify's stack allows: say so rather than fail the whole session.
    text = '[arguments nested too deep to show; the raw file has them whole]';
  }
  return cutText(text, max);
}

/** The text of a message's content: a string as it is, else its text blocks joined (images named). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return asText(content);
  const parts: string[] = [];
  for (const block of content) {
    if (typeof block !== 'object' || block === null) continue;
    const b = block as Record<string, unknown>;
    if (b.type === 'text') parts.push(asText(b.text));
    else if (b.type === 'image') parts.push(`[image: ${asText(b.mimeType, 'unknown type')}]`);
  }
  return parts.join('\n\n');
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
