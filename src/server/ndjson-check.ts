import { Transform, type TransformCallback } from 'node:stream';

export class NdjsonError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Passes bytes through unchanged while checking that every line is JSON (NDJSON); a final line
 * without a newline must be JSON too. Fails with NdjsonError naming the first bad line.
 */
export function ndjsonCheck(onBytes: (n: number) => void = () => {}): Transform {
  let partial: Buffer[] = [];
  let line = 0;
  let sawAny = false;
  const check = (bytes: Buffer) => {
    line++;
    const text = bytes.toString('utf8').trim();
    if (text === '') return;
    sawAny = true;
    try {
      JSON.parse(text);
    } catch {
      throw new NdjsonError(line, `line ${line} is not valid JSON`);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      onBytes(chunk.length);
      try {
        let start = 0;
        for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
          const piece = chunk.subarray(start, nl);
          check(partial.length ? Buffer.concat([...partial, piece]) : piece);
          partial = [];
          start = nl + 1;
        }
        if (start < chunk.length) partial.push(chunk.subarray(start));
        done(null, chunk);
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (partial.length) check(Buffer.concat(partial));
        if (!sawAny) throw new NdjsonError(0, 'body is empty');
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
