import { SessionFileError } from '../../errors.js';
import { parseHeaderLine, type SessionHeader } from './header.js';
import { openRegularHandle } from './open-file.js';

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
  const lines = splitLines(path);
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

async function* splitLines(path: string): AsyncGenerator<{ text: string; line: number; terminated: boolean }> {
  let partial: Buffer[] = [];
  let line = 0;
  const handle = await openRegularHandle(path);
  for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = partial.length ? Buffer.concat([...partial, piece]) : piece;
      partial = [];
      line++;
      yield { text: bytes.toString('utf8').replace(/\r$/, ''), line, terminated: true };
      start = nl + 1;
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  }
  if (partial.length) yield { text: Buffer.concat(partial).toString('utf8'), line: line + 1, terminated: false };
}
