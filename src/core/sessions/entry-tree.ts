import { readEntries, type SessionInfo } from '../agents/registry.js';
import { titleAfter } from './title.js';

/** What an entry is, as far as the event view cares. */
export type EntryKind = 'user' | 'assistant' | 'toolResult' | 'bashExecution' | 'context' | 'compaction' | 'branch_summary' | 'other';

/** The small facts kept per entry: no content, so a large session costs only its tree. */
export interface TreeNode {
  line: number;
  kind: EntryKind;
  parent?: string;
  /** Entries between this one and the root. */
  depth: number;
  /** The key of the first entry of this entry's branch (see {@link EntryTree}). */
  branch: string;
  /** The nearest user message on the path, this entry included: the turn it belongs to. */
  turn?: string;
  /** The thinking level in effect here: the last `thinking_level_change` on the path. */
  thinking?: string;
  /** A compaction: the first kept entry, when it is on the compaction's own path. */
  firstKept?: string;
  /** A tool result: the nearest assistant message on its path (the call it answers). */
  caller?: string;
  /** The last line whose event needs this entry's message (in a `chat_history`). */
  neededUntil?: number;
  /** An assistant message: the last line of a tool result that answers it. */
  callsUntil?: number;
  /** A user message: the last line of its turn. */
  turnEnd?: number;
  hasChild?: boolean;
}

/**
 * A session file read once for its shape: every entry's parent, branch and turn, the active path
 * and the session-level facts. A session file is a tree (`parentId`); the active path is the path
 * from the last entry back to the root (what the agent resumes from).
 *
 * Branches: an entry's first child in file order continues its branch, every later child starts a
 * new branch named after its own key. The file only grows, so an entry's branch never changes once
 * it is written; which branches are on the active path does.
 *
 * Keys are entry ids; entries without one (version 1 files) are keyed `L<line>` and each is the
 * child of the entry before it, as the agent's own migration does.
 */
export interface EntryTree {
  info: SessionInfo;
  nodes: Map<string, TreeNode>;
  /** The last entry's key, the leaf of the active path. */
  leaf?: string;
  active: Set<string>;
  /** Per branch on the active path: the depth of its last entry on that path. */
  activePath: Record<string, number>;
  /** Every branch and the entry it forks from (null: a root). */
  branches: Record<string, string | null>;
  /** Labels the user put on entries, by entry key (the last label entry for a target wins; empty clears). */
  labels: Record<string, string>;
  title?: string;
  firstTime?: number;
  lastTime?: number;
  /** The last line read: a later pass stops here, whatever was appended meanwhile. */
  lastLine: number;
}

export async function scanEntryTree(path: string, info: SessionInfo): Promise<EntryTree> {
  const entries = readEntries(path, info);
  const nodes = new Map<string, TreeNode>();
  const labels: Record<string, string> = {};
  const branches: Record<string, string | null> = {};
  let previous: string | undefined;
  let title: string | undefined;
  let firstTime: number | undefined;
  let lastTime: number | undefined;
  let lastLine = 1;
  for await (const { value, line } of entries) {
    lastLine = line;
    const at = timeOf(value);
    if (at !== undefined) {
      firstTime ??= at;
      lastTime = at;
    }
    title = titleAfter(title, value);
    const key = entryKey(value, line);
    const parentKey = typeof value.id === 'string' ? (typeof value.parentId === 'string' ? value.parentId : undefined) : previous;
    const parent = parentKey === undefined ? undefined : nodes.get(parentKey);
    const kind = kindOf(value);
    const node: TreeNode = { line, kind, depth: parent ? parent.depth + 1 : 0, branch: key };
    if (parent) {
      node.parent = parentKey;
      if (!parent.hasChild) node.branch = parent.branch;
      parent.hasChild = true;
      node.turn = parent.turn;
      node.thinking = parent.thinking;
    }
    if (node.branch === key) branches[key] = parent ? parentKey! : null;
    if (kind === 'user') node.turn = key;
    if (value.type === 'thinking_level_change' && typeof value.thinkingLevel === 'string') node.thinking = value.thinkingLevel;
    if (kind === 'compaction') node.firstKept = keptOnPath(nodes, parentKey, firstKeptKey(value));
    if (value.type === 'label' && typeof value.targetId === 'string') {
      if (typeof value.label === 'string' && value.label) labels[value.targetId] = value.label;
      else delete labels[value.targetId];
    }
    nodes.set(key, node);
    if (node.turn !== undefined) nodes.get(node.turn)!.turnEnd = line;
    if (kind === 'assistant') for (const k of historyKeys(nodes, parentKey)) nodes.get(k)!.neededUntil = line;
    if (kind === 'toolResult') {
      node.caller = nearestAssistant(nodes, parentKey);
      if (node.caller !== undefined) nodes.get(node.caller)!.callsUntil = line;
    }
    previous = key;
  }
  const active = new Set<string>();
  const activePath: Record<string, number> = {};
  for (let k = previous; k !== undefined && !active.has(k); k = nodes.get(k)?.parent) {
    const node = nodes.get(k);
    if (!node) break;
    active.add(k);
    activePath[node.branch] = Math.max(activePath[node.branch] ?? 0, node.depth);
  }
  return { info, nodes, leaf: previous, active, activePath, branches, labels, title, firstTime, lastTime, lastLine };
}

/**
 * The keys whose messages a model call made after `from` saw for the first time: its context (as
 * the agent builds it) after the last assistant message in it. A compaction in that stretch
 * stands for its summary, which the agent puts first, followed by the kept entries.
 */
export function historyKeys(nodes: Map<string, TreeNode>, from: string | undefined): string[] {
  const after: string[] = [];
  let compaction: string | undefined;
  for (let k = from; k !== undefined;) {
    const node = nodes.get(k);
    if (!node || node.kind === 'assistant') return after.reverse();
    if (node.kind === 'compaction') {
      compaction = k;
      break;
    }
    if (inContext(node)) after.push(k);
    k = node.parent;
  }
  if (compaction === undefined) return after.reverse();
  const cut = nodes.get(compaction)!;
  const kept: string[] = [];
  if (cut.firstKept !== undefined) {
    for (let k = cut.parent; k !== undefined;) {
      const node = nodes.get(k)!;
      if (node.kind === 'assistant') return [...kept.reverse(), ...after.reverse()];
      if (inContext(node)) kept.push(k);
      if (k === cut.firstKept) break;
      k = node.parent;
    }
  }
  return [compaction, ...kept.reverse(), ...after.reverse()];
}

/** Entries that put a message in the model's context (the agent's buildSessionContext). */
function inContext(node: TreeNode): boolean {
  return (
    node.kind === 'user' ||
    node.kind === 'toolResult' ||
    node.kind === 'bashExecution' ||
    node.kind === 'context' ||
    node.kind === 'branch_summary'
  );
}

function nearestAssistant(nodes: Map<string, TreeNode>, from: string | undefined): string | undefined {
  for (let k = from; k !== undefined;) {
    const node = nodes.get(k);
    if (!node) return undefined;
    if (node.kind === 'assistant') return k;
    if (node.kind !== 'toolResult') return undefined;
    k = node.parent;
  }
  return undefined;
}

/** The first kept entry, if it lies on the compaction's path (the agent keeps nothing otherwise). */
function keptOnPath(nodes: Map<string, TreeNode>, from: string | undefined, wanted: string | undefined): string | undefined {
  if (wanted === undefined) return undefined;
  for (let k = from; k !== undefined; k = nodes.get(k)?.parent) if (k === wanted) return k;
  return undefined;
}

/** Version 1 compactions name the first kept entry by its index among the file's lines. */
function firstKeptKey(value: Record<string, unknown>): string | undefined {
  if (typeof value.firstKeptEntryId === 'string') return value.firstKeptEntryId;
  return typeof value.firstKeptEntryIndex === 'number' ? `L${value.firstKeptEntryIndex + 1}` : undefined;
}

export function entryKey(value: Record<string, unknown>, line: number): string {
  return typeof value.id === 'string' ? value.id : `L${line}`;
}

function kindOf(value: Record<string, unknown>): EntryKind {
  switch (value.type) {
    case 'message': {
      const message = value.message;
      if (typeof message !== 'object' || message === null) return 'other';
      const role = (message as Record<string, unknown>).role;
      return role === 'user' || role === 'assistant' || role === 'toolResult' || role === 'bashExecution' ? role : 'context';
    }
    case 'custom_message':
      return 'context';
    case 'compaction':
      return 'compaction';
    case 'branch_summary':
      return typeof value.summary === 'string' && value.summary ? 'branch_summary' : 'other';
    default:
      return 'other';
  }
}

/** Milliseconds of an entry: its ISO timestamp, else the message's numeric one. */
export function timeOf(value: Record<string, unknown>): number | undefined {
  if (typeof value.timestamp === 'string') {
    const t = Date.parse(value.timestamp);
    if (!Number.isNaN(t)) return t;
  }
  const message = value.message;
  const inner = typeof message === 'object' && message !== null ? (message as Record<string, unknown>).timestamp : undefined;
  return typeof inner === 'number' ? inner : undefined;
}
