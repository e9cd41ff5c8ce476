import { Readable } from 'node:stream';
import type { Redactor } from '../redact/redactor.js';
import { scanBackwardWith, type Snapshot } from './snapshot.js';

/**
 * One redacted stretch of the body: the `length` original bytes at `offset` are sent as `bytes`,
 * which start at `at` in the redacted body. Only the bytes between the first and the last byte a
 * redaction changed in a line are kept, so the list stays small whatever the lines' size.
 */
interface Patch {
  offset: number;
  length: number;
  bytes: Buffer;
  at: number;
}

/** A stretch of the redacted body: original bytes at `offset`, or bytes of a patch. */
type Piece = { offset: number; length: number } | { bytes: Buffer };

const SCAN_CHUNK = 4 * 1024 * 1024;

/**
 * `raw` as it is to be sent: every line the redactor changes, changed. One pass over the snapshot's
 * bytes finds the patches (and so the exact length); reading then splices them into the original
 * bytes, so the body streams with a known Content-Length and is never held whole, and no line is
 * redacted twice. A snapshot with nothing to redact is returned as it is. The result owns `raw`:
 * closing it closes `raw`. It has no `fd`: its bytes are not the file's.
 */
export async function redactSnapshot(raw: Snapshot, redactor: Redactor): Promise<Snapshot> {
  let patches: Patch[];
  try {
    patches = await findPatches(raw, redactor);
  } catch (error) {
    await raw.close();
    throw error;
  }
  if (patches.length === 0) return raw;
  const last = patches[patches.length - 1]!;
  const length = raw.length + (last.at + last.bytes.length) - (last.offset + last.length);

  const read = async (position: number, want: number): Promise<Buffer> => {
    const pieces = piecesOf(patches, raw.length, length, position, want);
    // Most reads lie between two patches: the original bytes, read fresh, are the answer.
    const only = pieces.length === 1 ? pieces[0]! : undefined;
    if (only && !('bytes' in only)) return raw.read(only.offset, only.length);
    const parts: Buffer[] = [];
    for (const piece of pieces) {
      if ('bytes' in piece) parts.push(piece.bytes);
      else {
        const got = await raw.read(piece.offset, piece.length);
        parts.push(got);
        if (got.length < piece.length) break; // truncated since the snapshot: a short body
      }
    }
    return Buffer.concat(parts);
  };
  const readSync = (position: number, want: number): Buffer =>
    Buffer.concat(
      piecesOf(patches, raw.length, length, position, want).map((p) => ('bytes' in p ? p.bytes : rawSync(raw, p.offset, p.length))),
    );
  async function* chunks(size: number): AsyncGenerator<Buffer> {
    for (let position = 0; position < length;) {
      const buf = await read(position, Math.min(size, length - position));
      if (buf.length === 0) return;
      position += buf.length;
      yield buf;
    }
  }
  return {
    path: raw.path,
    length,
    size: raw.size,
    mtimeMs: raw.mtimeMs,
    stream: (highWaterMark = 1024 * 1024) => Readable.from(chunks(highWaterMark), { objectMode: false }),
    chunks: (size = 1024 * 1024) => chunks(size),
    scanBackward: (visit, options) => scanBackwardWith(readSync, length, visit, options),
    read: (position, want) => read(position, Math.max(0, Math.min(want, length - position))),
    close: () => raw.close(),
  };
}

/**
 * The patches of `raw`, in order: its lines split at each newline (a final line without one is a
 * line too), each line the redactor may care about decoded and redacted, and each changed line
 * reduced to the bytes that changed.
 */
async function findPatches(raw: Snapshot, redactor: Redactor): Promise<Patch[]> {
  const patches: Patch[] = [];
  let shift = 0;
  const take = (buf: Buffer, start: number, end: number, offset: number) => {
    const text = buf.toString('utf8', start, end);
    if (!redactor.mayHoldSecret(text)) return;
    const redacted = redactor.redactLine(text).text;
    if (redacted === text) return;
    const patch = changedBytes(buf.subarray(start, end), Buffer.from(redacted));
    patches.push({ offset: offset + patch.skip, length: patch.length, bytes: patch.bytes, at: offset + patch.skip + shift });
    shift += patch.bytes.length - patch.length;
  };
  // A line split over chunks is gathered here, with the offset of its first byte.
  let pending: Buffer[] = [];
  let pendingAt = 0;
  let position = 0;
  for await (const chunk of raw.chunks(SCAN_CHUNK)) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      if (pending.length > 0) {
        const line = Buffer.concat([...pending, chunk.subarray(0, nl)]);
        pending = [];
        take(line, 0, line.length, pendingAt);
      } else take(chunk, start, nl, position + start);
      start = nl + 1;
    }
    if (start < chunk.length) {
      if (pending.length === 0) pendingAt = position + start;
      pending.push(chunk.subarray(start));
    }
    position += chunk.length;
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending);
    take(line, 0, line.length, pendingAt);
  }
  return patches;
}

/** What differs between a line and its redacted form: the common start and end are left out. */
function changedBytes(line: Buffer, redacted: Buffer): { skip: number; length: number; bytes: Buffer } {
  const common = Math.min(line.length, redacted.length);
  let head = 0;
  while (head < common && line[head] === redacted[head]) head++;
  let tail = 0;
  while (tail < common - head && line[line.length - 1 - tail] === redacted[redacted.length - 1 - tail]) tail++;
  // A copy: the patch must not keep the whole redacted line alive.
  return { skip: head, length: line.length - head - tail, bytes: Buffer.from(redacted.subarray(head, redacted.length - tail)) };
}

/** The pieces of the redacted body [position, position + want) (of `length` bytes; `rawLength` before redaction). */
function piecesOf(patches: readonly Patch[], rawLength: number, length: number, position: number, want: number): Piece[] {
  const end = Math.min(length, position + want);
  // The first patch that ends after `position` (patches are in order, and so are their ends).
  let lo = 0;
  for (let hi = patches.length; lo < hi;) {
    const mid = (lo + hi) >>> 1;
    if (patches[mid]!.at + patches[mid]!.bytes.length <= position) lo = mid + 1;
    else hi = mid;
  }
  const pieces: Piece[] = [];
  for (let at = position, i = lo; at < end;) {
    const patch = patches[i];
    if (patch && at >= patch.at) {
      const from = at - patch.at;
      const n = Math.min(patch.bytes.length - from, end - at);
      if (n > 0) pieces.push({ bytes: patch.bytes.subarray(from, from + n) });
      at += n;
      i++;
    } else {
      // Original bytes up to the next patch, moved by what the patches before it changed.
      const shift = patch ? patch.at - patch.offset : length - rawLength;
      const stop = Math.min(end, patch ? patch.at : length);
      pieces.push({ offset: at - shift, length: stop - at });
      at = stop;
    }
  }
  return pieces;
}

/** `n` bytes of `raw` at `offset`, read synchronously (through its scanBackward: one piece). */
function rawSync(raw: Snapshot, offset: number, n: number): Buffer {
  let out = Buffer.alloc(0);
  if (n === 0) return out;
  raw.scanBackward(
    (chunk) => {
      out = Buffer.from(chunk);
      return true;
    },
    { end: offset + n, chunkSize: n },
  );
  return out;
}
