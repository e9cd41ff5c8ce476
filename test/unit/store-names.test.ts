import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeName } from '../../src/backend/store/names.js';

/** The promise safeName makes: a single, ordinary path segment. */
function expectSafe(name: string): void {
  expect(name).not.toContain('/');
  expect(name).not.toContain('\\');
  expect(name).not.toContain('\0');
  expect(name).not.toBe('.');
  expect(name).not.toBe('..');
  expect(name.length).toBeGreaterThan(0);
  expect(name.length).toBeLessThanOrEqual(180);
  expect(name).toMatch(/^[A-Za-z0-9_%~-]+$/);
}

describe('safeName', () => {
  it('keeps a UUID as it is', () => {
    expect(safeName('0b7d3c1e-8f2a-4c55-a1b2-0123456789ab')).toBe('0b7d3c1e-8f2a-4c55-a1b2-0123456789ab');
  });

  it.each([
    ['..', '%2E%2E'],
    ['.', '%2E'],
    ['a/b', 'a%2Fb'],
    ['a\\b', 'a%5Cb'],
    ['../../etc/passwd', '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd'],
    ['C:', 'C%3A'],
    ['é', '%C3%A9'],
    ['%', '%25'],
    ['a b', 'a%20b'],
    ['~x', '%7Ex'],
    ['', '%'],
  ])('%j -> %j', (id, expected) => {
    expect(safeName(id)).toBe(expected);
    expectSafe(safeName(id));
  });

  it('encodes characters outside the BMP and control bytes', () => {
    expectSafe(safeName('🙂\u0000\n\t'));
    expect(safeName('🙂')).toBe('%F0%9F%99%82');
  });

  it('hashes a very long id into a fixed-length name', () => {
    const long = 'a'.repeat(10_000);
    const name = safeName(long);
    expect(name).toMatch(/^~[0-9a-f]{64}$/);
    expectSafe(name);
    expect(safeName(long)).toBe(name);
    expect(safeName(`${long}b`)).not.toBe(name);
  });

  it('keeps ids up to 180 characters readable, and hashes from 181', () => {
    expect(safeName('a'.repeat(180))).toBe('a'.repeat(180));
    expect(safeName('a'.repeat(181))).toMatch(/^~/);
    // 60 dots encode to 180 characters, 61 to 183.
    expect(safeName('.'.repeat(60))).toBe('%2E'.repeat(60));
    expect(safeName('.'.repeat(61))).toMatch(/^~/);
  });

  it('gives different ids different names', () => {
    const ids = ['', '%', '%25', '.', '..', 'a/b', 'a%2Fb', 'a_b', 'a-b', 'A', 'a', 'é', 'e\u0301', '~', 'x'.repeat(181), 'x'.repeat(182)];
    const names = ids.map(safeName);
    expect(new Set(names).size).toBe(ids.length);
  });

  it('is always a safe single segment, for arbitrary input', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = ['.', '/', '\\', ':', '\0', 'a', 'Z', '9', '-', '_', '%', ' ', 'é', '中', '🙂', '\u202e', '*', '?', '"', '<', '|'];
    for (let i = 0; i < 500; i++) {
      const length = next() % 250;
      let id = '';
      for (let j = 0; j < length; j++) id += alphabet[next() % alphabet.length];
      expectSafe(safeName(id));
    }
  });

  it('names a real file inside its folder, never outside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'traces-names-'));
    try {
      const inner = join(dir, 'inner');
      mkdirSync(inner);
      const ids = ['..', '../x', '/abs', 'a/../..', 'C:\\x', '.'];
      for (const id of ids) writeFileSync(join(inner, `${safeName(id)}.jsonl`), id);
      expect(readdirSync(inner)).toHaveLength(ids.length);
      expect(readdirSync(dir)).toEqual(['inner']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
