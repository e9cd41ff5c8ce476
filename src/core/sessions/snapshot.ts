import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SessionFileError } from '../../errors.js';
import { openRegularHandle } from './open-file.js';

/**
 * A consistent view of a session file at one moment: the open handle pins the inode, so an atomic
 * rewrite (temp + rename) by the agent cannot mix two versions into one body.
 */
export interface Snapshot {
  readonly path: string;
  /** The bytes that may be sent: up to the last newline, plus a final line only if it is complete JSON. */
  readonly length: number;
  /** The file's size and mtime when the snapshot was taken (what the ledger records). */
  readonly size: number;
  readonly mtimeMs: number;
  /** The open file's descriptor (shared by every thread of the process). */
  readonly fd?: number;
  /**
   * A fresh stream of exactly `length` bytes from offset 0 (fewer if the file was truncated since).
   * Positional reads on the pinned handle: destroying the stream never closes the file.
   */
  stream(highWaterMark?: number): Readable;
  /**
   * The same bytes as `stream`, as an async iterable of pieces of `size` bytes (a fresh buffer
   * each): what an HTTP body takes without a stream in between.
   */
  chunks(size?: number): AsyncIterable<Buffer>;
  /**
   * Calls `visit` with successive pieces of [0, end), LAST piece first, read synchronously into
   * ONE reused buffer: the fastest way to look at bytes from the end. Each piece starts
   * `chunkSize` bytes before the previous one and also holds the `overlap` bytes after that start
   * (so a pattern that straddles two pieces is whole in one). `visit` returns true to stop, and
   * must copy what it keeps.
   */
  scanBackward(
    visit: (chunk: Buffer, offset: number) => boolean | void,
    options?: { end?: number; overlap?: number; chunkSize?: number },
  ): void;
  /** Up to `length` bytes at `position` (fewer at the end of the snapshot). */
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

const TAIL_CHUNK = 64 * 1024;

/**
 * Opens `path` and applies the torn-line rule. A final unterminated line longer than `maxTail`
 * bytes is not examined (the whole file is then over the size limit anyway) and is held back.
 * A `document` (a file that is one JSON value, possibly over many lines) is sent as NDJSON: the
 * same value on one line.
 */
export async function openSnapshot(
  path: string,
  maxTail = Number.MAX_SAFE_INTEGER,
  options: { document?: boolean } = {},
): Promise<Snapshot> {
  const handle = await openRegularHandle(path);
  if (options.document) return documentSnapshot(path, handle);
  try {
    const st = await handle.stat();
    const length = await sendableLength(handle, st.size, maxTail);
    return {
      path,
      length,
      size: st.size,
      mtimeMs: st.mtimeMs,
      fd: handle.fd,
      stream: (highWaterMark = 1024 * 1024) => Readable.from(chunks(handle, length, highWaterMark), { objectMode: false }),
      chunks: (size = 1024 * 1024) => chunks(handle, length, size),
      scanBackward: (visit, options = {}) => {
        const stop = Math.min(options.end ?? length, length);
        const buf = Buffer.allocUnsafe(Math.max(1, Math.min((options.chunkSize ?? BACKWARD_CHUNK) + (options.overlap ?? 0), stop)));
        scanBackwardWith((start, n) => buf.subarray(0, readSync(handle.fd, buf, 0, n, start)), length, visit, options);
      },
      read: async (position, want) => {
        const buf = Buffer.allocUnsafe(Math.max(0, Math.min(want, length - position)));
        const { bytesRead } = await handle.read(buf, 0, buf.length, position);
        return buf.subarray(0, bytesRead);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * A file holding one JSON value, as the one NDJSON line the upload contract takes: read whole
 * (such files are small: the size limit applies to them like any other), parsed and written on
 * one line. A file that does not parse (still being written) is a SessionFileError.
 */
async function documentSnapshot(path: string, handle: FileHandle): Promise<Snapshot> {
  let st, text;
  try {
    st = await handle.stat();
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  let body: Buffer;
  try {
    body = Buffer.from(`${JSON.stringify(JSON.parse(text))}\n`);
  } catch {
    throw new SessionFileError(`${path}: not one whole JSON document (still being written?)`);
  }
  const slice = (position: number, want: number) => body.subarray(position, Math.min(body.length, position + want));
  return {
    path,
    length: body.length,
    size: st.size,
    mtimeMs: st.mtimeMs,
    stream: () => Readable.from([body], { objectMode: false }),
    chunks: (size = 1024 * 1024) =>
      (async function* () {
        for (let at = 0; at < body.length; at += size) yield Buffer.from(slice(at, size));
      })(),
    scanBackward: (visit, options) => scanBackwardWith((start, n) => body.subarray(start, start + n), body.length, visit, options),
    read: async (position, want) => Buffer.from(slice(position, want)),
    close: async () => {},
  };
}

type BackwardVisit = Parameters<Snapshot['scanBackward']>[0];
type BackwardOptions = Parameters<Snapshot['scanBackward']>[1];
const BACKWARD_CHUNK = 1024 * 1024;

/**
 * `scanBackward` over a snapshot of `length` bytes, given a synchronous `read(start, n)` of them:
 * the pieces from the end, each overlapping the next by `overlap` bytes.
 */
export function scanBackwardWith(
  read: (start: number, n: number) => Buffer,
  length: number,
  visit: BackwardVisit,
  { end = length, overlap = 0, chunkSize = BACKWARD_CHUNK }: BackwardOptions = {},
): void {
  const stop = Math.min(end, length);
  for (let start = stop; start > 0;) {
    const to = Math.min(stop, start + overlap);
    start = Math.max(0, start - chunkSize);
    if (visit(read(start, to - start), start) === true) return;
  }
}

/**
 * Reads [0, length) in pieces. Unlike an fs stream on the handle (which closes the file when it
 * is destroyed, whatever autoClose says), stopping early leaves the handle open for its owner.
 */
async function* chunks(handle: FileHandle, length: number, size: number): AsyncGenerator<Buffer> {
  for (let position = 0; position < length;) {
    const buf = Buffer.allocUnsafe(Math.min(size, length - position));
    const { bytesRead } = await handle.read(buf, 0, buf.length, position);
    if (bytesRead === 0) return; // truncated since the snapshot: the receiver sees a short body
    position += bytesRead;
    yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
  }
}

async function sendableLength(handle: FileHandle, size: number, maxTail: number): Promise<number> {
  if (size === 0) return 0;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === 10) return size;

  // Find the last newline, reading backwards.
  const tailParts: Buffer[] = [];
  let end = size;
  let lastNewline = -1;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const buf = Buffer.allocUnsafe(end - start);
    const { bytesRead } = await handle.read(buf, 0, end - start, start);
    const chunk = buf.subarray(0, bytesRead);
    const nl = chunk.lastIndexOf(10);
    if (nl >= 0) {
      lastNewline = start + nl;
      tailParts.unshift(chunk.subarray(nl + 1));
      break;
    }
    // A tail longer than maxTail is held back unexamined: keep looking for where it starts only.
    if (size - start <= maxTail) tailParts.unshift(chunk);
    end = start;
  }
  const tailLength = size - (lastNewline + 1);
  if (tailLength > maxTail) return lastNewline + 1;
  return isCompleteJsonObject(Buffer.concat(tailParts)) ? size : lastNewline + 1;
}

/** A torn line is never a whole object: an object only parses once its closing brace is written. */
export function isCompleteJsonObject(bytes: Buffer): boolean {
  const text = bytes.toString('utf8').trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
