import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportOpencode, isOpencodeSource, opencodeAdapter, opencodeSessionId } from '../../../src/core/agents/opencode/index.js';
import { Scope, type Entry, type SessionInfo } from '../../../src/core/agents/types.js';
import {
  CHILD,
  CWD,
  FACTS,
  LATE,
  ROOT,
  writeOpencodeDatabase,
  writeOpencodeStorage,
  writeOpencodeV2Database,
  type SessionFacts,
} from '../../helpers/agent-files/opencode.js';
import { firstLine } from '../../helpers/agent-files/first-line.js';

const temps: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'traces-opencode-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function describeFile(path: string, scope = new Scope()): SessionInfo {
  const first = firstLine(path);
  expect(opencodeAdapter.recognises(first, path)).toBe(true);
  const described = opencodeAdapter.describe(path, first, scope);
  if (!described.ok) throw new Error(described.reason);
  return described.info;
}

async function read(path: string): Promise<{ info: SessionInfo; entries: Entry[] }> {
  const info = describeFile(path);
  const entries: Entry[] = [];
  for await (const entry of opencodeAdapter.entries(path, info)) entries.push(entry);
  return { info, entries };
}

/** Per-type counts and summed usage of a session's entries, and the entry-tree rules checked on the way. */
function tally(entries: Entry[]) {
  const counts: Record<string, number> = {};
  const totals = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, cost: 0 };
  const seen = new Set<string>();
  const calls = new Set<string>();
  let line = 1;
  for (const { line: at, value } of entries) {
    expect(at).toBeGreaterThan(line);
    line = at;
    const parent = value.parentId as string | null;
    if (parent !== null) expect(seen.has(parent), `parent ${parent} of ${String(value.id)}`).toBe(true);
    expect(seen.has(String(value.id)), `id ${String(value.id)} unique`).toBe(false);
    seen.add(String(value.id));
    const message = value.message as Record<string, any> | undefined;
    const kind = message ? String(message.role) : String(value.type);
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (message?.role === 'assistant') {
      for (const block of message.content) if (block.type === 'toolCall') calls.add(block.id);
      for (const key of ['input', 'output', 'cacheRead', 'cacheWrite', 'totalTokens'] as const) totals[key] += message.usage[key];
      totals.cost += message.usage.cost?.total ?? 0;
    }
    if (message?.role === 'toolResult') expect(calls.has(message.toolCallId), `call ${message.toolCallId} before its result`).toBe(true);
  }
  totals.cost = Math.round(totals.cost * 1e6) / 1e6;
  return { counts, totals };
}

async function expectFacts(file: string, facts: SessionFacts) {
  const { info, entries } = await read(file);
  expect(info).toMatchObject({
    agent: 'opencode',
    id: opencodeSessionId(facts.id),
    nativeId: facts.id,
    kind: facts.kind,
    timestamp: facts.timestamp,
    cwd: CWD,
  });
  expect(info.parentId).toBe(facts.parentId && opencodeSessionId(facts.parentId));
  expect(tally(entries)).toEqual({ counts: facts.counts, totals: facts.totals });
  const titles = entries.filter((e) => e.value.type === 'session_info');
  expect(titles.at(-1)?.value.name).toBe(facts.title);
}

describe('opencode export of the database (1.2 and later)', () => {
  it('exports every session, those still only in the -wal file too, and never writes the database', async () => {
    const data = temp();
    const { db, wal } = await writeOpencodeDatabase(data);
    const before = [readFileSync(db), readFileSync(wal)];
    const out = join(temp(), 'export');

    const files = await exportOpencode(data, out);

    expect(files.sort()).toEqual([CHILD, LATE, ROOT].map((id) => join(out, `${id}.jsonl`)).sort());
    expect([readFileSync(db), readFileSync(wal)]).toEqual(before);
    expect(readdirSync(data).sort()).toEqual(['opencode.db', 'opencode.db-wal']);
    const first = JSON.parse(readFileSync(join(out, `${ROOT}.jsonl`), 'utf8').split('\n')[0]!);
    expect(first).toMatchObject({ type: 'opencode.session', source: db, session: { id: ROOT, model: { id: 'claude-sonnet-4-5' } } });
    for (const id of [ROOT, CHILD, LATE]) await expectFacts(join(out, `${id}.jsonl`), FACTS[id]!);
  });

  it('rewrites only the sessions whose bytes changed: an unchanged one keeps its mtime', async () => {
    const data = temp();
    const { db } = await writeOpencodeDatabase(data);
    const out = join(temp(), 'export');
    await exportOpencode(db, out);
    const old = new Date('2020-01-01T00:00:00Z');
    for (const id of [ROOT, CHILD, LATE]) utimesSync(join(out, `${id}.jsonl`), old, old);
    // A session changed since: its export is rewritten, the others are left alone.
    const child = join(out, `${CHILD}.jsonl`);
    const text = readFileSync(child, 'utf8');
    rmSync(child);
    cpSync(join(out, `${ROOT}.jsonl`), child);

    await exportOpencode(db, out);

    expect(statSync(join(out, `${ROOT}.jsonl`)).mtimeMs).toBe(old.getTime());
    expect(statSync(join(out, `${LATE}.jsonl`)).mtimeMs).toBe(old.getTime());
    expect(readFileSync(child, 'utf8')).toBe(text);
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('reads a -wal file SQLite itself wrote: a session only in the WAL, and a title renamed after the checkpoint', async () => {
    // test/fixtures/opencode-real-wal: written by SQLite 3.40.1 (page size 1024, WAL mode, no
    // auto-checkpoint): session A and its message checkpointed, then session B (a 3000-byte part:
    // overflow pages) committed and A renamed, the files copied while the writer was still open.
    const data = temp();
    cpSync(join(import.meta.dirname, '../../fixtures/opencode-real-wal'), data, { recursive: true });
    const out = join(temp(), 'export');
    const files = await exportOpencode(join(data, 'opencode.db'), out);
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual([
      'ses_a000000000000000000000000A.jsonl',
      'ses_b000000000000000000000000B.jsonl',
    ]);
    const a = await read(join(out, 'ses_a000000000000000000000000A.jsonl'));
    expect(a.entries.map((e) => (e.value.type === 'session_info' ? e.value.name : (e.value.message as any).content[0].text))).toEqual([
      'Renamed in the WAL',
      'before the checkpoint',
    ]);
    const b = await read(join(out, 'ses_b000000000000000000000000B.jsonl'));
    expect(tally(b.entries)).toEqual({
      counts: { session_info: 1, user: 1, assistant: 1 },
      totals: { input: 400, output: 20, cacheRead: 0, cacheWrite: 0, totalTokens: 420, cost: 0.001 },
    });
    expect(((b.entries[1]!.value.message as any).content[0].text as string).length).toBe(3000);
  });

  it('opencode 2.x: a session in both schemas is taken once, 2.x rows preferred, each 2.x row one call', async () => {
    const data = temp();
    const { db, facts } = await writeOpencodeV2Database(data);
    const out = join(temp(), 'export');
    const files = await exportOpencode(db, out);
    expect(files).toEqual([join(out, `${facts.id}.jsonl`)]);
    await expectFacts(files[0]!, facts);
  });
});

describe('opencode export of storage/ (before 1.2)', () => {
  it('exports the JSON layout with the same facts', async () => {
    const data = temp();
    const storage = writeOpencodeStorage(data);
    const out = join(temp(), 'export');
    const files = await exportOpencode(storage, out);
    expect(files.sort()).toEqual([CHILD, ROOT].map((id) => join(out, `${id}.jsonl`)).sort());
    for (const id of [ROOT, CHILD]) await expectFacts(join(out, `${id}.jsonl`), FACTS[id]!);
    expect(describeFile(join(out, `${ROOT}.jsonl`)).agentVersion).toBe('1.1.60');
  });

  it('a data folder holding both takes a session from the database, and storage-only sessions from storage/', async () => {
    const data = temp();
    writeOpencodeStorage(data);
    const { db } = await writeOpencodeDatabase(data);
    const out = join(temp(), 'export');
    const files = await exportOpencode(data, out);
    expect(files.length).toBe(3);
    expect(JSON.parse(readFileSync(join(out, `${ROOT}.jsonl`), 'utf8').split('\n')[0]!).source).toBe(db);
  });
});

describe('opencode adapter', () => {
  it('describes a sub-agent by its parent, and finds the parent file beside it', async () => {
    const data = temp();
    await writeOpencodeDatabase(data);
    const out = join(temp(), 'export');
    await exportOpencode(data, out);
    const info = describeFile(join(out, `${CHILD}.jsonl`));
    expect(info).toMatchObject({
      kind: 'sub-agent',
      parentId: opencodeSessionId(ROOT),
      parentPath: join(out, `${ROOT}.jsonl`),
      agentVersion: '1.18.30',
    });
    rmSync(join(out, `${ROOT}.jsonl`));
    expect(describeFile(join(out, `${CHILD}.jsonl`)).parentPath).toBeUndefined();
  });

  it('is one assistant entry per step, with that step-finish usage and the results after their calls', async () => {
    const data = temp();
    const storage = writeOpencodeStorage(data);
    const out = join(temp(), 'export');
    await exportOpencode(storage, out);
    const { entries } = await read(join(out, `${ROOT}.jsonl`));
    const shape = entries.map((e) => (e.value.message ? (e.value.message as any).role : e.value.type));
    expect(shape).toEqual([
      'session_info',
      'user',
      'assistant',
      'toolResult',
      'assistant',
      'toolResult',
      'assistant',
      'assistant',
      'compaction',
    ]);
    const steps = entries.filter((e) => (e.value.message as any)?.role === 'assistant').map((e) => (e.value.message as any).usage);
    expect(steps.map((u) => u.output)).toEqual([130, 100, 180, 90]);
    expect(steps.map((u) => u.cost.total)).toEqual([0.0171, 0.0052, 0.0141, 0.002]);
    expect(entries.at(-1)!.value.summary).toBe('Summary: the build fails on an implicit any under strict mode.');
  });

  it('homes: OPENCODE_DB, else XDG_DATA_HOME, else ~/.local/share', () => {
    expect(opencodeAdapter.homes({}, '/home/u')).toEqual(['/home/u/.local/share/opencode']);
    expect(opencodeAdapter.homes({ XDG_DATA_HOME: '/x' }, '/home/u')).toEqual(['/x/opencode']);
    expect(opencodeAdapter.homes({ OPENCODE_DB: '/db/oc.db' }, '/home/u')).toEqual(['/db/oc.db']);
    expect(opencodeAdapter.homes({ OPENCODE_DB: 'dev.db', XDG_DATA_HOME: '/x' }, '/home/u')).toEqual(['/x/opencode/dev.db']);
    expect(opencodeAdapter.wants('ses_1.jsonl')).toBe(true);
    // What a watcher sees change when opencode writes: its database, the WAL, the older JSON files.
    expect(['opencode.db', 'opencode.db-wal', 'opencode-beta.db', 'msg_abc123.json'].map((n) => opencodeAdapter.changes!(n))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['notes.db', 'opencode.db-shm', 'package.json'].map((n) => opencodeAdapter.changes!(n))).toEqual([false, false, false]);
    expect(opencodeAdapter.wants('opencode.db')).toBe(false);
  });

  it('knows its sources', async () => {
    const data = temp();
    expect(isOpencodeSource(data)).toBe(false);
    await writeOpencodeDatabase(data);
    writeOpencodeStorage(data);
    expect([data, join(data, 'opencode.db'), join(data, 'storage')].map(isOpencodeSource)).toEqual([true, true, true]);
    expect(isOpencodeSource(join(data, 'opencode.db-wal'))).toBe(false);
    expect(existsSync(join(data, 'opencode.db-shm'))).toBe(false);
  });
});
