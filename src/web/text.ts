/**
 * Text as the web view shows it: session content is hostile, so what reaches the page is either
 * a plain text node or Markdown rendered without HTML and sanitised (markdown.ts, sanitize.ts).
 * Nothing here touches the DOM, so the unit tests run it in Node.
 */

// CSI (colours, cursor moves), OSC (titles, hyperlinks; ended by BEL or ST) and the two-byte escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// C0 controls but tab, newline and carriage return, and DEL: NUL among them would cut text in some renderers.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The text without terminal escape sequences and control characters (a NUL shows as U+FFFD). */
export function displayText(text: string): string {
  return text.replace(ANSI, '').replace(CONTROL, (c) => (c === '\u0000' ? '\uFFFD' : ''));
}

/** How much of a text is rendered before "show all": beyond it Markdown and highlighting would stall the page. */
export const FIRST_PART = 20_000;

/** The first part of a long text, cut at a line end when one is near, and whether anything was cut. */
export function firstPart(text: string, limit = FIRST_PART): { text: string; cut: boolean } {
  if (text.length <= limit) return { text, cut: false };
  const end = text.lastIndexOf('\n', limit);
  return { text: text.slice(0, end > limit / 2 ? end : limit), cut: true };
}

/** Links the page keeps: web and mail addresses and in-page anchors. `javascript:`, `data:`, `file:` and the rest are dropped. */
export function safeUrl(url: string): boolean {
  return /^(?:https?:\/\/|mailto:|#)/i.test(url.trim());
}

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1)}M`;
}

export function formatCost(cost: number | null): string {
  if (cost === null) return '–';
  if (cost === 0) return '$0';
  return cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** An ISO time as `2025-01-31 14:05` (UTC, so every reader of a shared page sees the same). */
export function formatTime(iso: string | null): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** A percent-encoded part of an address, decoded; null when it is malformed (`%E0`): an address anyone can write must not throw. */
export function decoded(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}
