import type { ViewSummary, ViewTreeNode } from '../../contracts/view.js';
import { addCost, addTokens, noTokens } from './figures.js';

/**
 * The recursion tree `sessionId` sits in: its root (followed up by `parent_session`; a session
 * whose parent is not stored is its own root, and a cycle of parents stops at the first session
 * met twice) with every stored descendant (sub-agents and forks), children sorted by start time.
 * Undefined when `sessionId` is not among `summaries`.
 */
export function treeOf(summaries: readonly ViewSummary[], sessionId: string): ViewTreeNode | undefined {
  const byId = new Map(summaries.map((s) => [s.session_id, s]));
  let root = byId.get(sessionId);
  if (!root) return undefined;
  const seen = new Set([root.session_id]);
  for (let up = parentOf(root, byId); up && !seen.has(up.session_id); up = parentOf(up, byId)) {
    seen.add(up.session_id);
    root = up;
  }
  const children = new Map<string, ViewSummary[]>();
  for (const s of summaries) {
    if (s.parent_session === null || s.parent_session === s.session_id) continue;
    const list = children.get(s.parent_session);
    if (list) list.push(s);
    else children.set(s.parent_session, [s]);
  }
  return nodeOf(root, children, new Set()).node;
}

function parentOf(s: ViewSummary, byId: Map<string, ViewSummary>): ViewSummary | undefined {
  return s.parent_session === null ? undefined : byId.get(s.parent_session);
}

/** Built depth first; `placed` keeps a session in one place, so a cycle below the root ends there. */
function nodeOf(s: ViewSummary, children: Map<string, ViewSummary[]>, placed: Set<string>): { node: ViewTreeNode; span?: Span } {
  placed.add(s.session_id);
  const kids = [...(children.get(s.session_id) ?? [])].sort(byStart);
  const nodes: ViewTreeNode[] = [];
  const tokens = addTokens(noTokens(), s.tokens);
  let cost = s.cost;
  let sessions = 1;
  let span = spanOf(s);
  for (const kid of kids) {
    if (placed.has(kid.session_id)) continue;
    const built = nodeOf(kid, children, placed);
    nodes.push(built.node);
    addTokens(tokens, built.node.subtree.tokens);
    cost = addCost(cost, built.node.subtree.cost);
    sessions += built.node.subtree.sessions;
    span = widest(span, built.span);
  }
  const node: ViewTreeNode = {
    session_id: s.session_id,
    kind: s.kind,
    agent: s.agent,
    title: s.title,
    tokens: { ...s.tokens },
    cost: s.cost,
    duration_ms: s.duration_ms,
    // Duration is wall-clock time, not work: sub-agents run inside their parent's time, so a sum
    // would count it twice. The subtree's duration is the span from its earliest start to its
    // latest end: the root's own span when its sub-agents ran within it, and also covering a
    // fork that went on after its parent stopped.
    subtree: { tokens, cost, duration_ms: span ? span.end - span.start : s.duration_ms, sessions },
    children: nodes,
  };
  return { node, span };
}

interface Span {
  start: number;
  end: number;
}

function spanOf(s: ViewSummary): Span | undefined {
  const start = s.started_at === null ? NaN : Date.parse(s.started_at);
  const end = s.ended_at === null ? NaN : Date.parse(s.ended_at);
  if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
  return { start, end: Math.max(start, end) };
}

function widest(a: Span | undefined, b: Span | undefined): Span | undefined {
  if (!a || !b) return a ?? b;
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Earliest start first; unknown starts last; ties by id, so the order is stable. */
export function byStart(a: ViewSummary, b: ViewSummary): number {
  const x = a.started_at === null ? NaN : Date.parse(a.started_at);
  const y = b.started_at === null ? NaN : Date.parse(b.started_at);
  if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
  if (!Number.isNaN(x) && x !== y) return x - y;
  return a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0;
}
