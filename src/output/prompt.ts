import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CancelledError } from '../errors.js';
import type { Io } from './io.js';

/**
 * Asks for a secret on the terminal without echoing it. Ctrl-C, or Ctrl-D (the input ended), is
 * the person backing out: a CancelledError (exit 130). Either way the terminal is left as it was
 * found (readline turns raw mode off on close) and the cursor on a fresh line.
 */
export async function promptSecret(io: Io, question: string): Promise<string> {
  io.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: io.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve);
      rl.once('close', () => reject(new CancelledError()));
      rl.once('SIGINT', () => reject(new CancelledError()));
    });
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

/** All of standard input as text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
