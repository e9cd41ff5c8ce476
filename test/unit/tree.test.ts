import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, hex8, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { readHeader, type SessionHeader } from '../../src/core/sessions/header.js';
import { InfoCache, MAX_DEPTH, resolveLineage } from '../../src/core/sessions/tree.js';
import { parentPathOf, primeInfo, sessionKind } from '../../src/core/agents/prime.js';
import { Scope } from '../../src/core/agents/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-tree-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Made {
  path: string;
  id: string;
  header: SessionHeader;
}

/** Writes a session named `name` at `path` (relative to the temp dir) with optional header fields. */
function make(name: string, path: string, fields: { parentSession?: string; rlmDepth?: number } = {}): Made {
  const id = uuidFrom(name);
  const full = join(dir, path);
  const head = header({ id, ...fields });
  writeSession(full, head);
  return { path: full, id, header: head as SessionHeader };
}

function lineage(s: Made, cache = new InfoCache(['prime'], new Scope())) {
  return resolveLineage(s.path, primeInfo(s.path, s.header), cache);
}

describe('resolveLineage', () => {
  it('a root is its own trace, with no parent', () => {
    const root = make('root', 'sessions/root.jsonl');
    expect(lineage(root)).toEqual({ kind: 'root', traceId: root.id, depth: 0 });
  });

  it('follows an absolute parentSession path', () => {
    const root = make('root', 'sessions/root.jsonl');
    const child = make('child', `session-artifacts/r/sub-${hex8('a')}/child.jsonl`, { parentSession: root.path, rlmDepth: 1 });
    expect(lineage(child)).toMatchObject({ kind: 'sub-agent', parentId: root.id, parentPath: root.path, traceId: root.id, depth: 1 });
    expect(lineage(child).problem).toBeUndefined();
  });

  it('resolves a relative parentSession against the child folder, not the working directory', () => {
    const root = make('root', 'sessions/root.jsonl');
    const child = make('child', 'a/b/child.jsonl', { parentSession: relative(join(dir, 'a/b'), root.path) });
    const grand = make('grand', 'a/b/c/grand.jsonl', { parentSession: '../child.jsonl', rlmDepth: 2 });
    expect(lineage(grand)).toMatchObject({ parentId: child.id, parentPath: child.path, traceId: root.id, depth: 2 });
    expect(parentPathOf(grand.path, grand.header)).toBe(child.path);
  });

  it('a missing parent is a problem, and the session is then its own trace', () => {
    const orphan = make('orphan', 'x/orphan.jsonl', { parentSession: '../gone.jsonl' });
    const result = lineage(orphan);
    expect(result.traceId).toBe(orphan.id);
    expect(result.parentId).toBeUndefined();
    expect(result.depth).toBe(0);
    expect(result.problem).toMatch(/missing or not a session/);
  });

  it('stops at a parent that is not a session and keeps the ancestors walked so far', () => {
    writeSession(join(dir, 'bad.jsonl'), { type: 'message', id: 'nope' });
    const mid = make('mid', 'mid.jsonl', { parentSession: 'bad.jsonl' });
    const leaf = make('leaf', 'leaf.jsonl', { parentSession: 'mid.jsonl' });
    expect(lineage(leaf)).toMatchObject({ parentId: mid.id, traceId: mid.id, depth: 1, problem: expect.stringMatching(/bad\.jsonl/) });
  });

  it('detects a cycle A -> B -> A instead of following it', () => {
    const a = make('a', 'a.jsonl', { parentSession: 'b.jsonl' });
    const b = make('b', 'b.jsonl', { parentSession: 'a.jsonl' });
    const result = lineage(a);
    expect(result.problem).toMatch(/cycle/);
    expect(result.parentId).toBe(b.id);
    expect(result.depth).toBe(1);
  });

  it('detects a session that names itself as its parent', () => {
    const self = make('self', 'self.jsonl', { parentSession: 'self.jsonl' });
    expect(lineage(self)).toMatchObject({ traceId: self.id, depth: 0, problem: expect.stringMatching(/cycle/) });
  });

  it(`walks at most ${MAX_DEPTH} ancestors of a 40-level chain`, () => {
    expect(MAX_DEPTH).toBe(32);
    const chain: Made[] = [make('level-0', 'l0.jsonl')];
    for (let i = 1; i <= 40; i++) chain.push(make(`level-${i}`, `l${i}.jsonl`, { parentSession: `l${i - 1}.jsonl` }));
    const leaf = chain[40]!;
    const result = lineage(leaf);
    expect(result.depth).toBe(32);
    expect(result.parentId).toBe(chain[39]!.id);
    expect(result.traceId).toBe(chain[40 - 32]!.id);
    expect(result.problem).toMatch(/more than 32 ancestors/);
    // A chain of exactly 32 ancestors reaches its root without a problem.
    const at32 = lineage(chain[32]!);
    expect(at32).toMatchObject({ traceId: chain[0]!.id, depth: 32 });
    expect(at32.problem).toBeUndefined();
  });
});

describe('sessionKind', () => {
  it('a session without parentSession is a root, whatever its rlmDepth', () => {
    const s = make('r', 'sessions/r.jsonl', { rlmDepth: 3 });
    expect(sessionKind(s.path, s.header)).toBe('root');
  });

  it('rlmDepth > 0 marks a sub-agent', () => {
    const s = make('s', 'sessions/s.jsonl', { parentSession: 'r.jsonl', rlmDepth: 1 });
    expect(sessionKind(s.path, s.header)).toBe('sub-agent');
  });

  it('a sub-XXXXXXXX folder marks a sub-agent even without rlmDepth', () => {
    const s = make('s', `session-artifacts/p/sub-${hex8('x')}/s.jsonl`, { parentSession: '/elsewhere/p.jsonl' });
    expect(sessionKind(s.path, s.header)).toBe('sub-agent');
  });

  it('anything else with a parent is a fork', () => {
    const fork = make('f', 'sessions/f.jsonl', { parentSession: 'r.jsonl' });
    const zero = make('z', 'sessions/z.jsonl', { parentSession: 'r.jsonl', rlmDepth: 0 });
    const near = make('n', 'sub-notahex/n.jsonl', { parentSession: 'r.jsonl' });
    const short = make('s', 'sub-abc/s.jsonl', { parentSession: 'r.jsonl' });
    for (const s of [fork, zero, near, short]) expect(sessionKind(s.path, s.header)).toBe('fork');
  });

  it('an empty parentSession counts as none', () => {
    const s = make('e', 'e.jsonl', { parentSession: '' });
    expect(sessionKind(s.path, s.header)).toBe('root');
    expect(lineage(s)).toEqual({ kind: 'root', traceId: s.id, depth: 0 });
  });
});

describe('InfoCache', () => {
  it('reads each header once, even after the file changes or disappears', () => {
    const s = make('cached', 'c.jsonl');
    const cache = new InfoCache(['prime'], new Scope());
    expect(cache.get(s.path)?.id).toBe(s.id);
    rmSync(s.path);
    expect(cache.get(s.path)?.id).toBe(s.id);
    expect(cache.get(join(dir, '.', 'c.jsonl'))?.id).toBe(s.id);
  });

  it('remembers a missing file as missing', () => {
    const cache = new InfoCache(['prime'], new Scope());
    const path = join(dir, 'later.jsonl');
    expect(cache.get(path)).toBeUndefined();
    make('later', 'later.jsonl');
    expect(cache.get(path)).toBeUndefined();
  });

  it('serves headers put into it without reading', () => {
    const cache = new InfoCache(['prime'], new Scope());
    const fake = primeInfo(join(dir, 'virtual.jsonl'), header({ id: 'from-cache' }) as SessionHeader);
    cache.set(join(dir, 'virtual.jsonl'), fake);
    expect(cache.get(join(dir, 'virtual.jsonl'))).toBe(fake);
    expect(readHeader(join(dir, 'virtual.jsonl')).ok).toBe(false);
  });
});
