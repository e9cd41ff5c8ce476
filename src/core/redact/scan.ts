import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Redactor } from './redactor.js';
import type { Finding } from './types.js';

/** A finding in a file. */
export interface FileFinding extends Finding {
  file: string;
  line: number;
}

/**
 * Every secret in one file, line by line (numbered from 1), streamed: the file is never held
 * whole. A line is only decoded and checked when the redactor's triggers say it may hold one.
 */
export async function scanFile(file: string, redactor: Redactor): Promise<FileFinding[]> {
  const findings: FileFinding[] = [];
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  const take = (line: string) => {
    lineNo++;
    if (!redactor.mayHoldSecret(line)) return;
    for (const finding of redactor.redactLine(line).findings) findings.push({ ...finding, file, line: lineNo });
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      take(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) take(rest);
  return findings;
}
