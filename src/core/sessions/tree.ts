import { dirname, resolve, sep } from 'node:path';
import { readHeader, type SessionHeader } from './header.js';

export type SessionKind = 'root' | 'sub-agent' | 'fork';

/** Where a session sits in its recursion tree (parent from `parentSession`, root at most 32 levels up). */
export interface Lineage {
  kind: SessionKind;
  /** Id in the immediate parent's header, when that parent is readable. */
  parentId?: string;
  /** The parent's file, resolved against the child's folder. */
  parentPath?: string;
  /** Id of the topmost readable ancestor; the session's own id for a root. */
  traceId: string;
  /** How many readable ancestors were walked. */
  depth: number;
  /** Why the walk stopped early: a missing parent, a cycle, or the 32-level limit. */
  problem?: string;
}

export const MAX_DEPTH = 32;
const SUB_SEGMENT = /^sub-[0-9a-f]{8}$/i;

/** Reads each header once, however many children point at it. */
export class HeaderCache {
  private readonly headers = new Map<string, SessionHeader | null>();

  set(path: string, header: SessionHeader): void {
    this.headers.set(resolve(path), header);
  }

  get(path: string): SessionHeader | undefined {
    const key = resolve(path);
    let header = this.headers.get(key);
    if (header === undefined) {
      const result = readHeader(key);
      header = result.ok ? result.header : null;
      this.headers.set(key, header);
    }
    return header ?? undefined;
  }
}

export function parentPathOf(path: string, header: SessionHeader): string | undefined {
  const parent = header.parentSession;
  if (typeof parent !== 'string' || parent === '') return undefined;
  return resolve(dirname(resolve(path)), parent);
}

export function sessionKind(path: string, header: SessionHeader): SessionKind {
  if (parentPathOf(path, header) === undefined) return 'root';
  const depth = header.rlmDepth;
  if (typeof depth === 'number' && depth > 0) return 'sub-agent';
  return resolve(path)
    .split(sep)
    .some((segment) => SUB_SEGMENT.test(segment))
    ? 'sub-agent'
    : 'fork';
}

export function resolveLineage(path: string, header: SessionHeader, cache: HeaderCache): Lineage {
  const kind = sessionKind(path, header);
  const parentPath = parentPathOf(path, header);
  if (parentPath === undefined) return { kind, traceId: header.id, depth: 0 };

  const visited = new Set<string>([resolve(path)]);
  let top = header;
  let parentId: string | undefined;
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
      break;
    }
    visited.add(next);
    if (depth === 0) parentId = ancestor.id;
    top = ancestor;
    depth++;
    next = parentPathOf(next, ancestor);
  }
  return { kind, parentId, parentPath, traceId: top.id, depth, problem };
}
