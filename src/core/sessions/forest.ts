import type { Candidate } from './discover.js';
import { readHeader, type SessionHeader } from './header.js';
import { HeaderCache, parentPathOf, resolveLineage, type Lineage } from './tree.js';

export interface SessionNode {
  path: string;
  header: SessionHeader;
  size: number;
  mtimeMs: number;
  lineage: Lineage;
  children: SessionNode[];
}

/**
 * The recursion trees of a set of files: each session hangs under its parent when the parent is
 * among them, else it is a top-level node (a root, or a child whose parent lives elsewhere).
 * Files that are not sessions are left out; sessions on a parent cycle surface as top-level nodes.
 */
export function buildForest(candidates: Candidate[]): SessionNode[] {
  const cache = new HeaderCache();
  const nodes = new Map<string, SessionNode>();
  for (const c of candidates) {
    const read = readHeader(c.path);
    if (!read.ok) continue;
    cache.set(c.path, read.header);
    nodes.set(c.path, {
      path: c.path,
      header: read.header,
      size: c.size,
      mtimeMs: c.mtimeMs,
      lineage: { kind: 'root', traceId: read.header.id, depth: 0 },
      children: [],
    });
  }
  const tops: SessionNode[] = [];
  const parentOf = new Map<SessionNode, SessionNode>();
  for (const node of nodes.values()) {
    node.lineage = resolveLineage(node.path, node.header, cache);
    const parentPath = parentPathOf(node.path, node.header);
    const parent = parentPath === undefined ? undefined : nodes.get(parentPath);
    if (parent) {
      parent.children.push(node);
      parentOf.set(node, parent);
    } else {
      tops.push(node);
    }
  }
  // Sessions on a parent cycle are reached from no top: cut each cycle once, at its first member.
  const reached = new Set<SessionNode>();
  const mark = (node: SessionNode) => {
    if (reached.has(node)) return;
    reached.add(node);
    for (const child of node.children) mark(child);
  };
  tops.forEach(mark);
  for (const start of nodes.values()) {
    if (reached.has(start)) continue;
    // `start` may only hang below a cycle: climb until a node repeats, which is on the cycle.
    const climbed = new Set<SessionNode>();
    let node = start;
    while (!climbed.has(node)) {
      climbed.add(node);
      node = parentOf.get(node)!;
    }
    const parent = parentOf.get(node)!;
    parent.children.splice(parent.children.indexOf(node), 1);
    tops.push(node);
    mark(node);
  }
  const byTime = (a: SessionNode, b: SessionNode) => a.header.timestamp.localeCompare(b.header.timestamp) || a.path.localeCompare(b.path);
  const sort = (list: SessionNode[]) => {
    list.sort(byTime);
    for (const n of list) sort(n.children);
  };
  sort(tops);
  return tops;
}
