import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../../src/core/agents/claude/index.js';
import { Scope, type Entry, type FirstLine, type SessionInfo } from '../../../src/core/agents/types.js';
import { SessionFileError } from '../../../src/errors.js';
import { writeClaudeHome, type ClaudeHome, type ExpectedSession } from '../../helpers/agent-files/claude.js';
import { firstLine } from '../../helpers/agent-files/first-line.js';

type V = Record<string, any>;

let dir: string;
let fx: ClaudeHome;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-claude-'));
  fx = writeClaudeHome(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (value: unknown): FirstLine => ({ value, terminated: true });

function describeOk(path: string, scope = new Scope()): SessionInfo {
  const result = claudeAdapter.describe(path, firstLine(path), scope);
  if (!result.ok) throw new Error(`describe failed: ${result.reason}`);
  return result.info;
}

async function entriesOf(path: string): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const entry of claudeAdapter.entries(path, describeOk(path))) out.push(entry);
  return out;
}

const kindOf = (v: V): string => (v.type === 'message' ? v.message.role : v.type);

function summary(entries: Entry[]) {
  const counts: Record<string, number> = { user: 0, assistant: 0, toolResult: 0, bashExecution: 0, compaction: 0, session_info: 0 };
  const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0 };
  let title: string | undefined;
  for (const { value } of entries) {
    const v = value as V;
    counts[kindOf(v)] = (counts[kindOf(v)] ?? 0) + 1;
    if (kindOf(v) === 'assistant') for (const k of Object.keys(usage) as (keyof typeof usage)[]) usage[k] += v.message.usage[k];
    if (v.type === 'session_info') title = v.name;
  }
  return { counts, usage, title };
}

/** The rules every consumer relies on: a tree by id/parentId, increasing lines, results answering calls on their path. */
function expectValidTree(entries: Entry[]) {
  const byId = new Map<string, V>();
  let last = 1;
  for (const { line: n, value } of entries) {
    const v = value as V;
    expect(n).toBeGreaterThan(last);
    last = n;
    expect(byId.has(v.id), `duplicate id ${v.id}`).toBe(false);
    if (v.parentId !== null) expect(byId.has(v.parentId), `${v.id}'s parent ${v.parentId} is not an earlier entry`).toBe(true);
    expect(typeof v.timestamp).toBe('string');
    byId.set(v.id, v);
    if (kindOf(v) === 'toolResult') {
      const calls = new Set<string>();
      for (let p = byId.get(v.parentId); p; p = p.parentId === null ? undefined : byId.get(p.parentId)) {
        if (kindOf(p) === 'assistant') for (const b of p.message.content) if (b.type === 'toolCall') calls.add(b.id);
      }
      expect(calls.has(v.message.toolCallId), `${v.message.toolCallId} has no call on its path`).toBe(true);
    }
  }
}

const sessions = (): [string, ExpectedSession][] => [
  ['main', fx.main],
  ['new-layout sub-agent', fx.subagent],
  ['nested sub-agent', fx.nested],
  ['older session', fx.oldMain],
  ['old-layout sub-agent', fx.oldSubagent],
  ['continued session', fx.continuation],
];

describe('claudeAdapter.homes and wants', () => {
  it('reads CLAUDE_CONFIG_DIR (one or a comma-separated list), else ~/.claude and the XDG config folder', () => {
    expect(claudeAdapter.homes({ CLAUDE_CONFIG_DIR: '/cfg' }, '/h')).toEqual(['/cfg/projects']);
    expect(claudeAdapter.homes({ CLAUDE_CONFIG_DIR: '/a, /b' }, '/h')).toEqual(['/a/projects', '/b/projects']);
    expect(claudeAdapter.homes({}, '/h')).toEqual(['/h/.claude/projects', '/h/.config/claude/projects']);
    expect(claudeAdapter.homes({ XDG_CONFIG_HOME: '/x' }, '/h')).toEqual(['/h/.claude/projects', '/x/claude/projects']);
  });

  it('wants session files, not a workflow journal or a sidecar', () => {
    expect(claudeAdapter.wants('b7e2c1d0-4a5f-4e8b-9c3d-2f1e0a9b8c7d.jsonl')).toBe(true);
    expect(claudeAdapter.wants('agent-a3f9c2e.jsonl')).toBe(true);
    expect(claudeAdapter.wants('journal.jsonl')).toBe(false);
    expect(claudeAdapter.wants('agent-a3f9c2e.meta.json')).toBe(false);
  });
});

describe('claudeAdapter.recognises', () => {
  it("recognises each fixture's first line", () => {
    for (const [, s] of sessions()) expect(claudeAdapter.recognises(firstLine(s.path), s.path), s.path).toBe(true);
    const starts = [
      { type: 'queue-operation', operation: 'dequeue', timestamp: '2026-06-01T09:00:00.000Z', sessionId: 'x' },
      { type: 'pr-link', sessionId: 'x', prNumber: 12, prUrl: 'https://github.com/a/b/pull/12' },
      { type: 'permission-mode', permissionMode: 'default', sessionId: 'x' },
    ];
    for (const v of starts) expect(claudeAdapter.recognises(line(v), 'f.jsonl')).toBe(true);
  });

  it("never claims prime-agent's, Codex's or Gemini CLI's first lines, or a workflow journal", () => {
    const others = [
      { type: 'session', version: 3, id: 'b7e2c1d0-4a5f-4e8b-9c3d-2f1e0a9b8c7d', timestamp: '2026-06-01T09:00:00.000Z', cwd: '/w' },
      { timestamp: '2026-04-20T08:00:00.120Z', type: 'session_meta', payload: { id: '019d', cwd: '/w', cli_version: '0.125.0' } },
      { timestamp: '2026-04-20T08:00:00.120Z', type: 'response_item', payload: { type: 'message', role: 'user', sessionId: 'x' } },
      {
        sessionId: '3f9c2a1b',
        projectHash: '9f86',
        startTime: '2026-08-20T14:05:11.204Z',
        lastUpdated: '2026-08-20T14:05:11.204Z',
        kind: 'main',
      },
      { id: 'a1', timestamp: '2026-08-20T14:05:20.010Z', type: 'user', content: [{ text: 'Why does the build fail?' }] },
      { type: 'started', key: 'v2:k0', agentId: 'b81d0aa' },
    ];
    for (const v of others) expect(claudeAdapter.recognises(line(v), 'f.jsonl'), JSON.stringify(v)).toBe(false);
    expect(claudeAdapter.recognises({ value: undefined, terminated: true }, 'f.jsonl')).toBe(false);
    expect(claudeAdapter.recognises(line(['user']), 'f.jsonl')).toBe(false);
  });
});

describe('claudeAdapter.describe', () => {
  it.each([0, 1, 2, 3, 4, 5])('gives the facts of each session (%i)', (i) => {
    const [name, s] = sessions()[i]!;
    const info = describeOk(s.path);
    expect(info, name).toEqual({
      agent: 'claude',
      id: s.id,
      kind: s.kind,
      timestamp: s.timestamp,
      cwd: s.cwd,
      agentVersion: s.agentVersion,
      modelId: 'claude-opus-4-7',
      ...(s.branch ? { git: { branch: s.branch } } : {}),
      ...(s.parentId ? { parentId: s.parentId } : {}),
      ...(s.parentPath ? { parentPath: s.parentPath } : {}),
    });
  });

  it('gives every session its own id, sub-agents UUIDs', () => {
    const ids = sessions().map(([, s]) => describeOk(s.path).id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('keeps the parent id of a sub-agent whose parent file is gone, without a parentPath', () => {
    const lone = join(dir, 'lone', 'p', 'agent-77aa.jsonl');
    mkdirSync(join(lone, '..'), { recursive: true });
    writeFileSync(lone, readFileSync(fx.oldSubagent.path));
    const info = describeOk(lone);
    expect(info.parentId).toBe(fx.oldSubagent.parentId);
    expect(info.parentPath).toBeUndefined();
  });

  it('refuses a file with no record naming its session within the first lines, saying so', () => {
    const path = join(dir, 'snapshots-only.jsonl');
    const snap = { type: 'file-history-snapshot', messageId: 'm', snapshot: { trackedFileBackups: {} }, isSnapshotUpdate: false };
    writeFileSync(path, `${JSON.stringify(snap)}\n`.repeat(100));
    const result = claudeAdapter.describe(path, firstLine(path), new Scope());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/sessionId/);
  });
});

describe('claudeAdapter.describe, odd openings', () => {
  const common = { sessionId: 'f1e2d3c4-0000-4000-8000-000000000002', cwd: '/w', version: '2.1.0', isSidechain: false, type: 'user' };
  const describeText = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return claudeAdapter.describe(path, firstLine(path), new Scope());
  };

  it('reads a session whose first prompt holds a pasted image of several MiB', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(5 * 1024 * 1024) } };
    const first = {
      ...common,
      uuid: 'u1',
      parentUuid: null,
      timestamp: '2026-06-01T10:00:00.000Z',
      message: { role: 'user', content: [image] },
    };
    const described = describeText('big-first.jsonl', `${JSON.stringify(first)}\n`);
    expect(described).toMatchObject({ ok: true, info: { id: common.sessionId, cwd: '/w' } });
  });

  it('passes over a broken line before the first record naming the session (reading the entries names it)', () => {
    const first = {
      ...common,
      uuid: 'u1',
      parentUuid: null,
      timestamp: '2026-06-01T10:00:00.000Z',
      message: { role: 'user', content: 'go' },
    };
    const text = `${JSON.stringify({ type: 'summary', summary: 's', leafUuid: 'x' })}\n{not json\n${JSON.stringify(first)}\n`;
    expect(describeText('broken-early.jsonl', text)).toMatchObject({ ok: true, info: { id: common.sessionId } });
  });
});

describe('claudeAdapter.entries', () => {
  it.each([0, 1, 2, 3, 4, 5])('counts what each session holds, and its usage as billed (%i)', async (i) => {
    const [name, s] = sessions()[i]!;
    const entries = await entriesOf(s.path);
    expectValidTree(entries);
    const got = summary(entries);
    expect(got.counts, name).toEqual(s.counts);
    expect(got.usage, name).toEqual(s.usage);
    expect(got.title, name).toBe(s.title);
  });

  it('counts a split response once, at its final usage, neither summed over rows nor the first snapshot', async () => {
    const got = summary(await entriesOf(fx.main.path));
    expect(got.usage).not.toEqual(fx.mainUsageSummedOverRows);
    const first = (await entriesOf(fx.main.path)).find((e) => e.value.id === 'a1')!.value as V;
    expect(first.message.usage).toEqual({ input: 3, output: 312, cacheRead: 22137, cacheWrite: 2285, totalTokens: 24737 });
    expect(first.message.content.map((b: V) => b.type + (b.id ? `:${b.id}` : ''))).toEqual([
      'thinking',
      'toolCall:toolu_1',
      'toolCall:toolu_2',
    ]);
    expect(first.message).toMatchObject({ provider: 'anthropic', model: 'claude-opus-4-7', stopReason: 'toolUse' });
  });

  /** A prompt, then assistant rows of one message.id ([uuid, requestId or undefined, block, output tokens]); its assistant entries. */
  async function rowsOfMsg1(name: string, rows: [string, string | undefined, object, number][]): Promise<V[]> {
    const path = join(dir, name);
    const common = { sessionId: 'f1e2d3c4-0000-4000-8000-000000000001', cwd: '/w', version: '2.1.0', isSidechain: false };
    const usage = (output: number) => ({
      input_tokens: 10,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 0,
      output_tokens: output,
    });
    const lines: object[] = [
      {
        ...common,
        type: 'user',
        uuid: 'u1',
        parentUuid: null,
        timestamp: '2026-06-01T10:00:00.000Z',
        message: { role: 'user', content: 'go' },
      },
    ];
    let parentUuid = 'u1';
    for (const [uuid, requestId, block, output] of rows) {
      const message = { id: 'msg_1', role: 'assistant', model: 'claude-x', content: [block], usage: usage(output) };
      lines.push({
        ...common,
        type: 'assistant',
        uuid,
        parentUuid,
        timestamp: '2026-06-01T10:00:01.000Z',
        ...(requestId ? { requestId } : {}),
        message,
      });
      parentUuid = uuid;
    }
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    return (await entriesOf(path)).map((e) => e.value as V).filter((v) => v.message?.role === 'assistant');
  }

  it('merges rows of one response when only some of them carry its requestId', async () => {
    const assistants = await rowsOfMsg1('mixed-request-ids.jsonl', [
      ['a1', 'req_1', { type: 'thinking', thinking: 'hm' }, 5],
      ['a2', undefined, { type: 'text', text: 'done' }, 80],
    ]);
    expect(assistants).toHaveLength(1);
    expect(assistants[0]!.message.usage).toMatchObject({ input: 10, cacheRead: 1000, output: 80, totalTokens: 1090 });
  });

  it('takes the requestId of a later row for a response whose first row lacked it: a reused message.id stays apart', async () => {
    const text = (t: string) => ({ type: 'text', text: t });
    const assistants = await rowsOfMsg1('late-request-id.jsonl', [
      ['a1', undefined, text('a1'), 5],
      ['a2', 'req_1', text('a2'), 20],
      ['a3', 'req_2', text('a3'), 30],
    ]);
    expect(assistants.map((v) => v.message.usage.totalTokens)).toEqual([1030, 1040]);
  });

  it("does not count the sub-agent's totals from the Task result as the parent's", async () => {
    const got = summary(await entriesOf(fx.main.path));
    expect(got.usage.output).toBe(fx.main.usage.output);
    expect(got.usage.output).toBeLessThan(fx.taskResultUsage.output);
  });

  it('places tool results that arrived between the rows of a response after it, and re-points children of its rows', async () => {
    const entries = await entriesOf(fx.main.path);
    const byId = new Map(entries.map((e) => [e.value.id as string, e.value as V]));
    const order = entries.map((e) => e.value.id);
    expect(order.indexOf('r1')).toBeGreaterThan(order.indexOf('a1'));
    expect(byId.get('r1')!.parentId).toBe('a1');
    expect(byId.get('r2')!.parentId).toBe('a1');
    expect(byId.get('a4')!.parentId).toBe('r2');
    for (const gone of ['a2', 'a3', 'a5', 'p1', 'x1', 'm1', 'cs1', 'b2']) expect(byId.has(gone), gone).toBe(false);
    expect(['r1', 'r2', 'r3'].map((id) => byId.get(id)!.message.toolName)).toEqual(['Bash', 'Read', 'Task']);
    // r3 follows a progress record, a6 an unknown record type: both land on the entry before them.
    expect(byId.get('r3')!.parentId).toBe('a4');
    expect(byId.get('a6')!.parentId).toBe('r3');
    expect(byId.get('r2')!.message.content).toEqual([{ type: 'text', text: 'export function login() {}' }]);
  });

  it('turns a compact boundary and its summary into one compaction on the logical parent', async () => {
    const byId = new Map((await entriesOf(fx.main.path)).map((e) => [e.value.id as string, e.value as V]));
    expect(byId.get('cb1')).toMatchObject({
      type: 'compaction',
      parentId: 'a6',
      tokensBefore: 26186,
      summary: 'This session is being continued from a previous conversation. Summary: the login mock was fixed.',
    });
    expect(byId.get('u2')!.parentId).toBe('cb1');
  });

  it('reads an API error, bash mode, and the title in Anthropic’s order', async () => {
    const entries = await entriesOf(fx.main.path);
    const byId = new Map(entries.map((e) => [e.value.id as string, e.value as V]));
    const error = byId.get('e1')!.message;
    expect(error.stopReason).toBe('error');
    expect(error.errorMessage).toMatch(/^API Error: 529/);
    expect(error.model).toBeUndefined();
    expect(error.usage.totalTokens).toBe(0);
    expect(byId.get('b1')).toMatchObject({
      parentId: 'a8',
      message: { role: 'bashExecution', command: 'git status', output: 'On branch main' },
    });
    const titles = entries.filter((e) => e.value.type === 'session_info').map((e) => e.value.name);
    expect(titles).toEqual(['Fix the login test', 'Login test fix', 'login-fix']);
    const stops = (await entriesOf(fx.continuation.path)).find((e) => kindOf(e.value) === 'assistant')!.value as V;
    expect(stops.message.stopReason).toBe('length');
  });

  it('passes over a torn last line', async () => {
    const strip = (es: Entry[]) => es.map((e) => e.value);
    expect(strip(await entriesOf(fx.torn))).toEqual(strip(await entriesOf(fx.main.path)));
  });

  it('names the file and line of a line that is not JSON in the middle', async () => {
    const { path, line: n } = fx.badJson;
    const read = async () => {
      for await (const _ of claudeAdapter.entries(path, describeOk(fx.main.path))) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(SessionFileError);
    await expect(read()).rejects.toThrow(`${path}:${n}: not valid JSON`);
  });
});
