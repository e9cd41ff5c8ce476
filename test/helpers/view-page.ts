import type { ViewItem, ViewPage, ViewSession, ViewSummary, ViewTokens, ViewTreeNode } from '../../src/contracts/view.js';

/** Hand-written view data: a root with a sub-agent, and messages holding hostile text. */
export const ROOT_ID = '0198c3e2-7d1a-7c4e-9f1b-2a3b4c5d6e7f';
export const CHILD_ID = '0198c3e2-7d1a-7c4e-9f1b-aaaaaaaaaaaa';

const tokens = (total: number): ViewTokens => ({ input: total / 2, output: total / 2, cache_read: 0, cache_write: 0, total });

export function summary(id: string, extra: Partial<ViewSummary> = {}): ViewSummary {
  return {
    session_id: id,
    trace_id: ROOT_ID,
    parent_session: null,
    kind: 'root',
    agent: 'prime-agent',
    agent_version: '1.2.3',
    title: `session ${id.slice(-4)}`,
    cwd: '/work/project',
    model: 'claude-sonnet-4',
    started_at: '2025-06-01T10:00:00.000Z',
    ended_at: '2025-06-01T10:05:00.000Z',
    duration_ms: 300_000,
    messages: 2,
    tokens: tokens(1000),
    cost: 0.012,
    sub_agents: 0,
    tags: [],
    bytes: 4096,
    updated: '2025-06-01T10:05:01.000Z',
    problem: null,
    ...extra,
  };
}

export function item(id: string, extra: Partial<ViewItem> = {}): ViewItem {
  return {
    id,
    parent_id: null,
    line: 1,
    timestamp: '2025-06-01T10:00:00.000Z',
    type: 'user',
    text: 'hello',
    thinking: null,
    tools: [],
    model: null,
    usage: null,
    cost: null,
    error: null,
    active: true,
    branches: [],
    ...extra,
  };
}

function node(s: ViewSummary, children: ViewTreeNode[] = []): ViewTreeNode {
  return {
    session_id: s.session_id,
    kind: s.kind,
    agent: s.agent,
    title: s.title,
    tokens: s.tokens,
    cost: s.cost,
    duration_ms: s.duration_ms,
    subtree: { tokens: tokens(2000), cost: 0.024, duration_ms: 300_000, sessions: 1 + children.length },
    children,
  };
}

/** A page of two sessions whose messages hold `text` (a `</script>` by default). */
export function viewPage(text = 'before </script><script>globalThis.pwned = 1</script> after'): ViewPage {
  const root = summary(ROOT_ID, { sub_agents: 1 });
  const child = summary(CHILD_ID, { parent_session: ROOT_ID, kind: 'sub-agent', title: 'the sub-agent' });
  const tree = node(root, [node(child)]);
  const session = (s: ViewSummary, items: ViewItem[]): ViewSession => ({ summary: s, tree, items, max_text: 1_000_000 });
  return {
    generated_at: '2025-06-01T11:00:00.000Z',
    sessions: [
      session(root, [
        item('u1', { text }),
        item('a1', {
          parent_id: 'u1',
          type: 'assistant',
          text: '```js\nconst x = "<b>";\n```',
          thinking: 'thinking <img src=x onerror=alert(1)>',
          tools: [{ id: 't1', name: 'bash', arguments: '{\n  "command": "ls"\n}', result: '\u001b[31mred\u001b[0m', is_error: false }],
        }),
      ]),
      session(child, [item('c1', { text: 'the sub-agent was asked' })]),
    ],
  };
}
