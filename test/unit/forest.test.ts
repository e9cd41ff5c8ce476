import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import type { Candidate } from '../../src/core/sessions/discover.js';
import { buildForest, type SessionNode } from '../../src/core/sessions/forest.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-forest-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function candidates(...paths: string[]): Candidate[] {
  return paths.map((path) => {
    const st = statSync(path);
    return { path, size: st.size, mtimeMs: st.mtimeMs, explicit: false };
  });
}

function session(name: string, fields: { parentSession?: string; rlmDepth?: number; timestamp?: string } = {}): string {
  return writeSession(join(dir, `${name}.jsonl`), header({ id: uuidFrom(name), ...fields }));
}

/** The forest as nested ids, which is what a reader of `traces tree` sees. */
function shape(nodes: SessionNode[]): unknown[] {
  return nodes.map((n) => (n.children.length ? { [n.info.id]: shape(n.children) } : n.info.id));
}

function count(nodes: SessionNode[]): number {
  return nodes.reduce((n, node) => n + 1 + count(node.children), 0);
}

describe('buildForest', () => {
  it('nests children under their parents, root > sub-agent > grandchild, with the fork beside', () => {
    const home = buildHome(join(dir, 'agent'));
    const forest = buildForest(candidates(home.fork, home.grand, home.child, home.root), ['prime']);
    expect(shape(forest)).toEqual([{ [home.rootId]: [{ [home.childId]: [home.grandId] }, home.forkId] }]);
    const root = forest[0]!;
    expect(root.lineage).toEqual({ kind: 'root', traceId: home.rootId, depth: 0 });
    const [child, fork] = root.children;
    expect(child!.lineage).toMatchObject({ kind: 'sub-agent', parentId: home.rootId, traceId: home.rootId });
    expect(fork!.lineage).toMatchObject({ kind: 'fork', parentId: home.rootId, traceId: home.rootId });
    expect(child!.children[0]!.lineage).toMatchObject({ kind: 'sub-agent', parentId: home.childId, traceId: home.rootId, depth: 2 });
    expect(root.size).toBe(statSync(home.root).size);
  });

  it('puts a child whose parent is not among the files at the top level, with the lineage it can read', () => {
    const home = buildHome(join(dir, 'agent'));
    const forest = buildForest(candidates(home.grand), ['prime']);
    expect(shape(forest)).toEqual([home.grandId]);
    expect(forest[0]!.lineage).toMatchObject({ parentId: home.childId, traceId: home.rootId });
  });

  it('keeps an orphan whose parent file is gone at the top level, with the problem named', () => {
    const root = session('root', { timestamp: '2026-11-01T09:00:00.000Z' });
    const orphan = session('orphan', { parentSession: 'gone.jsonl', timestamp: '2026-11-01T10:00:00.000Z' });
    const forest = buildForest(candidates(orphan, root), ['prime']);
    expect(shape(forest)).toEqual([uuidFrom('root'), uuidFrom('orphan')]);
    expect(forest[1]!.lineage.problem).toMatch(/missing/);
  });

  it('leaves out files that are not sessions', () => {
    const root = session('root');
    const diag = join(dir, 'diagnostics.jsonl');
    writeFileSync(diag, '{"type":"diagnostic","level":"info"}\n');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    expect(shape(buildForest(candidates(diag, root, empty), ['prime']))).toEqual([uuidFrom('root')]);
  });

  it('sorts siblings by header timestamp', () => {
    const late = session('late', { timestamp: '2026-11-03T00:00:00.000Z' });
    const early = session('early', { timestamp: '2026-11-01T00:00:00.000Z' });
    const mid = session('mid', { timestamp: '2026-11-02T00:00:00.000Z' });
    expect(shape(buildForest(candidates(late, early, mid), ['prime']))).toEqual([uuidFrom('early'), uuidFrom('mid'), uuidFrom('late')]);
  });

  it('surfaces the sessions of a cycle A -> B -> A instead of losing them', () => {
    const a = session('a', { parentSession: 'b.jsonl' });
    const b = session('b', { parentSession: 'a.jsonl' });
    const forest = buildForest(candidates(a, b), ['prime']);
    expect(count(forest)).toBe(2);
    expect(forest).toHaveLength(1);
    expect(forest[0]!.children).toHaveLength(1);
    expect(forest[0]!.lineage.problem).toMatch(/cycle/);
  });

  it('surfaces a session that is its own parent', () => {
    const self = session('self', { parentSession: 'self.jsonl' });
    const forest = buildForest(candidates(self), ['prime']);
    expect(shape(forest)).toEqual([uuidFrom('self')]);
  });

  it('keeps the children of a cycle under their parent, whatever order the files come in', () => {
    const a = session('a', { parentSession: 'b.jsonl' });
    const b = session('b', { parentSession: 'a.jsonl' });
    const c = session('c', { parentSession: 'b.jsonl', rlmDepth: 1 });
    for (const order of [
      [a, b, c],
      [c, a, b],
      [c, b, a],
      [b, c, a],
    ]) {
      const forest = buildForest(candidates(...order), ['prime']);
      expect(count(forest)).toBe(3);
      // One cycle, cut once: a single top-level node, and c still hangs under b.
      expect(forest).toHaveLength(1);
      const find = (nodes: SessionNode[], id: string): SessionNode | undefined =>
        nodes.map((n) => (n.info.id === id ? n : find(n.children, id))).find(Boolean);
      expect(find(forest, uuidFrom('b'))!.children.map((n) => n.info.id)).toContain(uuidFrom('c'));
    }
  });

  it('returns nothing for no files', () => {
    expect(buildForest([], ['prime'])).toEqual([]);
  });
});
