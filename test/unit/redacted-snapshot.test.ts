import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact/redactor.js';
import { redactSnapshot } from '../../src/core/sessions/redacted-snapshot.js';
import { openSnapshot, type Snapshot } from '../../src/core/sessions/snapshot.js';
import { nearMisses, PLACES, plantedSecrets, TRACES_TOKEN, uEscaped, USER_PATTERN } from '../helpers/secrets-corpus.js';

const redactor = new Redactor({ patterns: [USER_PATTERN], extraSecrets: [TRACES_TOKEN] });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-redacted-snapshot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Corpus lines (raw and \u-escaped), near-misses between them, and some non-ASCII text. */
function corpusLines(): string[] {
  const lines: string[] = [];
  const misses = nearMisses();
  for (const planted of plantedSecrets()) {
    for (const build of Object.values(PLACES)) {
      const raw = JSON.stringify(build(`café ✓ ${planted.text}`));
      lines.push(raw, uEscaped(raw, planted.secret), misses[lines.length % misses.length]!);
    }
  }
  return lines;
}

/** What the redacted body must be: each line redacted on its own. */
const expectedBody = (text: string) =>
  text
    .split('\n')
    .map((line) => redactor.redactLine(line).text)
    .join('\n');

async function all(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function redacted(text: string, options: { document?: boolean } = {}): Promise<{ snapshot: Snapshot; want: Buffer }> {
  const file = join(dir, 's.jsonl');
  writeFileSync(file, text);
  const snapshot = await redactSnapshot(await openSnapshot(file, undefined, options), redactor);
  return { snapshot, want: Buffer.from(options.document ? `${expectedBody(JSON.stringify(JSON.parse(text)))}\n` : expectedBody(text)) };
}

describe('redactSnapshot: the original bytes with the redacted lines spliced in', () => {
  it('streams exactly the redacted lines, whatever the piece size, with the exact length', async () => {
    const { snapshot, want } = await redacted(`${corpusLines().join('\n')}\n`);
    try {
      expect(snapshot.length).toBe(want.length);
      expect(snapshot.fd).toBeUndefined();
      for (const size of [61, 4096, 1024 * 1024]) expect((await all(snapshot.chunks(size))).equals(want), `size ${size}`).toBe(true);
      expect((await all(snapshot.stream(333) as AsyncIterable<Buffer>)).equals(want)).toBe(true);
      for (const [at, n] of [
        [0, 10],
        [want.length - 5, 100],
        [12345, 777],
        [want.length, 4],
      ] as const)
        expect((await snapshot.read(at, n)).equals(want.subarray(at, at + n))).toBe(true);
      const back: Buffer[] = [];
      snapshot.scanBackward((chunk) => void back.unshift(Buffer.from(chunk)), { chunkSize: 501 });
      expect(Buffer.concat(back).equals(want)).toBe(true);
      const text = want.toString('utf8');
      for (const { secret } of plantedSecrets()) expect(text).not.toContain(secret);
    } finally {
      await snapshot.close();
    }
  });

  it('redacts a line longer than a read of the first pass, and a final line with no newline', async () => {
    const [gh] = plantedSecrets();
    const long = JSON.stringify({ type: 'bash', output: `${'x'.repeat(9 * 1024 * 1024)} ${gh!.secret} end` });
    const { snapshot, want } = await redacted(`${corpusLines()[0]}\n${long}\n${JSON.stringify(PLACES['user prompt']!(gh!.text))}`);
    try {
      expect(snapshot.length).toBe(want.length);
      const body = await all(snapshot.chunks());
      expect(body.equals(want)).toBe(true);
      expect(body.toString('utf8')).not.toContain(gh!.secret);
    } finally {
      await snapshot.close();
    }
  });

  it('redacts a one-document file (sent as one line) the same way', async () => {
    const [gh] = plantedSecrets();
    const doc = JSON.stringify({ sessionId: 's', messages: [{ type: 'user', content: gh!.text }] }, null, 2);
    const { snapshot, want } = await redacted(doc, { document: true });
    try {
      expect((await all(snapshot.chunks(5))).equals(want)).toBe(true);
      expect(want.toString('utf8')).toContain('[REDACTED:github]');
    } finally {
      await snapshot.close();
    }
  });

  it('hands back the snapshot itself when nothing is to be redacted', async () => {
    const file = join(dir, 'clean.jsonl');
    writeFileSync(file, `${nearMisses().join('\n')}\n`);
    const raw = await openSnapshot(file);
    const snapshot = await redactSnapshot(raw, redactor);
    expect(snapshot).toBe(raw);
    await snapshot.close();
  });
});
