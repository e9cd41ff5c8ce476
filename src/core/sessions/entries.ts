import { SessionFileError } from '../../errors.js';
import { parseHeaderLine, type SessionHeader } from './header.js';
import { readLines } from './lines.js';

/** One entry after the header, with its 1-based line number in the file. */
export interface Entry {
  line: number;
  value: Record<string, unknown>;
}

export interface EntryReader {
  header: SessionHeader;
  entries: AsyncGenerator<Entry>;
}

/**
 * Reads a session file line by line without holding it whole. A torn last line (the agent is
 * still writing it) is passed over; a bad line elsewhere is an error naming the file and line.
 */
export async function readSession(path: string): Promise<EntryReader> {
  const lines = readLines(path);
  const first = await lines.next();
  if (first.done) throw new SessionFileError(`${path}: empty file, not a session`);
  const head = parseHeaderLine(first.value.text, first.value.terminated);
  if (!head.ok) throw new SessionFileError(`${path}:1: ${head.reason}`);
  async function* entries(): AsyncGenerator<Entry> {
    for await (const { text, line, terminated } of lines) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        if (!terminated) return; // torn last line
        throw new SessionFileError(`${path}:${line}: not valid JSON`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SessionFileError(`${path}:${line}: not a JSON object`);
      }
      yield { line, value: value as Record<string, unknown> };
    }
  }
  return { header: head.header, entries: entries() };
}
