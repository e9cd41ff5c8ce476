import { closeSync, readSync } from 'node:fs';
import { SessionFileError } from '../../errors.js';
import { openRegularFile, openRegularHandle } from './open-file.js';

/** One line of a file: its text (without the newline or a trailing CR), 1-based number, and whether a newline ended it. */
export interface Line {
  text: string;
  line: number;
  terminated: boolean;
}

/**
 * Reads a file line by line without holding it whole. The last line comes with `terminated:
 * false` when no newline ends it (a writer may still be writing it: the torn-line rule).
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
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

const CHUNK = 64 * 1024;

/**
 * The first lines of a file, synchronously and bounded: at most `maxLines` lines and `maxBytes`
 * bytes are read (a longer line ends the read; it is not returned). For the cheap look at a
 * session's first records that discovery and the tree need.
 */
export function readFirstLines(path: string, maxLines: number, maxBytes: number): Line[] | { error: string } {
  const opened = openRegularFile(path);
  if (!opened.ok) return { error: opened.reason };
  const lines: Line[] = [];
  let pending: Buffer[] = [];
  let offset = 0;
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    while (lines.length < maxLines && offset < maxBytes) {
      const n = readSync(opened.fd, buf, 0, Math.min(CHUNK, maxBytes - offset), offset);
      if (n === 0) break;
      offset += n;
      let start = 0;
      const chunk = buf.subarray(0, n);
      for (let nl = chunk.indexOf(10); nl >= 0 && lines.length < maxLines; nl = chunk.indexOf(10, start)) {
        const bytes = Buffer.concat([...pending, chunk.subarray(start, nl)]);
        pending = [];
        lines.push({ text: bytes.toString('utf8').replace(/\r$/, ''), line: lines.length + 1, terminated: true });
        start = nl + 1;
      }
      if (start < n && lines.length < maxLines) pending.push(Buffer.from(chunk.subarray(start)));
    }
    if (pending.length && lines.length < maxLines && offset < maxBytes) {
      lines.push({ text: Buffer.concat(pending).toString('utf8'), line: lines.length + 1, terminated: false });
    }
    return lines;
  } catch (error) {
    return { error: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  } finally {
    closeSync(opened.fd);
  }
}

/** One NDJSON record: the parsed object and its 1-based line number. */
export interface JsonLine {
  value: Record<string, unknown>;
  line: number;
}

/**
 * The JSON objects of an NDJSON file, one per non-blank line, streamed. A torn last line (the
 * writer is still writing it) ends the stream quietly; a line elsewhere that is not JSON, or not
 * an object, is a SessionFileError naming the file and the line. Every agent's reader starts here.
 */
export async function* readJsonLines(path: string): AsyncGenerator<JsonLine> {
  for await (const { text, line, terminated } of readLines(path)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (!terminated) return;
      throw new SessionFileError(`${path}:${line}: not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (!terminated) return;
      throw new SessionFileError(`${path}:${line}: not a JSON object`);
    }
    yield { value: value as Record<string, unknown>, line };
  }
}
