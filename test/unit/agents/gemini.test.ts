import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { geminiAdapter } from '../../../src/core/agents/gemini/index.js';
import { Scope, type Entry, type SessionInfo } from '../../../src/core/agents/types.js';
import { SessionFileError } from '../../../src/errors.js';
import { ids, writeGeminiHome, type GeminiExpected, type GeminiHome } from '../../helpers/agent-files/gemini.js';
import { firstLine } from '../../helpers/agent-files/first-line.js';

let dir: string;
let home: GeminiHome;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-gemini-'));
  home = writeGeminiHome(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function describeFile(path: string, scope = new Scope()) {
  return geminiAdapter.describe(path, firstLine(path), scope);
}

function info(path: string): SessionInfo {
  const result = describeFile(path);
  if (!result.ok) throw new Error(result.reason);
  return result.info;
}

async function entriesOf(path: string): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const entry of geminiAdapter.entries(path, info(path))) out.push(entry);
  return out;
}

type Message = { role: string; usage?: Record<string, number>; content?: unknown; toolCallId?: string; isError?: boolean };
const message = (e: Entry) => (e.value.type === 'message' ? (e.value.message as Message) : undefined);

/** Checks the tree rules every consumer relies on, and returns what the expected facts name. */
function facts(entries: Entry[]) {
  const seen = new Map<string, Entry>();
  let line = 1;
  for (const e of entries) {
    expect(e.line).toBeGreaterThan(line);
    line = e.line;
    const { id, parentId } = e.value as { id: string; parentId: string | null };
    expect(seen.has(id)).toBe(false);
    if (parentId !== null) expect(seen.has(parentId)).toBe(true);
    seen.set(id, e);
  }
  const pathTo = (id: string | null) => {
    const path: Entry[] = [];
    for (let k = id; k !== null; k = seen.get(k)!.value.parentId as string | null) path.push(seen.get(k)!);
    return path;
  };
  for (const e of entries) {
    const m = message(e);
    if (m?.role !== 'toolResult') continue;
    const calls = pathTo(e.value.parentId as string | null).flatMap(
      (p) => (message(p)?.content as { type: string; id?: string }[] | undefined) ?? [],
    );
    expect(calls.some((b) => b.type === 'toolCall' && b.id === m.toolCallId)).toBe(true);
  }
  const count = (list: Entry[], role: string) => list.filter((e) => message(e)?.role === role).length;
  const active = pathTo(entries.at(-1)!.value.id as string);
  const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0 };
  for (const e of entries) {
    const usage = message(e)?.role === 'assistant' ? message(e)!.usage! : undefined;
    if (usage) for (const k of Object.keys(tokens) as (keyof typeof tokens)[]) tokens[k] += usage[k]!;
  }
  const titles = entries.filter((e) => e.value.type === 'session_info');
  return {
    entries: entries.length,
    messages: { user: count(entries, 'user'), assistant: count(entries, 'assistant'), toolResult: count(entries, 'toolResult') },
    activePath: { user: count(active, 'user'), assistant: count(active, 'assistant') },
    compactions: entries.filter((e) => e.value.type === 'compaction').length,
    tokens,
    title: titles.at(-1)?.value.name,
  };
}

function expectedFacts(x: GeminiExpected) {
  const { entries, messages, activePath, compactions, tokens, title } = x;
  return { entries, messages, activePath, compactions, tokens, title };
}

describe('gemini adapter: finding files', () => {
  it('looks in <GEMINI_CLI_HOME or home>/.gemini/tmp', () => {
    expect(geminiAdapter.homes({}, '/home/ada')).toEqual([join('/home/ada', '.gemini', 'tmp')]);
    expect(geminiAdapter.homes({ GEMINI_CLI_HOME: '/srv/g' }, '/home/ada')).toEqual([join('/srv/g', '.gemini', 'tmp')]);
  });

  it('wants main chats, legacy chats and sub-agent chats in chats/<parent>/, never temp or backup files', () => {
    expect(geminiAdapter.wants('session-2026-05-01T10-00-1f0c2a51.jsonl')).toBe(true);
    expect(geminiAdapter.wants('session-2026-03-01T09-00-3c9e8d7f.json')).toBe(true);
    expect(geminiAdapter.wants(home.sub)).toBe(true);
    expect(geminiAdapter.wants(`${ids.sub}.jsonl`)).toBe(true);
    expect(geminiAdapter.wants(join(dir, 'elsewhere', `${ids.sub}.jsonl`))).toBe(false);
    expect(geminiAdapter.wants('session-2026-05-01T10-00-1f0c2a51.jsonl.tmp-4242')).toBe(false);
    expect(geminiAdapter.wants('session-2026-05-01T10-00-1f0c2a51.jsonl.unreadable-1714550000000')).toBe(false);
    expect(geminiAdapter.wants('notes.jsonl')).toBe(false);
    expect(geminiAdapter.wants('projects.json')).toBe(false);
  });

  it('recognises its metadata line and legacy objects, pretty-printed ones by name', () => {
    for (const path of [home.main, home.sub, home.compressed, home.twinJsonl, home.torn, home.legacy]) {
      expect(geminiAdapter.recognises(firstLine(path), path)).toBe(true);
    }
    const oneLine = join(home.chats, 'session-2026-02-01T00-00-aaaaaaaa.json');
    writeFileSync(oneLine, JSON.stringify({ sessionId: 'x', startTime: '2026-02-01T00:00:00Z', messages: [] }));
    expect(geminiAdapter.recognises(firstLine(oneLine), oneLine)).toBe(true);
    expect(firstLine(home.legacy).value).toBeUndefined(); // line 1 is "{"
  });

  it("never claims other agents' first lines", () => {
    const others: unknown[] = [
      // prime-agent's header
      { type: 'session', version: 3, id: ids.main, timestamp: '2026-05-01T10:00:00Z', cwd: '/w' },
      // Claude Code
      {
        type: 'user',
        sessionId: ids.main,
        uuid: 'u1',
        parentUuid: null,
        cwd: '/w',
        version: '2.0.1',
        timestamp: '2026-05-01T10:00:00Z',
        message: { role: 'user', content: 'hi' },
      },
      { type: 'summary', summary: 'A title', leafUuid: 'u9' },
      { type: 'file-history-snapshot', messageId: 'm1', snapshot: {}, isSnapshotUpdate: false },
      // Codex
      { timestamp: '2026-05-01T10:00:00Z', type: 'session_meta', payload: { id: ids.main, cwd: '/w', cli_version: '0.50.0' } },
      // opencode's JSON storage
      { id: 'ses_abc', projectID: 'p1', directory: '/w', title: 'x', version: '1.0.0', time: { created: 1, updated: 2 } },
      // Gemini's own non-metadata lines are not a first line of a chat
      { id: ids.main, timestamp: '2026-05-01T10:00:00Z', type: 'user', content: 'hi' },
      { $set: { summary: 'x' } },
    ];
    for (const value of others) expect(geminiAdapter.recognises({ value, terminated: true }, join(dir, 'x.jsonl'))).toBe(false);
    expect(geminiAdapter.recognises({ value: undefined, terminated: true }, join(dir, 'rollout-2026.jsonl'))).toBe(false);
  });
});

describe('gemini adapter: describe', () => {
  const pick = (i: SessionInfo) => ({
    id: i.id,
    kind: i.kind,
    parentId: i.parentId,
    parentPath: i.parentPath,
    cwd: i.cwd,
    timestamp: i.timestamp,
  });
  const want = (x: GeminiExpected) => ({
    id: x.id,
    kind: x.kind,
    parentId: x.parentId,
    parentPath: x.parentPath,
    cwd: x.cwd,
    timestamp: x.timestamp,
  });

  it('gives each session its id, kind, parent, cwd and start', () => {
    for (const name of ['main', 'sub', 'compressed', 'legacy', 'twinJsonl', 'torn'] as const) {
      const i = info(home[name]);
      expect(pick(i), name).toEqual(want(home.expected[name]));
      expect(i.agent).toBe('gemini');
    }
  });

  it('a sub-agent names the folder it sits in as its parent even when the parent chat is gone', () => {
    unlinkSync(home.main);
    const i = info(home.sub);
    expect(i.kind).toBe('sub-agent');
    expect(i.parentId).toBe(ids.main);
    expect(i.parentPath).toBeUndefined();
  });

  it('a legacy .json resumed into a .jsonl twin is superseded, so the session counts once', () => {
    const result = describeFile(home.twinJson);
    expect(result).toEqual({ ok: false, reason: 'superseded by session-2026-04-01T08-00-4dafe9e0.jsonl' });
  });

  it('cwd: the project root from .project_root when projects.json is gone, checked against projectHash', () => {
    unlinkSync(join(home.home, '.gemini', 'projects.json'));
    expect(info(home.main).cwd).toBe(home.projectRoot);
    // A marker naming another root cannot be verified: the folder's name is all that is known.
    writeFileSync(join(home.tmp, 'my-parser', '.project_root'), '/somewhere/else');
    expect(info(home.main).cwd).toBe('my-parser');
  });

  it('cwd: an old sha256-named project folder resolves through projects.json', () => {
    const hashed = join(home.tmp, home.projectHash);
    renameSync(join(home.tmp, 'my-parser'), hashed);
    const path = join(hashed, 'chats', 'session-2026-05-01T10-00-1f0c2a51.jsonl');
    expect(info(path).cwd).toBe(home.projectRoot);
    expect(createHash('sha256').update(home.projectRoot).digest('hex')).toBe(home.projectHash);
  });

  it('an unreadable legacy file is reported with its reason', () => {
    const broken = join(home.chats, 'session-2026-02-02T00-00-bbbbbbbb.json');
    writeFileSync(broken, '{\n  "sessionId": "x",\n');
    expect(geminiAdapter.recognises(firstLine(broken), broken)).toBe(true);
    const result = describeFile(broken);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/not valid JSON/);
  });
});

describe('gemini adapter: entries', () => {
  it.each(['main', 'sub', 'compressed', 'legacy', 'twinJsonl', 'torn'] as const)(
    '%s: counts, tokens as billed and the title',
    async (name) => {
      expect(facts(await entriesOf(home[name]))).toEqual(expectedFacts(home.expected[name]));
    },
  );

  it('keeps the last copy of a rewritten message and maps its parts', async () => {
    const entries = await entriesOf(home.main);
    const byId = new Map(entries.map((e) => [e.value.id as string, e]));
    const g1 = message(byId.get('a1000000-0000-4000-8000-000000000002')!)!;
    expect(g1.content).toEqual([
      { type: 'thinking', thinking: '**Planning** Look at parser.ts' },
      { type: 'text', text: "I'll read the parser first." },
      { type: 'toolCall', id: 'read_file-1', name: 'read_file', arguments: { absolute_path: 'src/parser.ts' } },
    ]);
    expect(g1.usage).toEqual({ input: 1000, output: 70, cacheRead: 0, cacheWrite: 0, totalTokens: 1070 });
    const failed = message(byId.get('a1000000-0000-4000-8000-000000000004/run_shell_command-2')!)!;
    expect(failed).toMatchObject({
      role: 'toolResult',
      toolCallId: 'run_shell_command-2',
      isError: true,
      content: [{ type: 'text', text: 'Command exited with code 1' }],
    });
    // The recorded tool-response user lines repeat the results: no second result, no user turn.
    expect(entries.filter((e) => message(e)?.toolCallId === 'read_file-1')).toHaveLength(1);
  });

  it('a rewind leaves the rewound turn as a branch; the next message hangs from the one before it', async () => {
    const entries = await entriesOf(home.main);
    const parentOf = (id: string) => entries.find((e) => e.value.id === id)!.value.parentId;
    expect(parentOf('a1000000-0000-4000-8000-000000000007')).toBe('a1000000-0000-4000-8000-000000000006');
    expect(parentOf('a1000000-0000-4000-8000-000000000008')).toBe('a1000000-0000-4000-8000-000000000007');
    expect(parentOf('a1000000-0000-4000-8000-000000000009')).toBe('a1000000-0000-4000-8000-000000000006');
    expect(entries.at(-1)!.value).toMatchObject({ type: 'session_info', parentId: 'a1000000-0000-4000-8000-000000000012' });
  });

  it('a compression checkpoint becomes a compaction keeping the turns it kept', async () => {
    const entries = await entriesOf(home.compressed);
    const compaction = entries.find((e) => e.value.type === 'compaction')!.value;
    expect(compaction).toMatchObject({
      summary: '<state_snapshot>The repo has three packages.</state_snapshot>',
      firstKeptEntryId: 'c3000000-0000-4000-8000-000000000005',
      parentId: 'c3000000-0000-4000-8000-000000000006',
    });
    expect(entries.find((e) => e.value.id === 'c3000000-0000-4000-8000-000000000008')!.value.parentId).toBe(compaction.id);
  });

  it('a rewind at the very end leaves the rewound turn off the active path', async () => {
    const path = join(home.chats, 'session-2026-05-02T00-00-99999999.jsonl');
    const start = {
      sessionId: '99999999-0000-4000-8000-000000000000',
      projectHash: home.projectHash,
      startTime: '2026-05-02T00:00:00Z',
      kind: 'main',
    };
    const u = (id: string, text: string) => ({ id, timestamp: '2026-05-02T00:00:01Z', type: 'user', content: text });
    const g = (id: string) => ({
      id,
      timestamp: '2026-05-02T00:00:02Z',
      type: 'gemini',
      content: 'ok',
      model: 'gemini-2.5-pro',
      tokens: { input: 10, output: 1, cached: 0, total: 11 },
    });
    writeFileSync(
      path,
      [start, u('u1', 'first'), g('g1'), u('u2', 'second'), g('g2'), { $rewindTo: 'u2' }].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const entries = await entriesOf(path);
    expect(entries.at(-1)!.value).toMatchObject({ type: 'session_info', parentId: 'g1', name: 'first' });
    expect(facts(entries).activePath).toEqual({ user: 1, assistant: 1 });
    expect(facts(entries).messages.assistant).toBe(2);
  });

  it('a resume checkpoint (the list rebuilt with tool-response turns, info lines left out) cuts nothing', async () => {
    const path = join(home.chats, 'session-2026-05-02T00-00-66666666.jsonl');
    const start = {
      sessionId: '66666666-0000-4000-8000-000000000000',
      projectHash: home.projectHash,
      startTime: '2026-05-02T00:00:00Z',
      kind: 'main',
    };
    const t = '2026-05-02T00:00:01Z';
    const fr = [{ functionResponse: { id: 'ls-1', name: 'ls', response: { output: 'a.txt' } } }];
    const usage = { input: 10, output: 1, cached: 0, total: 11 };
    const u1 = { id: 'u1', timestamp: t, type: 'user', content: [{ text: 'list files' }] };
    const g1 = {
      id: 'g1',
      timestamp: t,
      type: 'gemini',
      content: '',
      model: 'm',
      tokens: usage,
      toolCalls: [{ id: 'ls-1', name: 'ls', args: {}, result: fr, status: 'success', timestamp: t }],
    };
    const g2 = { id: 'g2', timestamp: t, type: 'gemini', content: 'a.txt', model: 'm', tokens: usage };
    // What the CLI's convertSessionToClientHistory rebuilds on resume: `<id>_response` turns.
    const rebuilt = [u1, g1, { id: 'g1_response', timestamp: t, type: 'user', content: fr }, g2];
    const lines = [
      start,
      u1,
      g1,
      { id: 'r1', timestamp: t, type: 'user', content: fr },
      g2,
      { id: 'i1', timestamp: t, type: 'info', content: 'Update available.' },
      { $set: { messages: rebuilt, lastUpdated: t } },
      { id: 'u2', timestamp: t, type: 'user', content: 'thanks' },
      { id: 'g3', timestamp: t, type: 'gemini', content: 'welcome', model: 'm', tokens: usage },
    ];
    writeFileSync(path, lines.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const entries = await entriesOf(path);
    expect(facts(entries)).toMatchObject({
      entries: 7,
      compactions: 0,
      messages: { user: 2, assistant: 3, toolResult: 1 },
      activePath: { user: 2, assistant: 3 },
    });
    expect(entries.find((e) => e.value.id === 'u2')!.value.parentId).toBe('g2');
  });

  it('a rewind to an unknown id drops every message: the next one is a new root', async () => {
    const path = join(home.chats, 'session-2026-05-02T00-00-88888888.jsonl');
    const start = { sessionId: '88888888-0000-4000-8000-000000000000', projectHash: home.projectHash, startTime: '2026-05-02T00:00:00Z' };
    const lines = [
      start,
      { id: 'u1', timestamp: '2026-05-02T00:00:01Z', type: 'user', content: 'a' },
      { $rewindTo: 'nope' },
      { id: 'u2', timestamp: '2026-05-02T00:00:02Z', type: 'user', content: 'b' },
    ];
    writeFileSync(path, lines.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const entries = await entriesOf(path);
    expect(entries.find((e) => e.value.id === 'u2')!.value.parentId).toBeNull();
  });

  it('a bad line before the last one is an error naming the file and line', async () => {
    const path = join(home.chats, 'session-2026-05-02T00-00-77777777.jsonl');
    const start = { sessionId: '77777777-0000-4000-8000-000000000000', projectHash: home.projectHash, startTime: '2026-05-02T00:00:00Z' };
    writeFileSync(path, `${JSON.stringify(start)}\n{"id":"u1","type":"us\n${JSON.stringify({ $set: { summary: 'x' } })}\n`);
    const run = entriesOf(path);
    await expect(run).rejects.toBeInstanceOf(SessionFileError);
    await expect(entriesOf(path)).rejects.toThrow(`${path}:2: not valid JSON`);
  });

  it("a sub-agent's parent is the chat whose session id matches, not just its name's 8 characters", () => {
    // Another session whose id shares the first 8 characters, listed first by name.
    const impostor = join(home.chats, 'session-2026-04-30T00-00-1f0c2a51.jsonl');
    const other = {
      sessionId: '1f0c2a51-0000-4000-8000-000000000000',
      projectHash: home.projectHash,
      startTime: '2026-04-30T00:00:00Z',
      kind: 'main',
    };
    writeFileSync(impostor, `${JSON.stringify(other)}\n`);
    expect(info(home.sub).parentPath).toBe(home.main);
    unlinkSync(home.main);
    expect(info(home.sub).parentPath).toBeUndefined();
  });
});
