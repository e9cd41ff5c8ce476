import type { Hash } from 'node:crypto';
import { PassThrough, Transform, pipeline } from 'node:stream';
import { LengthMismatchError } from './trace-store.js';

/**
 * A session body as a store receives it, for both stores: through `check` when given (the
 * server's NDJSON check), counted and hashed on the way. A body longer or shorter than `length`
 * fails the stream before its end (LengthMismatchError), as does the check, so the write never
 * completes and the previous version stays.
 *
 * With `holdLast` the last chunk is held back until the body has ended at exactly `length`: until
 * then the store has not been given the whole length, so a body that turns out short or long
 * cannot be taken as complete (a bucket's PUT with its Content-Length would be). A folder store
 * writes to a temp file it renames only after the check, so it passes every chunk on at once.
 */
export function countedBody(
  body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  length: number,
  hash: Hash,
  check: Transform | undefined,
  options: { holdLast: boolean },
): PassThrough {
  let seen = 0;
  let held: Buffer | undefined;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > length) return done(new LengthMismatchError(`body is longer than its Content-Length of ${length}`));
      hash.update(chunk);
      if (!options.holdLast) return done(null, chunk);
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      if (seen !== length) return done(new LengthMismatchError(`body has ${seen} bytes, Content-Length said ${length}`));
      done(null, held);
    },
  });
  const out = new PassThrough();
  const stages = [body as NodeJS.ReadableStream, ...(check ? [check] : []), counter, out] as const;
  pipeline(stages as unknown as [NodeJS.ReadableStream, PassThrough], () => {
    // an error reaches `out`, which the store reads: it fails there
  });
  return out;
}
