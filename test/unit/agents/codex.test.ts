import { TokenCounter } from '../../../src/core/agents/codex/usage.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexAdapter } from '../../../src/core/agents/codex/index.js';
import { Scope, type Entry, type SessionInfo } from '../../../src/core/agents/types.js';
import { SessionFileError } from '../../../src/errors.js';
import { writeCodexHome, type CodexFacts, type CodexHome } from '../../helpers/agent-files/codex.js';
import { firstLine } from '../../helpers/agent-files/first-line.js';

let base: string;
let codex: CodexHome;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'traces-codex-'));
  codex = writeCodexHome(base);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function describeOk(path: string, scope = new Scope()): SessionInfo {
  const result = codexAdapter.describe(path, firstLine(path), scope);
  if (!result.ok) throw new Error(result.reason);
  return result.info;
}

async function entriesOf(path: string): Promise<Entry[]> {
  const all: Entry[] = [];
  for await (const e of codexAdapter.entries(path, describeOk(path))) all.push(e);
  return all;
}

type Msg = { role: string; usage?: Record<string, number>; model?: string; content?: unknown };
const message = (e: Entry) => e.value.message as Msg | undefined;

function summary(entries: Entry[]) {
  const counts = { user: 0, assistant: 0, toolResult: 0, session_info: 0, compaction: 0 };
  const usage = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, totalTokens: 0 };
  const models: (string | undefined)[] = [];
  let title: string | undefined;
  for (const e of entries) {
    const m = message(e);
    if (m) counts[m.role as 'user' | 'assistant' | 'toolResult']++;
    else counts[e.value.type as 'session_info' | 'compaction']++;
    if (e.value.type === 'session_info') title = e.value.name as string;
    if (m?.role === 'assistant') {
      models.push(m.model);
      for (const k of Object.keys(usage) as (keyof typeof usage)[]) usage[k] += m.usage![k]!;
    }
  }
  return { counts, usage, models, title };
}

function expectFacts(entries: Entry[], facts: CodexFacts) {
  expect(summary(entries)).toEqual({ counts: facts.counts, usage: facts.usage, models: facts.models, title: facts.title });
}

/** Every parentId names the entry before it; lines strictly increase from 2; ids are unique. */
function expectChain(entries: Entry[]) {
  expect(new Set(entries.map((e) => e.value.id)).size).toBe(entries.length);
  entries.forEach((e, i) => {
    expect(e.line).toBe(i + 2);
    expect(e.value.parentId).toBe(i === 0 ? null : entries[i - 1]!.value.id);
    expect(typeof e.value.timestamp).toBe('string');
  });
}

describe('codex adapter: finding files', () => {
  it('looks in CODEX_HOME (default ~/.codex) for sessions/ and archived_sessions/', () => {
    expect(codexAdapter.homes({}, '/home/ann')).toEqual(['/home/ann/.codex/sessions', '/home/ann/.codex/archived_sessions']);
    expect(codexAdapter.homes({ CODEX_HOME: '/srv/cx' }, '/home/ann')).toEqual(['/srv/cx/sessions', '/srv/cx/archived_sessions']);
  });

  it('wants rollout-*.jsonl only', () => {
    expect(codexAdapter.wants(`rollout-2026-04-20T10-00-00-${codex.root.id}.jsonl`)).toBe(true);
    expect(codexAdapter.wants('session_index.jsonl')).toBe(false);
    expect(codexAdapter.wants(`rollout-2026-04-20T10-00-00-${codex.root.id}.json`)).toBe(false);
  });

  it("recognises a session_meta line 1 and no other agent's first line", () => {
    expect(codexAdapter.recognises(firstLine(codex.root.path), codex.root.path)).toBe(true);
    const others: unknown[] = [
      { type: 'session', version: 3, id: 'x', timestamp: '2026-01-01T00:00:00Z', cwd: '/w' }, // prime-agent
      {
        type: 'user',
        uuid: 'u1',
        parentUuid: null,
        sessionId: 's',
        timestamp: '2026-01-01T00:00:00Z',
        message: { role: 'user', content: 'hi' },
      }, // Claude Code
      { type: 'summary', summary: 'x', leafUuid: 'u' }, // Claude Code
      { sessionId: 's', projectHash: 'h', startTime: '2026-01-01T00:00:00Z', kind: 'main' }, // Gemini CLI
      { type: 'session_meta', payload: { id: 'x' } }, // no timestamp
      { timestamp: '2026-01-01T00:00:00Z', type: 'session_meta', payload: {} }, // no id
      { timestamp: '2026-01-01T00:00:00Z', type: 'turn_context', payload: { model: 'gpt-5' } },
      undefined,
      [1, 2],
    ];
    for (const value of others) expect(codexAdapter.recognises({ value, terminated: true }, '/x.jsonl')).toBe(false);
  });
});

describe('codex adapter: describe', () => {
  it("gives a root's facts from session_meta and the first turn_context", () => {
    expect(describeOk(codex.root.path)).toEqual({
      agent: 'codex',
      id: codex.root.id,
      timestamp: '2026-04-20T08:00:00.000Z',
      cwd: '/home/ann/web.app',
      agentVersion: '0.125.0',
      modelId: 'gpt-5.4',
      git: { commit: '3e1f9a0', branch: 'main', repoUrl: 'git@github.com:ann/web.git' },
      kind: 'root',
    });
  });

  it('finds the parent of a spawned child and of a fork by thread id, preferring sessions/ over archived_sessions/', () => {
    const scope = new Scope();
    for (const facts of [codex.child, codex.fork]) {
      const info = describeOk(facts.path, scope);
      expect({ kind: info.kind, parentId: info.parentId, parentPath: info.parentPath }).toEqual({
        kind: facts.kind,
        parentId: facts.parentId,
        parentPath: facts.parentPath,
      });
    }
    expect(codex.fork.parentPath).not.toBe(codex.rootArchivedCopy);
  });

  it('keeps the parent id when the parent file is not under the same home', () => {
    const info = describeOk(codex.orphanFork.path);
    expect(info).toMatchObject({ kind: 'fork', parentId: codex.root.id });
    expect(info.parentPath).toBeUndefined();
  });

  it('refuses a session_meta without cwd, naming the line', () => {
    const path = join(base, 'no-cwd.jsonl');
    writeFileSync(path, JSON.stringify({ timestamp: '2026-04-20T08:00:00.000Z', type: 'session_meta', payload: { id: 'abc' } }) + '\n');
    expect(codexAdapter.describe(path, firstLine(path), new Scope())).toEqual({ ok: false, reason: `${path}:1: session_meta has no cwd` });
  });
});

describe('codex adapter: entries', () => {
  it('reads a root thread: one assistant entry per billed call, tool results, prompts, title, compaction', async () => {
    const entries = await entriesOf(codex.root.path);
    expectChain(entries);
    expectFacts(entries, codex.root);
    const first = message(entries.find((e) => message(e)?.role === 'assistant')!)!;
    expect(first.content).toEqual([
      { type: 'thinking', thinking: '**Running tests**' },
      { type: 'toolCall', id: 'call_1', name: 'exec_command', arguments: { cmd: 'npm test' } },
      { type: 'toolCall', id: 'call_2', name: 'exec_command', arguments: { cmd: 'git status' } },
    ]);
    expect(first.usage).toEqual({ input: 2000, output: 300, cacheRead: 10000, cacheWrite: 0, totalTokens: 12300 });
    const results = entries.filter((e) => message(e)?.role === 'toolResult').map((e) => e.value.message);
    expect(results).toEqual([
      expect.objectContaining({
        toolCallId: 'call_1',
        toolName: 'exec_command',
        content: [{ type: 'text', text: '1 failing' }],
        isError: false,
      }),
      expect.objectContaining({ toolCallId: 'call_2', content: [{ type: 'text', text: 'nothing to commit' }] }),
      expect.objectContaining({ toolCallId: 'call_3', toolName: 'apply_patch', content: [{ type: 'text', text: 'Success' }] }),
      expect.objectContaining({ toolCallId: 'call_4' }),
    ]);
    const calls = entries
      .filter((e) => message(e)?.role === 'assistant')
      .flatMap((e) => (message(e)!.content as { type: string }[]).filter((b) => b.type === 'toolCall'));
    expect(calls).toContainEqual({
      type: 'toolCall',
      id: 'call_3',
      name: 'apply_patch',
      arguments: { input: '*** Begin Patch\n*** End Patch' },
    });
    expect(calls).toContainEqual({ type: 'toolCall', id: 'call_4', name: 'exec_command', arguments: { input: 'not json{' } });
    // Prompts come once each (the user_message events), never the injected environment context.
    expect(entries.filter((e) => message(e)?.role === 'user').map((e) => message(e)!.content)).toEqual([
      'Fix the login test',
      'Now tidy up',
    ]);
    expect(entries.find((e) => e.value.type === 'compaction')!.value.summary).toBe('Summary: the login test was fixed.');
  });

  it('gives the same entries every time (deterministic ids)', async () => {
    expect(await entriesOf(codex.root.path)).toEqual(await entriesOf(codex.root.path));
  });

  it("counts none of a spawned child's copy of its parent's history", async () => {
    const entries = await entriesOf(codex.child.path);
    expectChain(entries);
    expectFacts(entries, codex.child);
  });

  it("counts none of a fork's copy of its parent's history", async () => {
    const entries = await entriesOf(codex.fork.path);
    expectChain(entries);
    expectFacts(entries, codex.fork);
  });

  it("tells a fork's copy by its write time when the parent's file is missing", async () => {
    const entries = await entriesOf(codex.orphanFork.path);
    expectChain(entries);
    expectFacts(entries, codex.orphanFork);
  });

  it('passes over a torn last line', async () => {
    const entries = await entriesOf(codex.torn.path);
    expectFacts(entries, codex.torn);
  });

  it('throws a SessionFileError naming the file and line for bad JSON before the end', async () => {
    const text = readFileSync(codex.root.path, 'utf8').split('\n');
    text.splice(4, 0, '{"timestamp": oops');
    const path = join(base, 'broken', `rollout-2026-04-20T10-00-00-${codex.root.id}.jsonl`);
    rmSync(join(base, 'broken'), { recursive: true, force: true });
    mkdirSync(join(base, 'broken'));
    writeFileSync(path, text.join('\n'));
    const run = entriesOf(path);
    await expect(run).rejects.toBeInstanceOf(SessionFileError);
    await expect(run).rejects.toThrow(`${path}:5: not valid JSON`);
  });
});

describe('codex token counting', () => {
  const count = (input: number, cached: number, output: number, lane?: string) => ({
    type: 'token_count',
    info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output, total_tokens: input + output } },
    rate_limits: lane === undefined ? null : { limit_id: lane },
  });

  it('counts each rate-limit lane from its own base when their token_counts interleave', () => {
    const counter = new TokenCounter();
    const calls = [
      count(1000, 900, 50, 'codex'),
      count(800, 700, 20, 'codex_bengalfox'),
      count(2000, 1800, 100, 'codex'),
      count(2000, 1800, 100, 'codex'), // re-sent on a rate-limit update: nothing new
    ].map((p) => counter.next(p));
    const billed = calls.filter(Boolean).map((u) => u!.totalTokens);
    expect(billed).toEqual([1050, 820, 1050]);
  });

  it('gives a token_count that names no lane to the lane whose totals it continues', () => {
    const totals = (specs: [number, string | undefined][]) => {
      const counter = new TokenCounter();
      return specs.reduce((n, [total, lane]) => n + (counter.next(count(total, 0, 0, lane))?.totalTokens ?? 0), 0);
    };
    // codex 100, unnamed 110 (codex's), other 50, unnamed 120 (codex's), codex 130: 100 + 10 + 50 + 10 + 10.
    expect(
      totals([
        [100, 'codex'],
        [110, undefined],
        [50, 'other'],
        [120, undefined],
        [130, 'codex'],
      ]),
    ).toBe(180);
    // Before any lane: 100 (codex's, which later goes on from it), other 50, codex 150: 100 + 50 + 50.
    expect(
      totals([
        [100, undefined],
        [50, 'other'],
        [150, 'codex'],
      ]),
    ).toBe(200);
  });

  it('keeps one lane for files that name none, and for totals seen before the first lane was named', () => {
    const counter = new TokenCounter();
    const calls = [count(1000, 0, 10), count(2000, 0, 20, 'codex'), count(3000, 0, 30)].map((p) => counter.next(p));
    expect(calls.map((u) => u?.totalTokens)).toEqual([1010, 1010, 1010]);
  });
});
