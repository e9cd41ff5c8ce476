import { describeSession, Scope, type AgentName, type SessionInfo } from '../agents/registry.js';
import type { Candidate } from './discover.js';
import { dropCopies } from './copies.js';
import { InfoCache, resolveLineage, type Lineage } from './tree.js';

export interface SessionNode {
  path: string;
  info: SessionInfo;
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
export function buildForest(candidates: Candidate[], agents: readonly AgentName[]): SessionNode[] {
  const cache = new InfoCache(agents, new Scope());
  const nodes = new Map<string, SessionNode>();
  const described: { candidate: Candidate; info: SessionInfo }[] = [];
  for (const candidate of candidates) {
    const read = describeSession(candidate.path, agents, cache.scope);
    if (!read.ok) continue;
    cache.set(candidate.path, read.info);
    described.push({ candidate, info: read.info });
  }
  for (const { candidate: c, info } of dropCopies(described).kept) {
    nodes.set(c.path, {
      path: c.path,
      info,
      size: c.size,
      mtimeMs: c.mtimeMs,
      lineage: { kind: 'root', traceId: info.id, depth: 0 },
      children: [],
    });
  }
  const tops: SessionNode[] = [];
  const parentOf = new Map<SessionNode, SessionNode>();
  for (const node of nodes.values()) {
    node.lineage = resolveLineage(node.path, node.info, cache);
    const parentPath = node.info.parentPath;
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
  const byTime = (a: SessionNode, b: SessionNode) => a.info.timestamp.localeCompare(b.info.timestamp) || a.path.localeCompare(b.path);
  const sort = (list: SessionNode[]) => {
    list.sort(byTime);
    for (const n of list) sort(n.children);
  };
  sort(tops);
  return tops;
}
