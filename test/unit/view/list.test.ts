import { describe, expect, it } from 'vitest';
import type { ViewQuery, ViewSummary } from '../../../src/contracts/view.js';
import { UsageError } from '../../../src/errors.js';
import { matchesQuery, sortAndPage } from '../../../src/core/view/list.js';
import { summary, tokens } from './summaries.js';

const sessions: ViewSummary[] = [
  summary('s1', {
    title: 'Fix the Parser',
    cwd: '/home/ann/web',
    model: 'claude-sonnet-4-5',
    agent: 'claude-code',
    started_at: '2026-05-01T09:00:00.000Z',
    tags: ['bug', 'parser'],
    tokens: tokens(100, 10),
    cost: 0.5,
    duration_ms: 1000,
  }),
  summary('s2', {
    title: 'Release notes',
    cwd: '/home/ann/web.app',
    model: 'gpt-5-codex',
    agent: 'codex',
    started_at: '2026-05-02T09:00:00.000Z',
    tags: ['docs'],
    tokens: tokens(500, 50),
    cost: null,
    duration_ms: 5000,
  }),
  summary('s3', { title: null, cwd: '/home/ann/web/src', agent: 'codex', started_at: '2026-05-02T23:30:00.000Z', tags: ['bug'] }),
  summary('s3-sub', { parent_session: 's3', kind: 'sub-agent', title: 'parser sub-agent', started_at: '2026-05-02T23:31:00.000Z' }),
  summary('orphan', { parent_session: 'not-stored', kind: 'fork', started_at: '2026-04-01T00:00:00.000Z' }),
  summary('nostart', { started_at: null, ended_at: null, duration_ms: null }),
];

const ids = (query: ViewQuery) => sortAndPage(sessions, { all: true, limit: 100, ...query }).sessions.map((s) => s.session_id);

describe('the list filters', () => {
  it('q: any case, over title, cwd, model, agent, session id and tags', () => {
    expect(ids({ q: 'PARSER' })).toEqual(['s3-sub', 's1']);
    expect(ids({ q: 'web.app' })).toEqual(['s2']);
    expect(ids({ q: 'codex' })).toEqual(['s3', 's2']);
    expect(ids({ q: 'docs' })).toEqual(['s2']);
    expect(ids({ q: 'orph' })).toEqual(['orphan']);
  });

  it('agent, model, cwd (that folder or below), every tag', () => {
    expect(ids({ agent: 'Codex' })).toEqual(['s3', 's2']);
    expect(ids({ model: 'claude-sonnet-4-5' })).toEqual(['s1']);
    expect(ids({ cwd: '/home/ann/web', all: false })).toEqual(['s3', 's1']);
    expect(ids({ cwd: '/home/ann/web/', all: false })).toEqual(['s3', 's1']);
    expect(ids({ tag: ['bug'] })).toEqual(['s3', 's1']);
    expect(ids({ tag: ['bug', 'parser'] })).toEqual(['s1']);
  });

  it('from and to on the start (a date alone as `to` takes in that whole day); bad dates name the field', () => {
    expect(ids({ from: '2026-05-02' })).toEqual(['s3-sub', 's3', 's2']);
    expect(ids({ to: '2026-05-01' })).toEqual(['s1', 'orphan']);
    expect(ids({ from: '2026-05-01T12:00:00Z', to: '2026-05-02T23:30:00Z' })).toEqual(['s2']);
    expect(() => ids({ from: 'yesterday' })).toThrow(UsageError);
    expect(() => ids({ from: 'yesterday' })).toThrow(/^from: "yesterday"/);
  });

  it('roots only unless all: a session whose parent is not stored counts as a root', () => {
    expect(sortAndPage(sessions, {}).sessions.map((s) => s.session_id)).toEqual(['s3', 's2', 's1', 'orphan', 'nostart']);
    expect(matchesQuery(sessions[4]!, {})).toBe(false);
    expect(matchesQuery(sessions[4]!, {}, () => false)).toBe(true);
  });
});

describe('sort and pages', () => {
  it('sorts by start (newest first), tokens, cost, duration; unknown figures last, ties by id', () => {
    expect(ids({})).toEqual(['s3-sub', 's3', 's2', 's1', 'orphan', 'nostart']);
    expect(ids({ sort: 'tokens' })).toEqual(['s2', 's1', 'nostart', 'orphan', 's3', 's3-sub']);
    expect(ids({ sort: 'cost' })).toEqual(['s1', 'nostart', 'orphan', 's2', 's3', 's3-sub']);
    expect(ids({ sort: 'duration' }).slice(0, 2)).toEqual(['s2', 's1']);
    expect(ids({ sort: 'duration' }).at(-1)).toBe('nostart');
  });

  it('pages with cursors until the last page, the total counting every page', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const list = sortAndPage(sessions, { all: true, limit: 4, sort: 'tokens', cursor });
      expect(list.total).toBe(6);
      seen.push(...list.sessions.map((s) => s.session_id));
      if (list.next_cursor === null) break;
      cursor = list.next_cursor;
    }
    expect(seen).toEqual(ids({ sort: 'tokens' }));
  });

  it('a cursor still goes on from the same session after newer sessions were stored', () => {
    const first = sortAndPage(sessions, { all: true, limit: 2 });
    expect(first.sessions.map((s) => s.session_id)).toEqual(['s3-sub', 's3']);
    const grown = [
      ...sessions,
      summary('newest', { started_at: '2026-06-01T00:00:00.000Z' }),
      summary('s25', { started_at: '2026-05-02T12:00:00.000Z' }),
    ];
    const next = sortAndPage(grown, { all: true, limit: 2, cursor: first.next_cursor! });
    // s25 was stored after the first page was read and sorts after it: it is on the next page.
    expect(next.sessions.map((s) => s.session_id)).toEqual(['s25', 's2']);
    expect(next.total).toBe(8);
  });

  it('refuses a cursor it did not give, one of another sort, and a limit out of range', () => {
    expect(() => sortAndPage(sessions, { cursor: 'bogus' })).toThrow(/^cursor: /);
    const byTokens = sortAndPage(sessions, { limit: 1, sort: 'tokens' }).next_cursor!;
    expect(() => sortAndPage(sessions, { cursor: byTokens })).toThrow(/sorted by tokens/);
    expect(() => sortAndPage(sessions, { limit: 0 })).toThrow(UsageError);
    expect(sortAndPage(sessions, { limit: 100 }).next_cursor).toBeNull();
  });
});
