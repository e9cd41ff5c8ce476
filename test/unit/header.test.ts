import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerGit, parseHeaderLine, readHeader, type SessionHeader } from '../../src/core/sessions/header.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-header-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ID = '0b7d3c1e-8f2a-4c55-a1b2-0123456789ab';
const v3 = { type: 'session', version: 3, id: ID, timestamp: '2026-11-01T10:00:00.000Z', cwd: '/work/project' };
const entry = '{"type":"message","id":"a1b2c3d4","parentId":null,"timestamp":"2026-11-01T10:00:01.000Z"}';

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function expectInvalid(path: string, reason: RegExp): void {
  const result = readHeader(path);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.reason).toMatch(reason);
}

describe('readHeader', () => {
  it('reads a valid version 3 header and counts its bytes with the newline', () => {
    const line = JSON.stringify({ ...v3, parentSession: '../p.jsonl', rlmDepth: 1, extra: { kept: true } });
    const result = readHeader(file('s.jsonl', `${line}\n${entry}\n`));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.header).toMatchObject({ id: ID, version: 3, parentSession: '../p.jsonl', rlmDepth: 1, extra: { kept: true } });
    expect(result.headerBytes).toBe(Buffer.byteLength(line) + 1);
  });

  it('reads a version 1 header that has no version field', () => {
    const { version: _omit, ...v1 } = v3;
    const result = readHeader(file('v1.jsonl', `${JSON.stringify({ ...v1, provider: 'anthropic', modelId: 'm' })}\n`));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.header.version).toBeUndefined();
  });

  it.each(['id', 'cwd', 'timestamp'])('rejects a header without %s', (field) => {
    const broken: Record<string, unknown> = { ...v3 };
    delete broken[field];
    expectInvalid(file('x.jsonl', `${JSON.stringify(broken)}\n`), new RegExp(`"${field}"`));
  });

  it('rejects an id that is empty or not a string', () => {
    expectInvalid(file('a.jsonl', `${JSON.stringify({ ...v3, id: '' })}\n`), /"id"/);
    expectInvalid(file('b.jsonl', `${JSON.stringify({ ...v3, id: 42 })}\n`), /"id"/);
  });

  it('rejects a first line whose type is not "session"', () => {
    expectInvalid(file('m.jsonl', `${entry}\n`), /not a session header/);
    expectInvalid(file('t.jsonl', `${JSON.stringify({ ...v3, type: 'Session' })}\n`), /not a session header/);
  });

  it('rejects JSON that is not an object', () => {
    expectInvalid(file('arr.jsonl', '[1,2]\n'), /not a JSON object/);
    expectInvalid(file('null.jsonl', 'null\n'), /not a JSON object/);
  });

  it('rejects an empty file', () => {
    expectInvalid(file('empty.jsonl', ''), /empty/);
  });

  it('reports a missing file instead of throwing', () => {
    expectInvalid(join(dir, 'nope.jsonl'), /cannot open: ENOENT/);
  });

  it('reads a header longer than one 16 KiB chunk, with a multi-byte character on the boundary', () => {
    // Place a 3-byte character across the 16 384-byte mark and make the line ~50 KiB long.
    const prefix = JSON.stringify({ ...v3, note: '' }).length - 2; // up to the opening quote of note
    const note = 'x'.repeat(16 * 1024 - prefix - 1) + '€' + 'y'.repeat(34 * 1024);
    const line = JSON.stringify({ ...v3, note });
    const result = readHeader(file('long.jsonl', `${line}\n${entry}\n`));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.header.note).toBe(note);
    expect(result.headerBytes).toBe(Buffer.byteLength(line) + 1);
  });

  it('reads only line 1 even when the next line would be invalid', () => {
    const result = readHeader(file('s.jsonl', `${JSON.stringify(v3)}\n{{{ not json\n`));
    expect(result.ok).toBe(true);
  });

  it('accepts an unterminated header that is complete JSON (its length has no newline)', () => {
    const line = JSON.stringify(v3);
    const result = readHeader(file('s.jsonl', line));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.headerBytes).toBe(Buffer.byteLength(line));
  });

  it('says a torn unterminated header is incomplete, and a torn terminated one is not JSON', () => {
    const torn = JSON.stringify(v3).slice(0, 40);
    expectInvalid(file('a.jsonl', torn), /incomplete/);
    expectInvalid(file('b.jsonl', `${torn}\n`), /not JSON/);
  });

  it('accepts a CRLF line ending and counts the \\r as part of the header', () => {
    const line = JSON.stringify(v3);
    const result = readHeader(file('crlf.jsonl', `${line}\r\n${entry}\r\n`));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.headerBytes).toBe(Buffer.byteLength(line) + 2);
  });

  it('rejects binary content without throwing', () => {
    const bytes = Buffer.alloc(40_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    expectInvalid(file('bin.jsonl', bytes), /not JSON|incomplete/);
    expectInvalid(file('zeros.jsonl', Buffer.alloc(4096)), /incomplete/);
  });

  it('gives up on a first line longer than 1 MiB', () => {
    expectInvalid(file('huge.jsonl', `{"type":"session","pad":"${'z'.repeat(2 * 1024 * 1024)}"}\n`), /longer than 1 MiB/);
  });

  it('reports a folder as unreadable instead of throwing', () => {
    const result = readHeader(dir);
    expect(result.ok).toBe(false);
  });
});

describe('parseHeaderLine', () => {
  it('is what readHeader applies to line 1', () => {
    expect(parseHeaderLine(JSON.stringify(v3), true)).toMatchObject({ ok: true, headerBytes: JSON.stringify(v3).length + 1 });
    expect(parseHeaderLine('{', false)).toMatchObject({ ok: false, reason: expect.stringMatching(/incomplete/) });
  });
});

describe('headerGit', () => {
  const h = (git: unknown) => ({ ...v3, git }) as unknown as SessionHeader;
  it('keeps string fields and drops empty or non-string ones', () => {
    expect(headerGit(h({ repoUrl: 'https://x/y.git', commit: 'abc', branch: '' }))).toEqual({
      repoUrl: 'https://x/y.git',
      commit: 'abc',
      branch: undefined,
    });
  });
  it('is undefined without a usable git block', () => {
    expect(headerGit(v3 as SessionHeader)).toBeUndefined();
    expect(headerGit(h(null))).toBeUndefined();
    expect(headerGit(h('main'))).toBeUndefined();
    expect(headerGit(h({ repoUrl: 1, commit: '' }))).toBeUndefined();
  });
});

// Older real files (version 1: no version field, no entry ids). Read from the shared folder, never copied.
const real = fileURLToPath(new URL('../../../shared/fixtures/real/', import.meta.url));
describe.skipIf(!existsSync(real))('real session files of older versions', () => {
  const files = existsSync(real) ? readdirSync(real).filter((n) => n.endsWith('.jsonl')) : [];
  it.each(files)('%s has a valid header', (name) => {
    const result = readHeader(join(real, name));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.header.type).toBe('session');
      expect(typeof result.header.id).toBe('string');
    }
  });
});
