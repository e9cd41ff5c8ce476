import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useAgentWorld } from '../helpers/agent-world.js';
import { writeClaudeHome } from '../helpers/agent-files/claude.js';
import { writeCodexHome } from '../helpers/agent-files/codex.js';
import { writeGeminiHome } from '../helpers/agent-files/gemini.js';
import { CHILD, FACTS, LATE, ROOT, writeOpencodeDatabase } from '../helpers/agent-files/opencode.js';
import { opencodeSessionId } from '../../src/core/agents/opencode/index.js';

/**
 * Every agent's sessions end to end, through the CLI against `traces serve` on port 0: the files
 * each agent's builder writes under a temp HOME, as the agent lays them out, and the facts worked
 * out by hand beside them (ids, parents, kinds, message counts, tokens billed).
 */
interface Facts {
  path: string;
  id: string;
  /** The agent's own id, when traces derives `id` from it. */
  nativeId?: string;
  kind: string;
  parentId?: string;
  counts: Record<string, number>;
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number; totalTokens: number };
  title?: string;
}

interface AgentCase {
  agent: string;
  label: string;
  /** Writes the agent's home under `home`; returns the sessions a scan of that home must find. */
  write: (home: string) => Facts[] | Promise<Facts[]>;
}

const CASES: AgentCase[] = [
  {
    agent: 'claude',
    label: 'claude-code',
    write: (home) => {
      const c = writeClaudeHome(home);
      return [c.main, c.subagent, c.nested, c.oldMain, c.oldSubagent, c.continuation];
    },
  },
  {
    agent: 'codex',
    label: 'codex',
    write: (home) => {
      const c = writeCodexHome(home);
      return [c.root, c.child, c.fork];
    },
  },
  {
    agent: 'gemini',
    label: 'gemini-cli',
    write: (home) => {
      const g = writeGeminiHome(home);
      const facts = (path: string, e: (typeof g.expected)['main']): Facts => ({
        path,
        id: e.id,
        kind: e.kind,
        parentId: e.parentId,
        counts: { ...e.messages, compaction: e.compactions },
        usage: e.tokens,
        title: e.title,
      });
      return [
        facts(g.main, g.expected.main),
        facts(g.sub, g.expected.sub),
        facts(g.compressed, g.expected.compressed),
        facts(g.legacy, g.expected.legacy),
        facts(g.twinJsonl, g.expected.twinJsonl),
        facts(g.torn, g.expected.torn),
      ];
    },
  },
  {
    agent: 'opencode',
    label: 'opencode',
    // Sessions live in opencode's database (with rows still in its WAL): their files are the ones
    // traces exports to its state dir, found by id once a command has run.
    write: async (home) => {
      await writeOpencodeDatabase(join(home, '.local', 'share', 'opencode'));
      return [ROOT, CHILD, LATE].map((id) => {
        const f = FACTS[id]!;
        const parentId = f.parentId && opencodeSessionId(f.parentId);
        return {
          path: '',
          id: opencodeSessionId(id),
          nativeId: id,
          kind: f.kind,
          parentId,
          counts: f.counts,
          usage: withoutCost(f.totals),
          title: f.title,
        };
      });
    },
  },
];

function withoutCost({ cost: _cost, ...tokens }: (typeof FACTS)[string]['totals']): Facts['usage'] {
  return tokens;
}

/** The file a session is read from: its own, or the one traces exported it to. */
function fileOf(s: Facts): string {
  if (s.path) return s.path;
  const root = join(world.tmp.path, 'state', 'exports', 'opencode');
  for (const dir of readdirSync(root))
    if (existsSync(join(root, dir, `${s.nativeId}.jsonl`))) return join(root, dir, `${s.nativeId}.jsonl`);
  throw new Error(`no exported file for ${s.id}`);
}

/**
 * What an upload sends of a file: all of it, less a torn last line (an NDJSON file's unfinished
 * line); a file that is one JSON document (Gemini CLI's older chats) as that document on one line.
 */
function sendable(path: string): Buffer {
  const bytes = readFileSync(path);
  if (path.endsWith('.json')) return Buffer.from(`${JSON.stringify(JSON.parse(bytes.toString()))}\n`);
  if (bytes.at(-1) === 10) return bytes;
  const tail = bytes.subarray(bytes.lastIndexOf(10) + 1).toString();
  try {
    JSON.parse(tail);
    return bytes;
  } catch {
    return bytes.subarray(0, bytes.lastIndexOf(10) + 1);
  }
}

const world = useAgentWorld();

const cli = (...args: string[]) => runCli(args, { env: world.env });
const messages = (f: Facts) =>
  (f.counts.user ?? 0) + (f.counts.assistant ?? 0) + (f.counts.toolResult ?? 0) + (f.counts.bashExecution ?? 0);

describe('choosing agents', () => {
  it('refuses an unknown agent in --agent and in the setting (exit 2), naming it and the known ones', async () => {
    const flag = await cli('upload', '--agent', 'claude,cursor');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown agent "cursor"');
    const setting = await cli('config', 'set', 'agents', 'cursor');
    expect(setting.code).toBe(2);
    expect(setting.stderr).toContain('opencode');
  });

  it('reports a named file that no agent recognises as invalid (exit 1)', async () => {
    const path = join(world.tmp.path, 'notes.jsonl');
    writeFileSync(path, '{"hello":"world"}\n');
    const result = await cli('upload', path, '--json');
    expect(result.code).toBe(1);
    expect(result.json().sessions[0]).toMatchObject({ status: 'invalid' });
    expect(result.json().sessions[0].error).toContain(path);
  });
});

describe('copies', () => {
  it('status counts a session held by two files once (Codex left in sessions/ and archived_sessions/)', async () => {
    const codex = writeCodexHome(world.home);
    const status = await cli('status', '--agent', 'codex', '--json');
    expect(status.code, status.stderr).toBe(0);
    const current = status.json().backends.find((b: any) => b.backend === world.server.url);
    expect(current.pending).toBe([codex.root, codex.child, codex.fork].length);
  });
});

describe.each(CASES)('$agent sessions', ({ agent, label, write }) => {
  it(`upload --agent ${agent} sends each session once with its place in the tree; a rerun sends nothing`, async () => {
    const sessions = await write(world.home);
    const first = await cli('upload', '--agent', agent, '--json');
    expect(first.code, first.stdout).toBe(0);
    const puts = world.server.puts();
    expect(puts.map((p) => decodeURIComponent(p.url.split('/').pop()!)).sort()).toEqual(sessions.map((s) => s.id).sort());
    const byId = new Map(puts.map((p) => [decodeURIComponent(p.url.split('/').pop()!), p.headers]));
    const facts = new Map(sessions.map((s) => [s.id, s]));
    for (const s of sessions) {
      const headers = byId.get(s.id)!;
      expect(headers['x-parent-session'], s.path).toBe(s.parentId);
      // The trace is the topmost ancestor's.
      let top = s;
      while (top.parentId && facts.has(top.parentId)) top = facts.get(top.parentId)!;
      expect(headers['x-trace-id'], s.path).toBe(top.parentId ?? top.id);
      expect((await world.server.body(s.id))!.equals(sendable(fileOf(s))), `${s.id}: the file's own bytes`).toBe(true);
    }
    const again = await cli('upload', '--agent', agent, '--json');
    expect(again.code).toBe(0);
    expect(world.server.puts()).toHaveLength(puts.length);
  });

  it('tree names the agent, the kinds and the parents', async () => {
    const sessions = await write(world.home);
    const result = await cli('tree', '--agent', agent, '--json');
    expect(result.code, result.stderr).toBe(0);
    const flat: any[] = [];
    const walk = (n: any) => {
      flat.push(n);
      n.children.forEach(walk);
    };
    result.json().forEach(walk);
    expect(flat.map((n) => n.id).sort()).toEqual(sessions.map((s) => s.id).sort());
    for (const s of sessions) {
      const node = flat.find((n) => n.id === s.id);
      expect(node, s.path).toMatchObject({ agent, kind: s.kind, parent_session: s.parentId ?? null });
    }
  });

  it('events push sends per session one model event per billed call with its tokens, one tool event per result, a chain per turn', async () => {
    const sessions = await write(world.home);
    const result = await cli('events', 'push', '--agent', agent, '--json');
    expect(result.code, result.stderr).toBe(0);
    for (const s of sessions) {
      const events = await world.server.traces.store.events.list(s.id);
      const of = (type: string) => events.filter((e) => e.event_type === type);
      expect(of('model'), `${s.path}: model events`).toHaveLength(s.counts.assistant ?? 0);
      expect(of('tool'), `${s.path}: tool events`).toHaveLength((s.counts.toolResult ?? 0) + (s.counts.bashExecution ?? 0));
      expect(of('chain'), `${s.path}: chain events`).toHaveLength((s.counts.user ?? 0) + (s.counts.compaction ?? 0));
      const total = (key: string) => of('model').reduce((n, e) => n + Number((e.metrics as Record<string, number>)[key] ?? 0), 0);
      expect(
        {
          input: total('input_tokens'),
          output: total('output_tokens'),
          cacheRead: total('cache_read_tokens'),
          cacheWrite: total('cache_write_tokens'),
          totalTokens: total('total_tokens'),
        },
        `${s.path}: tokens`,
      ).toEqual(s.usage);
      expect(new Set(events.map((e) => e.source))).toEqual(new Set([label]));
      expect(await world.server.traces.store.events.getSession(s.id)).toMatchObject({ source: label, metadata: { agent: label } });
    }
    // Nothing new: nothing sent again.
    const again = await cli('events', 'push', '--agent', agent, '--json');
    expect(again.json()).toMatchObject({ failed: 0 });
    expect(again.json().sessions.every((r: any) => r.status === 'unchanged')).toBe(true);
  });

  it('sessions save takes the message count and title by the agent’s rules, and names the agent', async () => {
    const sessions = await write(world.home);
    const result = await cli('sessions', 'save', '--all', '--agent', agent, '--dry-run', '--json', '--model', 'm');
    expect(result.code, result.stderr).toBe(0);
    const bodies = result.json().sessions;
    for (const s of sessions) {
      const body = bodies.find((b: any) => b.id === s.id);
      expect(body, s.path).toMatchObject({ message_count: messages(s), agent: label });
      if (s.title !== undefined) expect(body.title, s.path).toBe(s.title);
    }
  });

  it('status counts the chosen agent’s sessions, and the agents setting chooses like --agent', async () => {
    const sessions = await write(world.home);
    expect((await cli('config', 'set', 'agents', agent)).code).toBe(0);
    expect((await cli('upload', '--json')).code).toBe(0);
    const status = await cli('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(status.json().agents).toEqual([agent]);
    const current = status.json().backends.find((b: any) => b.backend === world.server.url);
    expect(current).toMatchObject({ uploaded: sessions.length, pending: 0, failed: 0 });
  });

  it('is left alone unless chosen: the default scans prime-agent only', async () => {
    await write(world.home);
    const result = await cli('upload', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(world.server.puts()).toHaveLength(0);
  });

  it('a named file is read in its own format without --agent', async () => {
    const [first] = await write(world.home);
    const named = first!.path || join(world.home, '.local', 'share', 'opencode', 'opencode.db');
    const result = await cli('upload', named, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json().sessions.find((r: any) => r.session_id === first!.id)).toMatchObject({ status: 'uploaded' });
  });
});
