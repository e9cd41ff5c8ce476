import { describe, expect, it } from 'vitest';
import type { ViewTreeNode } from '../../../src/contracts/view.js';
import { treeOf } from '../../../src/core/view/tree.js';
import { summary, tokens } from './summaries.js';

const at = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const span = (from: number, to: number) => ({ started_at: at(from), ended_at: at(to), duration_ms: (to - from) * 60_000 });

/**
 * root 10:00-10:30 ($0.10) with two sub-agents: sub-b 10:20-10:25 (no cost recorded) and sub-a
 * 10:05-10:15 ($0.02), which has its own sub-agent grand 10:06-10:08 ($0.01); and a fork of root
 * 10:40-10:50 ($0.05), which went on after the root stopped.
 */
const sessions = [
  summary('root', { ...span(0, 30), tokens: tokens(1000, 100), cost: 0.1 }),
  summary('sub-b', { parent_session: 'root', kind: 'sub-agent', ...span(20, 25), tokens: tokens(30, 3), cost: null }),
  summary('fork', { parent_session: 'root', kind: 'fork', ...span(40, 50), tokens: tokens(500, 50), cost: 0.05 }),
  summary('grand', { parent_session: 'sub-a', kind: 'sub-agent', ...span(6, 8), tokens: tokens(20, 2), cost: 0.01 }),
  summary('sub-a', { parent_session: 'root', kind: 'sub-agent', ...span(5, 15), tokens: tokens(200, 20), cost: 0.02 }),
  summary('other', { ...span(1, 2), tokens: tokens(7, 7) }),
];

const shape = (node: ViewTreeNode): unknown => [node.session_id, node.children.map(shape)];

describe('treeOf', () => {
  it('gives the root with every descendant, children by start time, from any session in it', () => {
    for (const id of ['root', 'sub-a', 'grand', 'fork']) {
      expect(shape(treeOf(sessions, id)!)).toEqual([
        'root',
        [
          ['sub-a', [['grand', []]]],
          ['sub-b', []],
          ['fork', []],
        ],
      ]);
    }
    expect(treeOf(sessions, 'nobody')).toBeUndefined();
  });

  it('rolls up tokens and cost per subtree; duration is the wall-clock span of the subtree', () => {
    const root = treeOf(sessions, 'root')!;
    expect(root).toMatchObject({ tokens: tokens(1000, 100), cost: 0.1, duration_ms: 30 * 60_000 });
    expect(root.subtree).toEqual({ tokens: tokens(1750, 175), cost: 0.18, duration_ms: 50 * 60_000, sessions: 5 });
    const subA = root.children[0]!;
    expect(subA.subtree).toEqual({ tokens: tokens(220, 22), cost: 0.03, duration_ms: 10 * 60_000, sessions: 2 });
    const subB = root.children[1]!;
    expect(subB.subtree).toEqual({ tokens: tokens(30, 3), cost: null, duration_ms: 5 * 60_000, sessions: 1 });
  });

  it('takes a session whose parent is not stored as its own root, and stops at a cycle', () => {
    const orphan = [summary('lost', { parent_session: 'gone', kind: 'fork' }), summary('kid', { parent_session: 'lost' })];
    expect(shape(treeOf(orphan, 'kid')!)).toEqual(['lost', [['kid', []]]]);
    const cycle = [summary('x', { parent_session: 'y' }), summary('y', { parent_session: 'x' }), summary('z', { parent_session: 'z' })];
    expect(shape(treeOf(cycle, 'x')!)).toEqual(['y', [['x', []]]]);
    expect(treeOf(cycle, 'x')!.subtree.sessions).toBe(2);
    expect(shape(treeOf(cycle, 'z')!)).toEqual(['z', []]);
  });
});
