import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { opencodeSessionId } from '../../src/core/agents/opencode/index.js';
import type { ViewList, ViewSession, ViewSummary, ViewTreeNode } from '../../src/contracts/view.js';
import { writeClaudeHome } from '../helpers/agent-files/claude.js';
import { writeCodexHome } from '../helpers/agent-files/codex.js';
import { writeGeminiHome } from '../helpers/agent-files/gemini.js';
import { CHILD, FACTS, ROOT, writeOpencodeDatabase } from '../helpers/agent-files/opencode.js';
import { writeAgentHome } from '../helpers/agent-sessions.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { useServed } from '../helpers/served.js';
import { storeKinds } from '../helpers/stores.js';

/**
 * Each agent's sessions, uploaded by `traces upload` as a user would, then read back through the
 * read API: the agent's label, the parent links as a tree of sub-agents, the billed tokens worked
 * out by hand in the agent fixtures, and the conversation.
 */

interface Expected {
  id: string;
  /** Undefined: not a root, but which kind the stored file cannot tell (see the prime case). */
  kind?: string;
  parentId?: string;
  totalTokens: number;
}

interface AgentCase {
  agent: string;
  label: string;
  /** Writes the agent's sessions under `home`: the paths to upload (none: the agent's own homes) and what they hold. */
  write: (home: string) => Promise<{ paths: string[]; sessions: Expected[] }>;
}

const CASES: AgentCase[] = [
  {
    agent: 'claude',
    label: 'claude-code',
    write: async (home) => {
      const c = writeClaudeHome(home);
      const sessions = [c.main, c.subagent, c.nested].map((s) => ({ ...s, totalTokens: s.usage.totalTokens }));
      return { paths: [], sessions };
    },
  },
  {
    agent: 'codex',
    label: 'codex',
    write: async (home) => {
      const c = writeCodexHome(home);
      return { paths: [], sessions: [c.root, c.child, c.fork].map((s) => ({ ...s, totalTokens: s.usage.totalTokens })) };
    },
  },
  {
    agent: 'gemini',
    label: 'gemini-cli',
    write: async (home) => {
      const g = writeGeminiHome(home);
      const sessions = [g.expected.main, g.expected.sub].map((e) => ({ ...e, totalTokens: e.tokens.totalTokens }));
      return { paths: [], sessions };
    },
  },
  {
    agent: 'opencode',
    label: 'opencode',
    write: async (home) => {
      await writeOpencodeDatabase(join(home, '.local', 'share', 'opencode'));
      const sessions = [ROOT, CHILD].map((id) => {
        const f = FACTS[id]!;
        return {
          id: opencodeSessionId(id),
          kind: f.kind,
          parentId: f.parentId && opencodeSessionId(f.parentId),
          totalTokens: f.totals.totalTokens,
        };
      });
      return { paths: [], sessions };
    },
  },
  {
    agent: 'prime',
    label: 'prime-agent',
    write: async (home) => {
      const a = writeAgentHome(home);
      return {
        paths: [join(home, 'agent')],
        sessions: [
          { id: a.mainId, kind: 'root', totalTokens: -1 },
          // A prime-agent sub-agent is told from a fork by its `sub-<hex>` folder (or an rlmDepth this
          // one lacks): the store keeps the file under its trace, so the kind read back is a fork's.
          { id: a.childId, parentId: a.mainId, totalTokens: -1 },
        ],
      };
    },
  },
];

/** Every session id in a tree. */
const idsOf = (node: ViewTreeNode): string[] => [node.session_id, ...node.children.flatMap(idsOf)];

describe.each(storeKinds())('the read API over every agent, on a $name store', (kind) => {
  const served = useServed(kind);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());
  const get = (path: string) => call(`${served.url}/api/v1/view${path}`, { token: served.server.token });

  it.each(CASES)('$agent: each session with its agent, its tokens, its place in the tree and its conversation', async (c) => {
    const home = join(tmp.path, 'home');
    const { paths, sessions } = await c.write(home);
    const env = isolatedEnv(tmp.path, { HOME: home, TRACES_TOKEN: served.server.token, TRACES_API_URL: served.url });
    const upload = await runCli(['upload', '--agent', c.agent, ...paths, '--json'], { env });
    expect(upload.code, upload.stdout + upload.stderr).toBe(0);

    const all = (await get('/sessions?all=true&limit=1000')).json<ViewList>().sessions;
    const byId = new Map(all.map((s) => [s.session_id, s]));
    for (const expected of sessions) {
      const summary = byId.get(expected.id)!;
      expect(summary, expected.id).toBeDefined();
      expect(summary).toMatchObject<Partial<ViewSummary>>({ agent: c.label, problem: null });
      if (expected.kind) expect(summary.kind).toBe(expected.kind);
      else expect(summary.kind).not.toBe('root');
      expect(summary.parent_session).toBe(expected.parentId ?? null);
      if (expected.totalTokens >= 0) expect(summary.tokens.total, expected.id).toBe(expected.totalTokens);
      expect(summary.sub_agents).toBe(all.filter((s) => s.parent_session === expected.id).length);
    }
    const root = sessions.find((s) => s.parentId === undefined)!;
    // The list shows roots only unless asked: every stored root is there, no session with a stored parent.
    const roots = (await get('/sessions')).json<ViewList>().sessions.map((s) => s.session_id);
    expect(roots).toContain(root.id);
    for (const s of sessions) if (s.parentId && byId.has(s.parentId)) expect(roots).not.toContain(s.id);

    for (const expected of sessions) {
      const answer = await get(`/sessions/${encodeURIComponent(expected.id)}`);
      expect(answer.status).toBe(200);
      const view = answer.json<ViewSession>();
      expect(view.summary.session_id).toBe(expected.id);
      // Every session sits in the tree of the root it descends from, with all that root's stored sessions.
      expect(idsOf(view.tree)).toContain(expected.id);
      if (expected.parentId) expect(idsOf(view.tree)).toContain(expected.parentId);
      expect(view.items.some((i) => i.type === 'user' || i.type === 'assistant')).toBe(true);
    }
    const tree = (await get(`/sessions/${encodeURIComponent(root.id)}`)).json<ViewSession>().tree;
    expect(tree.session_id).toBe(root.id);
    for (const s of sessions) if (s.parentId === root.id) expect(tree.children.map((n) => n.session_id)).toContain(s.id);
  });
});
