import { resolve } from 'node:path';
import { describeSession, type AgentName, type Scope, type SessionInfo } from '../agents/registry.js';
import type { SessionKind } from '../agents/types.js';

export type { SessionKind };

/** Where a session sits in its recursion tree (parent as its adapter locates it, root at most 32 levels up). */
export interface Lineage {
  kind: SessionKind;
  /** The immediate parent's id: from its file when readable, else as the child states it. */
  parentId?: string;
  /** The parent's file. */
  parentPath?: string;
  /** Id of the topmost known ancestor; the session's own id for a root. */
  traceId: string;
  /** How many readable ancestors were walked. */
  depth: number;
  /** Why the walk stopped early: a missing parent, a cycle, or the 32-level limit. */
  problem?: string;
}

export const MAX_DEPTH = 32;

/** Describes each file once, however many children point at it. */
export class InfoCache {
  private readonly infos = new Map<string, SessionInfo | null>();

  constructor(
    private readonly agents: readonly AgentName[],
    readonly scope: Scope,
  ) {}

  set(path: string, info: SessionInfo): void {
    this.infos.set(resolve(path), info);
  }

  get(path: string): SessionInfo | undefined {
    const key = resolve(path);
    let info = this.infos.get(key);
    if (info === undefined) {
      const result = describeSession(key, this.agents, this.scope);
      info = result.ok ? result.info : null;
      this.infos.set(key, info);
    }
    return info ?? undefined;
  }
}

export function resolveLineage(path: string, info: SessionInfo, cache: InfoCache): Lineage {
  const { kind, parentPath } = info;
  if (parentPath === undefined) {
    return info.parentId
      ? { kind, parentId: info.parentId, traceId: info.parentId, depth: 0, problem: `parent ${info.parentId} not found` }
      : { kind, traceId: info.id, depth: 0 };
  }
  const visited = new Set<string>([resolve(path)]);
  let top = info;
  let topId = info.id;
  let parentId = info.parentId;
  let problem: string | undefined;
  let depth = 0;
  for (let next: string | undefined = parentPath; next !== undefined;) {
    if (visited.has(next)) {
      problem = `cycle: ${next} is its own ancestor`;
      break;
    }
    if (depth === MAX_DEPTH) {
      problem = `more than ${MAX_DEPTH} ancestors: stopped at ${next}`;
      break;
    }
    const ancestor = cache.get(next);
    if (ancestor === undefined) {
      problem = `parent ${next} is missing or not a session`;
      // The child may still say who its parent is: the trace is that parent's, as far as known.
      if (top.parentId) topId = top.parentId;
      break;
    }
    visited.add(next);
    if (depth === 0) parentId = ancestor.id;
    top = ancestor;
    topId = ancestor.id;
    depth++;
    next = ancestor.parentPath;
  }
  // The topmost readable ancestor may itself name a parent nobody located.
  if (problem === undefined && top !== info && top.parentPath === undefined && top.parentId) topId = top.parentId;
  return { kind, parentId, parentPath, traceId: topId, depth, problem };
}
