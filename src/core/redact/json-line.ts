/*
 * The string literals of one line of valid JSON, with their JSON paths, found by a small scanner
 * over the text itself rather than by JSON.parse and JSON.stringify: re-serialising would change
 * what is not ours to change (number spelling, big integers, the order of integer-like keys,
 * duplicate keys, escapes), and a redacted line must differ from its source only inside the
 * strings that held a secret.
 */

/** One string literal of the line: `raw` is the literal with its quotes, `[start, end)` its place. */
export interface StringLiteral {
  start: number;
  end: number;
  raw: string;
  /** The JSON path of the value (`message.content[0].text`), or of the member whose name this is. */
  path: string;
  /** True when the literal is a member's name rather than a value. */
  isKey: boolean;
  /** For a value inside an object: its member's name (decoded). */
  key?: string;
}

interface Frame {
  array: boolean;
  path: string;
  index: number;
  key?: string;
  expectKey: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `parent.key`, `parent["odd key"]` or `parent[3]`; the root is ''. */
function childPath(frame: Frame): string {
  if (frame.array) return `${frame.path}[${frame.index}]`;
  const key = frame.key ?? '';
  if (IDENTIFIER.test(key)) return frame.path ? `${frame.path}.${key}` : key;
  return `${frame.path}[${JSON.stringify(key)}]`;
}

/** The decoded value of a string literal. */
export function decodeLiteral(raw: string): string {
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/** The end (exclusive) of the string literal opening at `start`. */
function literalEnd(line: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = line.indexOf('"', at);
    if (quote < 0) return line.length;
    let slashes = 0;
    while (line.charCodeAt(quote - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** Every string literal of `line`, which must be valid JSON, in order. */
export function stringLiterals(line: string): StringLiteral[] {
  const out: StringLiteral[] = [];
  const stack: Frame[] = [];
  const root: Frame = { array: false, path: '', index: 0, expectKey: false };
  const top = () => stack[stack.length - 1] ?? root;
  const valuePath = () => (stack.length ? childPath(top()) : '');
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    switch (c) {
      case '{':
      case '[':
        stack.push({ array: c === '[', path: valuePath(), index: 0, expectKey: c === '{' });
        break;
      case '}':
      case ']':
        stack.pop();
        break;
      case ',': {
        const frame = top();
        if (frame.array) frame.index++;
        else frame.expectKey = true;
        break;
      }
      case ':':
        top().expectKey = false;
        break;
      case '"': {
        const end = literalEnd(line, i);
        const raw = line.slice(i, end);
        const frame = top();
        if (stack.length && !frame.array && frame.expectKey) {
          frame.key = decodeLiteral(raw);
          out.push({ start: i, end, raw, path: childPath(frame), isKey: true });
        } else {
          const literal: StringLiteral = { start: i, end, raw, path: valuePath(), isKey: false };
          if (stack.length && !frame.array) literal.key = frame.key;
          out.push(literal);
        }
        i = end - 1;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Undoes JSON escapes in one pass over any text: every decoded string of a JSON line is a substring of the result. */
export function unescapeLoosely(text: string): string {
  return text.replace(/\\(?:u([0-9a-fA-F]{4})|(.))/gs, (_m, hex: string | undefined, ch: string) => {
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    switch (ch) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      default:
        return ch;
    }
  });
}
