import { basename, join } from 'node:path';
import { buildSessionContext, SessionManager } from '@mariozechner/pi-coding-agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/backend/store/index.js';
import { writeAgentHome, type AgentHome } from '../helpers/agent-sessions.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

/*
 * Session files written by the agent's own library, pushed as events with `traces events push`
 * and saved with `traces sessions save --dry-run`; what traces made of each file is compared with
 * what the library's own reader says about the same file.
 */

type Entry = ReturnType<SessionManager['getEntries']>[number];

let tmp: ReturnType<typeof tempDir>;
let home: AgentHome;
let store: LocalStore;
let saved: Record<string, any>[];

beforeAll(async () => {
  tmp = tempDir();
  home = writeAgentHome(tmp.path);
  const env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
  const archive = join(tmp.path, 'archive');
  const push = await runCli(['events', 'push', '--to', archive, '--json'], { env });
  expect(push.stderr).toBe('');
  expect(push.json()).toMatchObject({ total: 4, pushed: 4, failed: 0 });
  store = new LocalStore(archive);
  const save = await runCli(['sessions', 'save', '--all', '--dry-run', '--json'], { env });
  expect(save.code).toBe(0);
  saved = save.json().sessions;
});

afterAll(() => tmp.cleanup());

/** What the library reads from a file, and what traces stored for it. */
async function both(file: string) {
  const sm = SessionManager.open(file);
  const entries = sm.getEntries();
  const events = await store.events.list(sm.getSessionId());
  const byEntry = (entry: string, type: string) => events.find((e) => e.metadata?.entry === entry && e.event_type === type);
  return { sm, entries, events, byEntry, session: (await store.events.getSession(sm.getSessionId()))! };
}

const files = [
  ['the main session', 'main'],
  ['a fork', 'fork'],
  ['a clone of one path', 'clone'],
  ['a sub-agent', 'child'],
] as const;

const isMessage = (e: Entry, role: string) => e.type === 'message' && e.message.role === role;
/** Context messages as an event carries them: without their time and usage (the event has those). */
const plain = (messages: object[]) => JSON.parse(JSON.stringify(messages.map(({ timestamp: _t, usage: _u, ...m }: any) => m)));

describe.each(files)('%s, as the agent library reads it', (_name, which) => {
  const file = () => home[which];
  it('has one event per model call, tool result, user bash, user turn, compaction and branch summary', async () => {
    const { entries, events } = await both(file());
    const count = (type: string, name?: string) =>
      events.filter((e) => e.event_type === type && (name === undefined || e.event_name === name)).length;
    expect(count('model')).toBe(entries.filter((e) => isMessage(e, 'assistant')).length);
    expect(count('tool')).toBe(entries.filter((e) => isMessage(e, 'toolResult') || isMessage(e, 'bashExecution')).length);
    expect(count('chain', 'turn')).toBe(entries.filter((e) => isMessage(e, 'user')).length);
    expect(count('chain', 'compaction')).toBe(entries.filter((e) => e.type === 'compaction').length);
    expect(count('chain', 'branch_summary')).toBe(entries.filter((e) => e.type === 'branch_summary').length);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
  });

  it('parents every event by the entry tree: a model call under the turn on its own path, a result under its call', async () => {
    const { sm, entries, byEntry } = await both(file());
    for (const entry of entries) {
      const path = sm.getBranch(entry.id).slice(0, -1).reverse();
      const turn = [entry, ...path].find((e) => isMessage(e, 'user'));
      const turnId = turn ? byEntry(turn.id, 'chain')!.event_id : null;
      if (isMessage(entry, 'assistant') || isMessage(entry, 'bashExecution') || entry.type === 'compaction') {
        expect(byEntry(entry.id, entry.type === 'compaction' ? 'chain' : isMessage(entry, 'assistant') ? 'model' : 'tool')!.parent_id).toBe(
          turnId,
        );
      }
      if (isMessage(entry, 'toolResult')) {
        const caller = path.find((e) => isMessage(e, 'assistant'))!;
        expect(byEntry(entry.id, 'tool')!.parent_id).toBe(byEntry(caller.id, 'model')!.event_id);
      }
    }
  });

  it('marks the branch of every event, whether it is on the active path, and the session says which path is active', async () => {
    const { sm, entries, events, session } = await both(file());
    const active = new Set(sm.getBranch().map((e) => e.id));
    // The library's tree: a node's first child (in file order) continues its branch; later children start one.
    const expected = new Map<string, string>();
    const walk = (node: ReturnType<SessionManager['getTree']>[number], branch: string) => {
      expected.set(node.entry.id, branch);
      node.children.forEach((child, i) => walk(child, i === 0 ? branch : child.entry.id));
    };
    for (const root of sm.getTree()) walk(root, root.entry.id);
    const activePath = session.metadata.active_path as Record<string, number>;
    expect(session.metadata.active_leaf).toBe(sm.getLeafId());
    for (const event of events) {
      const entry = event.metadata!.entry as string;
      expect(event.metadata).toMatchObject({
        branch: expected.get(entry),
        depth: sm.getBranch(entry).length - 1,
        active: active.has(entry),
      });
      expect((activePath[event.metadata!.branch as string] ?? -1) >= (event.metadata!.depth as number)).toBe(active.has(entry));
    }
    const labels = Object.fromEntries(entries.flatMap((e) => (sm.getLabel(e.id) ? [[e.id, sm.getLabel(e.id)]] : [])));
    expect(session.metadata.labels).toEqual(labels);
  });

  it('gives every model call the messages it saw since its previous answer, and its thinking level', async () => {
    const { sm, entries, byEntry } = await both(file());
    for (const entry of entries.filter((e) => isMessage(e, 'assistant'))) {
      const context = buildSessionContext(entries, entry.parentId);
      const last = context.messages.map((m) => m.role).lastIndexOf('assistant');
      const model = byEntry(entry.id, 'model')!;
      expect(model.inputs.chat_history).toEqual(plain(context.messages.slice(last + 1)));
      const chosen = sm.getBranch(entry.id).some((e) => e.type === 'thinking_level_change');
      expect(model.config!.thinking_level).toBe(chosen ? buildSessionContext(entries, entry.id).thinkingLevel : null);
    }
  });

  it('keeps the usage of every model call, abandoned ones included', async () => {
    const { entries, events } = await both(file());
    const spent = entries.filter((e) => isMessage(e, 'assistant')).map((e) => (e as any).message.usage);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const models = events.filter((e) => e.event_type === 'model').map((e) => e.metrics as Record<string, number>);
    expect(sum(models.map((m) => m.input_tokens!))).toBe(sum(spent.map((u) => u.input)));
    expect(sum(models.map((m) => m.total_tokens!))).toBe(sum(spent.map((u) => u.totalTokens)));
    expect(sum(models.map((m) => m.cost!))).toBeCloseTo(sum(spent.map((u) => u.cost.total)), 10);
  });

  it('names the session as the library does and counts its messages as it does', async () => {
    const { sm, session } = await both(file());
    const listed = (await SessionManager.list(sm.getCwd(), join(file(), '..'))).find((s) => s.id === sm.getSessionId())!;
    const body = saved.find((s) => s.session_id === sm.getSessionId())!;
    expect(body.title).toBe(listed.name);
    expect(body.message_count).toBe(listed.messageCount);
    expect(session.session_name).toBe(listed.name ?? basename(sm.getCwd()));
  });
});

describe('the details a trace must show', () => {
  it('a model call after three user !bash commands saw them and the question', async () => {
    const { entries, byEntry } = await both(home.main);
    const why = entries.find((e) => isMessage(e, 'assistant') && JSON.stringify(e).includes('Because of a typo'))!;
    expect((byEntry(why.id, 'model')!.inputs.chat_history as { role: string }[]).map((m) => m.role)).toEqual([
      'bashExecution',
      'bashExecution',
      'bashExecution',
      'user',
    ]);
  });

  it('six abandoned model calls stay, off the active path, under the same turn as the kept one', async () => {
    const { events } = await both(home.main);
    const turn = events.find((e) => e.event_name === 'turn' && JSON.stringify(e.inputs).includes('Now refactor'))!;
    const calls = events.filter((e) => e.event_type === 'model' && e.parent_id === turn.event_id);
    expect(calls.filter((e) => !e.metadata!.active)).toHaveLength(6);
    expect(calls.filter((e) => e.metadata!.active)).toHaveLength(2);
    expect(new Set(calls.map((e) => e.metadata!.branch)).size).toBe(7);
  });

  it('a compaction is an event with its summary, the tokens before it and the first kept entry', async () => {
    const { entries, byEntry } = await both(home.main);
    for (const entry of entries.filter((e): e is Extract<Entry, { type: 'compaction' }> => e.type === 'compaction')) {
      expect(byEntry(entry.id, 'chain')).toMatchObject({
        event_name: 'compaction',
        inputs: { first_kept_entry: entry.firstKeptEntryId, tokens_before: entry.tokensBefore },
        outputs: { summary: entry.summary, details: entry.details },
        metrics: { tokens_before: entry.tokensBefore },
        metadata: { from_hook: entry.fromHook === true },
      });
    }
  });

  it('the sub-agent and the fork are linked to the main session', async () => {
    expect((await store.events.getSession((await both(home.child)).sm.getSessionId()))!.metadata).toMatchObject({
      parent_session_id: home.mainId,
      trace_id: home.mainId,
      kind: 'sub-agent',
    });
    expect((await store.events.getSession((await both(home.fork)).sm.getSessionId()))!.metadata).toMatchObject({
      parent_session_id: home.mainId,
      kind: 'fork',
    });
  });
});

describe('a session that grows a new branch after it was pushed', () => {
  it('sends only the new events, keeps every earlier event and its branch, and moves the active path', async () => {
    const own = tempDir();
    try {
      const agent = writeAgentHome(own.path);
      const env = isolatedEnv(own.path, { TRACES_SESSIONS_DIR: agent.sessions });
      const archive = join(own.path, 'archive');
      expect((await runCli(['events', 'push', agent.main, '--to', archive], { env })).code).toBe(0);
      const local = new LocalStore(archive);
      const before = await local.events.list(agent.mainId);

      // The user goes back to the first question and asks again: the old path is abandoned.
      const sm = SessionManager.open(agent.main);
      const first = sm.getEntries().find((e) => isMessage(e, 'user'))!;
      sm.branch(first.id);
      sm.appendMessage({
        role: 'assistant',
        content: [{ type: 'text', text: 'A different answer' }],
        api: 'anthropic-messages',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        usage: {
          input: 10,
          output: 5,
          cacheRead: 0,
          cacheWrite: 0,
          totalTokens: 15,
          cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0.001 },
        },
        stopReason: 'stop',
        timestamp: Date.now(),
      });

      const again = await runCli(['events', 'push', agent.main, '--to', archive, '--json'], { env });
      expect(again.json().sessions[0]).toMatchObject({ status: 'pushed', events: 1 });
      const after = await local.events.list(agent.mainId);
      expect(after.length).toBe(before.length + 1);
      for (const old of before) expect(after.find((e) => e.event_id === old.event_id)!.metadata!.branch).toBe(old.metadata!.branch);

      const fresh = after.find((e) => !before.some((b) => b.event_id === e.event_id))!;
      expect(fresh.metadata).toMatchObject({ entry: sm.getLeafId(), active: true, branch: sm.getLeafId() });
      expect(fresh.parent_id).toBe(before.find((e) => e.metadata!.entry === first.id && e.event_type === 'chain')!.event_id);
      const session = (await local.events.getSession(agent.mainId))!;
      expect(session.metadata.active_leaf).toBe(sm.getLeafId());
      const onPath = new Set(sm.getBranch().map((e) => e.id));
      const activePath = session.metadata.active_path as Record<string, number>;
      for (const e of after)
        expect((activePath[e.metadata!.branch as string] ?? -1) >= (e.metadata!.depth as number)).toBe(
          onPath.has(e.metadata!.entry as string),
        );
    } finally {
      own.cleanup();
    }
  });
});
