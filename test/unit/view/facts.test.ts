import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHome } from '../../../fixtures/builder.mjs';
import { exportOpencode, opencodeSessionId } from '../../../src/core/agents/opencode/index.js';
import type { ViewTokens } from '../../../src/contracts/view.js';
import { SessionFileError } from '../../../src/errors.js';
import { readSessionFileView, type ViewFacts } from '../../../src/core/view/session.js';
import { writeClaudeHome, type ExpectedSession } from '../../helpers/agent-files/claude.js';
import { writeCodexHome, type CodexFacts } from '../../helpers/agent-files/codex.js';
import { writeGeminiHome, type GeminiExpected } from '../../helpers/agent-files/gemini.js';
import { CHILD, CWD as OPENCODE_CWD, FACTS, LATE, ROOT, writeOpencodeDatabase } from '../../helpers/agent-files/opencode.js';

const dir = mkdtempSync(join(tmpdir(), 'traces-view-facts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const factsOf = async (path: string): Promise<ViewFacts> => (await readSessionFileView(path, { maxText: 1000, items: false })).facts;

/** Usage in the model's spelling as the view spells it. */
const tokens = (u: { input: number; output: number; cacheRead: number; cacheWrite: number; totalTokens: number }): ViewTokens => ({
  input: u.input,
  output: u.output,
  cache_read: u.cacheRead,
  cache_write: u.cacheWrite,
  total: u.totalTokens,
});

describe('the facts of each agent’s sessions, as worked out by hand', () => {
  it('prime-agent: a root, its sub-agent and its fork (tokens and cost of the calls that record them)', async () => {
    const home = buildHome(join(dir, 'prime'), { seed: 'view' });
    // Two turns: user, assistant (usage 1200+i in, 80 out, $0.004), tool result, assistant (no usage).
    const expected = (id: string, kind: string, parent: string | null, start: string) => ({
      session_id: id,
      parent_session: parent,
      kind,
      agent: 'prime-agent',
      title: null,
      cwd: '/work/project',
      model: 'claude-sonnet-4-5',
      started_at: start,
      messages: 6,
      tokens: { input: 2401, output: 160, cache_read: 0, cache_write: 0, total: 2561 },
      cost: 0.008,
    });
    const root = await factsOf(home.root);
    expect(root).toMatchObject(expected(home.rootId, 'root', null, '2026-11-01T10:00:00.000Z'));
    // Entries every second from 10:00:02 to 10:00:09.
    expect(root).toMatchObject({ ended_at: '2026-11-01T10:00:09.000Z', duration_ms: 9000 });
    expect(await factsOf(home.child)).toMatchObject(expected(home.childId, 'sub-agent', home.rootId, '2026-11-01T10:01:00.000Z'));
    expect(await factsOf(home.fork)).toMatchObject(expected(home.forkId, 'fork', home.rootId, '2026-11-01T11:00:00.000Z'));
  });

  it('claude-code: sessions, sub-agents and a continuation; usage as billed, each response once; no cost recorded', async () => {
    const home = writeClaudeHome(join(dir, 'claude'));
    const cases: ExpectedSession[] = [home.main, home.subagent, home.nested, home.oldMain, home.oldSubagent, home.continuation];
    for (const s of cases) {
      const facts = await factsOf(s.path);
      expect(facts, s.path).toMatchObject({
        session_id: s.id,
        parent_session: s.parentId ?? null,
        kind: s.kind,
        agent: 'claude-code',
        agent_version: s.agentVersion,
        cwd: s.cwd,
        started_at: s.timestamp,
        messages: (s.counts.user ?? 0) + (s.counts.assistant ?? 0),
        tokens: tokens(s.usage),
        cost: null,
        title: s.title ?? null,
      });
    }
    // The classic double count (every row's usage added) is not what the view reports.
    expect((await factsOf(home.main.path)).tokens).not.toEqual(tokens(home.mainUsageSummedOverRows));
  });

  it('codex: a root, a spawned child (its copy of the root’s history not counted) and a fork', async () => {
    const home = writeCodexHome(join(dir, 'codex'));
    const cases: CodexFacts[] = [home.root, home.child, home.fork];
    for (const s of cases) {
      expect(await factsOf(s.path), s.path).toMatchObject({
        session_id: s.id,
        parent_session: s.parentId ?? null,
        kind: s.kind,
        agent: 'codex',
        messages: s.counts.user + s.counts.assistant,
        tokens: tokens(s.usage),
        cost: null,
        title: s.title,
        model: s.models.at(-1),
      });
    }
  });

  it('gemini-cli: a chat with a rewind and its sub-agent’s chat; tokens as billed, abandoned branches included', async () => {
    const home = writeGeminiHome(join(dir, 'gemini'));
    const cases: [string, GeminiExpected][] = [
      [home.main, home.expected.main],
      [home.sub, home.expected.sub],
      [home.compressed, home.expected.compressed],
    ];
    for (const [path, s] of cases) {
      expect(await factsOf(path), path).toMatchObject({
        session_id: s.id,
        parent_session: s.parentId ?? null,
        kind: s.kind,
        agent: 'gemini-cli',
        cwd: s.cwd,
        started_at: s.timestamp,
        title: s.title,
        messages: s.messages.user + s.messages.assistant,
        tokens: tokens(s.tokens),
        cost: null,
      });
    }
  });

  it('opencode: sessions exported from its database, with the cost each step recorded', async () => {
    const data = join(dir, 'opencode');
    await writeOpencodeDatabase(data);
    const out = join(dir, 'opencode-export');
    await exportOpencode(data, out);
    for (const id of [ROOT, CHILD, LATE]) {
      const s = FACTS[id]!;
      const facts = await factsOf(join(out, `${id}.jsonl`));
      expect(facts, id).toMatchObject({
        session_id: opencodeSessionId(id),
        parent_session: s.parentId ? opencodeSessionId(s.parentId) : null,
        kind: s.kind,
        agent: 'opencode',
        cwd: OPENCODE_CWD,
        started_at: s.timestamp,
        title: s.title,
        messages: (s.counts.user ?? 0) + (s.counts.assistant ?? 0),
        tokens: tokens(s.totals),
      });
      expect(facts.cost).toBeCloseTo(s.totals.cost, 9);
    }
  });
});

describe('files that are no session', () => {
  it('name the file and the line at fault', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ type: 'session', version: 3, id: '0b8f2a63-4c55-4a0e-9d6f-3e1c2b7a9d10', timestamp: '2026-01-01T00:00:00Z', cwd: '/w' })}\n{oops\n{}\n`,
    );
    await expect(readSessionFileView(bad, { maxText: 100, items: true })).rejects.toThrow(SessionFileError);
    await expect(readSessionFileView(bad, { maxText: 100, items: true })).rejects.toThrow(`${bad}:2`);
    const none = join(dir, 'none.jsonl');
    writeFileSync(none, 'hello\n');
    await expect(readSessionFileView(none, { maxText: 100, items: false })).rejects.toThrow(new RegExp(`^${none}: line 1`));
    await expect(readSessionFileView(join(dir, 'missing.jsonl'), { maxText: 100, items: false })).rejects.toThrow(SessionFileError);
  });
});
