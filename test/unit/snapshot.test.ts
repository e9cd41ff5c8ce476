import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCompleteJsonObject, openSnapshot, type Snapshot } from '../../src/core/sessions/snapshot.js';

let dir: string;
const open: Snapshot[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-snapshot-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const HEAD = '{"type":"session","version":3,"id":"s1","timestamp":"2026-11-01T10:00:00.000Z","cwd":"/w"}\n';
const LINE = '{"type":"message","id":"a1b2c3d4","parentId":null,"message":{"role":"user","content":"hi"}}\n';

function file(content: string | Buffer, name = 's.jsonl'): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function snap(path: string, maxTail?: number): Promise<Snapshot> {
  const s = await openSnapshot(path, maxTail);
  open.push(s);
  return s;
}

async function streamed(s: Snapshot, highWaterMark?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of s.stream(highWaterMark) as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('openSnapshot: the torn-line rule', () => {
  it('sends a file that ends in a newline whole', async () => {
    const content = HEAD + LINE + LINE;
    const s = await snap(file(content));
    expect(s.length).toBe(Buffer.byteLength(content));
    expect(s.size).toBe(Buffer.byteLength(content));
    expect(s.mtimeMs).toBe(statSync(s.path).mtimeMs);
  });

  it('holds back a torn last line: up to the last newline', async () => {
    const s = await snap(file(`${HEAD}${LINE}{"type":"message","id":"torn","mess`));
    expect(s.length).toBe(Buffer.byteLength(HEAD + LINE));
    expect(s.size).toBeGreaterThan(s.length);
  });

  it('sends a final line that is a complete JSON object without a newline', async () => {
    const content = `${HEAD}${LINE}{"type":"label","id":"b2","label":"done"}`;
    const s = await snap(file(content));
    expect(s.length).toBe(Buffer.byteLength(content));
  });

  it('holds back a final line that is valid JSON but not an object, or an object missing its brace', async () => {
    expect((await snap(file(`${HEAD}12345`, 'a.jsonl'))).length).toBe(HEAD.length);
    expect((await snap(file(`${HEAD}{"a":"}"`, 'b.jsonl'))).length).toBe(HEAD.length);
    expect((await snap(file(`${HEAD}{"a":{"b":1}`, 'c.jsonl'))).length).toBe(HEAD.length);
  });

  it('scans back over a final line longer than 64 KiB (several chunks)', async () => {
    const big = `{"type":"message","pad":"${'p'.repeat(200 * 1024)}"}`;
    expect((await snap(file(HEAD + LINE + big, 'whole.jsonl'))).length).toBe(Buffer.byteLength(HEAD + LINE + big));
    const torn = big.slice(0, -2);
    expect((await snap(file(HEAD + LINE + torn, 'torn.jsonl'))).length).toBe(Buffer.byteLength(HEAD + LINE));
  });

  it('treats a file without any newline as one line: whole if complete, nothing if torn', async () => {
    const whole = HEAD.trimEnd();
    expect((await snap(file(whole, 'a.jsonl'))).length).toBe(whole.length);
    expect((await snap(file(whole.slice(0, 30), 'b.jsonl'))).length).toBe(0);
    const longTorn = `{"pad":"${'q'.repeat(150 * 1024)}`;
    expect((await snap(file(longTorn, 'c.jsonl'))).length).toBe(0);
  });

  it('gives an empty file a length of 0 and an empty stream', async () => {
    const s = await snap(file(''));
    expect(s.length).toBe(0);
    expect((await streamed(s)).length).toBe(0);
    expect((await s.read(0, 100)).length).toBe(0);
  });

  it('with maxTail, holds back a longer final line without reading it, but keeps the lines before it', async () => {
    const big = `{"type":"message","pad":"${'p'.repeat(300 * 1024)}"}`;
    const s = await snap(file(HEAD + LINE + big), 100 * 1024);
    expect(s.length).toBe(Buffer.byteLength(HEAD + LINE));
    const small = await snap(file(HEAD + LINE + big, 'b.jsonl'), 1024 * 1024);
    expect(small.length).toBe(Buffer.byteLength(HEAD + LINE + big));
  });
});

describe('Snapshot streams and reads', () => {
  it('stream() yields exactly `length` bytes, the file prefix, each time it is called', async () => {
    const content = `${HEAD}${LINE.repeat(2000)}{"torn":`;
    const s = await snap(file(content));
    const expected = Buffer.from(content).subarray(0, s.length);
    expect((await streamed(s)).equals(expected)).toBe(true);
    expect((await streamed(s, 1000)).equals(expected)).toBe(true);
    expect((await streamed(s, 64)).equals(expected)).toBe(true);
  });

  it('read() returns bytes within the snapshot and fewer at its end', async () => {
    const content = `${HEAD}${LINE}{"torn`;
    const s = await snap(file(content));
    expect((await s.read(0, HEAD.length)).toString()).toBe(HEAD);
    expect((await s.read(HEAD.length, 10_000)).toString()).toBe(LINE);
    expect((await s.read(s.length, 10)).length).toBe(0);
    expect((await s.read(s.length + 50, 10)).length).toBe(0);
  });

  it('still streams the old content after the file is replaced by rename', async () => {
    const path = file(HEAD + LINE);
    const s = await snap(path);
    const next = join(dir, '.s.jsonl.tmp');
    writeFileSync(next, `${HEAD}${'{"type":"message","id":"rewritten"}\n'.repeat(50)}`);
    renameSync(next, path);
    expect((await streamed(s)).toString()).toBe(HEAD + LINE);
    expect((await s.read(0, 5000)).toString()).toBe(HEAD + LINE);
    expect(readFileSync(path, 'utf8')).toContain('rewritten');
  });

  it('does not grow when the file is appended to after it was taken', async () => {
    const path = file(HEAD + LINE);
    const s = await snap(path);
    writeFileSync(path, LINE.repeat(10), { flag: 'a' });
    expect((await streamed(s)).toString()).toBe(HEAD + LINE);
  });

  it('fails to open a missing file with ENOENT', async () => {
    await expect(openSnapshot(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('isCompleteJsonObject', () => {
  it.each([
    ['{"a":1}', true],
    ['  {"a":1}\r', true],
    ['{"a":', false],
    ['[1]', false],
    ['"x"', false],
    ['', false],
    ['{"a":1}{"b":2}', false],
  ])('%j -> %s', (text, expected) => {
    expect(isCompleteJsonObject(Buffer.from(text))).toBe(expected);
  });
});

describe('Snapshot.scanBackward', () => {
  it('hands out [0, end) from the end, each piece holding the overlap after it, and stops when asked', async () => {
    const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('') + '\n');
    const s = await snap(file(content));
    const pieces: { offset: number; text: string }[] = [];
    s.scanBackward((chunk, offset) => void pieces.push({ offset, text: chunk.toString() }), { end: 900, overlap: 3, chunkSize: 256 });
    expect(pieces.map((p) => p.offset)).toEqual([644, 388, 132, 0]);
    const ends = [900, 647, 391, 135];
    pieces.forEach((p, i) => expect(p.text).toBe(content.subarray(p.offset, ends[i]).toString()));

    const seen: number[] = [];
    s.scanBackward((_chunk, offset) => (seen.push(offset), offset < 800), { chunkSize: 100 });
    expect(seen).toEqual([901, 801, 701]);
  });
});
