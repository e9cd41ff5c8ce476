import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, type LedgerEntry } from '../../src/core/ledger.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BACKEND = 'https://api.example.com';
const entry = (size: number, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  status: 'uploaded',
  size,
  mtimeMs: 1_790_000_000_000 + size,
  sessionId: `s-${size}`,
  hash: 'ab'.repeat(32),
  bytes: size,
  at: '2026-11-01T10:00:00.000Z',
  ...extra,
});

describe('Ledger', () => {
  it('keeps the changes of a save that failed, so a later save still writes them', async () => {
    const ledger = Ledger.load(dir);
    ledger.set(BACKEND, '/a.jsonl', entry(1));
    // A folder where the file should go: the write fails (as ENOSPC or EACCES would).
    mkdirSync(join(dir, 'ledger.json'));
    await expect(ledger.save()).rejects.toThrow(/ledger/);
    expect(ledger.pending).toBe(1);
    rmSync(join(dir, 'ledger.json'), { recursive: true });
    ledger.set(BACKEND, '/b.jsonl', entry(2));
    await ledger.save();
    expect(Object.keys(Ledger.load(dir).backends()[BACKEND]!).sort()).toEqual(['/a.jsonl', '/b.jsonl']);
  });

  it('starts empty when there is no ledger file, and saving nothing writes nothing', async () => {
    const ledger = Ledger.load(dir);
    expect(ledger.backends()).toEqual({});
    expect(ledger.get(BACKEND, '/a.jsonl')).toBeUndefined();
    expect(ledger.pending).toBe(0);
    await ledger.save();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps what was set across a save and a fresh load', async () => {
    const ledger = Ledger.load(dir);
    ledger.set(BACKEND, '/a.jsonl', entry(10));
    ledger.set(BACKEND, '/b.jsonl', entry(20, { status: 'failed', error: 'HTTP 503' }));
    ledger.set('file:/tmp/store', '/a.jsonl', entry(10));
    expect(ledger.pending).toBe(3);
    expect(ledger.get(BACKEND, '/a.jsonl')).toEqual(entry(10));
    await ledger.save();
    expect(ledger.pending).toBe(0);

    const again = Ledger.load(dir);
    expect(again.get(BACKEND, '/a.jsonl')).toEqual(entry(10));
    expect(again.get(BACKEND, '/b.jsonl')).toMatchObject({ status: 'failed', error: 'HTTP 503' });
    expect(again.get('file:/tmp/store', '/a.jsonl')).toEqual(entry(10));
    expect(Object.keys(again.backends()).sort()).toEqual(['file:/tmp/store', BACKEND]);
  });

  it('keys entries by backend: the same file has a separate entry per backend', async () => {
    const ledger = Ledger.load(dir);
    ledger.set('https://one', '/a.jsonl', entry(1));
    ledger.set('https://two', '/a.jsonl', entry(2, { status: 'too_large' }));
    await ledger.save();
    const again = Ledger.load(dir);
    expect(again.get('https://one', '/a.jsonl')?.size).toBe(1);
    expect(again.get('https://two', '/a.jsonl')?.status).toBe('too_large');
  });

  it('merges two processes that saved different entries: both are kept', async () => {
    const first = Ledger.load(dir);
    const second = Ledger.load(dir);
    first.set(BACKEND, '/a.jsonl', entry(1));
    second.set(BACKEND, '/b.jsonl', entry(2));
    second.set('https://other', '/c.jsonl', entry(3));
    await first.save();
    await second.save();

    const merged = Ledger.load(dir);
    expect(merged.get(BACKEND, '/a.jsonl')?.size).toBe(1);
    expect(merged.get(BACKEND, '/b.jsonl')?.size).toBe(2);
    expect(merged.get('https://other', '/c.jsonl')?.size).toBe(3);
    // The second ledger now also sees what the first one saved.
    expect(second.get(BACKEND, '/a.jsonl')?.size).toBe(1);
  });

  it('merges saves that run at the same time', async () => {
    const ledgers = Array.from({ length: 8 }, () => Ledger.load(dir));
    ledgers.forEach((l, i) => l.set(BACKEND, `/s${i}.jsonl`, entry(i + 1)));
    await Promise.all(ledgers.map((l) => l.save()));
    const merged = Ledger.load(dir);
    for (let i = 0; i < 8; i++) expect(merged.get(BACKEND, `/s${i}.jsonl`)?.size).toBe(i + 1);
  });

  it('a later save of the same entry wins, and saving again without changes keeps others', async () => {
    const first = Ledger.load(dir);
    const second = Ledger.load(dir);
    first.set(BACKEND, '/a.jsonl', entry(1, { status: 'failed' }));
    await first.save();
    second.set(BACKEND, '/a.jsonl', entry(1, { status: 'uploaded' }));
    await second.save();
    await first.save();
    expect(Ledger.load(dir).get(BACKEND, '/a.jsonl')?.status).toBe('uploaded');
  });

  it('a delete is saved, and removes a backend left without entries', async () => {
    const ledger = Ledger.load(dir);
    ledger.set(BACKEND, '/a.jsonl', entry(1));
    ledger.set('https://other', '/b.jsonl', entry(2));
    await ledger.save();
    const other = Ledger.load(dir);
    other.delete(BACKEND, '/a.jsonl');
    expect(other.get(BACKEND, '/a.jsonl')).toBeUndefined();
    await other.save();
    const again = Ledger.load(dir);
    expect(again.get(BACKEND, '/a.jsonl')).toBeUndefined();
    expect(Object.keys(again.backends())).toEqual(['https://other']);
  });

  it.each([
    ['not JSON', '{"version":1,"backends":{"x":'],
    ['the wrong version', '{"version":7,"backends":{}}'],
    ['no backends', '{"version":1}'],
    ['JSON null', 'null'],
    ['empty', ''],
  ])('reads a ledger file that is %s as empty, and rewrites it on save', async (_name, text) => {
    writeFileSync(join(dir, 'ledger.json'), text);
    const ledger = Ledger.load(dir);
    expect(ledger.backends()).toEqual({});
    ledger.set(BACKEND, '/a.jsonl', entry(1));
    await ledger.save();
    expect(JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8'))).toMatchObject({
      version: 1,
      backends: { [BACKEND]: { '/a.jsonl': { size: 1 } } },
    });
  });

  it('writes the file atomically: after saves only ledger.json is left, no temp or lock file', async () => {
    const ledger = Ledger.load(dir);
    for (let i = 0; i < 5; i++) {
      ledger.set(BACKEND, `/s${i}.jsonl`, entry(i + 1));
      await ledger.save();
    }
    expect(readdirSync(dir)).toEqual(['ledger.json']);
    expect(JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8')).version).toBe(1);
  });

  it('creates a missing state folder on save', async () => {
    const nested = join(dir, 'a', 'b');
    const ledger = Ledger.load(nested);
    expect(ledger.path).toBe(join(nested, 'ledger.json'));
    ledger.set(BACKEND, '/a.jsonl', entry(1));
    await ledger.save();
    expect(existsSync(ledger.path)).toBe(true);
  });
});
