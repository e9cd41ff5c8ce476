import type { ViewSummary } from '../../../src/contracts/view.js';

/** A stored session as the list shows it, with figures a test sets and the rest plain. */
export function summary(id: string, more: Partial<ViewSummary> = {}): ViewSummary {
  return {
    session_id: id,
    trace_id: id,
    parent_session: null,
    kind: 'root',
    agent: 'prime-agent',
    agent_version: null,
    title: null,
    cwd: '/work/project',
    model: null,
    started_at: '2026-01-01T00:00:00.000Z',
    ended_at: '2026-01-01T00:00:00.000Z',
    duration_ms: 0,
    messages: 0,
    tokens: { input: 0, output: 0, cache_read: 0, cache_write: 0, total: 0 },
    cost: null,
    sub_agents: 0,
    tags: [],
    bytes: 0,
    updated: '2026-01-01T00:00:00.000Z',
    problem: null,
    ...more,
  };
}

export const tokens = (input: number, output: number) => ({ input, output, cache_read: 0, cache_write: 0, total: input + output });
