import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerGit, readHeader } from '../../src/core/sessions/header.js';
import { lastGitState } from '../../src/core/sessions/git-state.js';
import { openSnapshot } from '../../src/core/sessions/snapshot.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-git-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HEADER_GIT = { repoUrl: 'https://github.com/example/header.git', commit: 'h'.repeat(40), branch: 'main' };
const head = (git?: object) => ({
  type: 'session',
  version: 3,
  id: 's1',
  timestamp: '2026-11-01T10:00:00.000Z',
  cwd: '/w',
  ...(git ? { git } : {}),
});
const msg = (id: string, parentId: string | null, text = 'hello') => ({
  type: 'message',
  id,
  parentId,
  timestamp: 't',
  message: { role: 'user', content: text },
});
const gitState = (id: string | undefined, parentId: string | null | undefined, commit: string, extra: object = {}) => ({
  type: 'git_state',
  ...(id === undefined ? {} : { id }),
  ...(parentId === undefined ? {} : { parentId }),
  timestamp: 't',
  repoUrl: 'https://github.com/example/state.git',
  commit,
  branch: 'work',
  ...extra,
});

async function gitOf(lines: object[], gitBlock: object | null = HEADER_GIT, raw = '') {
  const path = join(dir, 's.jsonl');
  writeFileSync(path, [head(gitBlock ?? undefined), ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n' + raw);
  return gitOfFile(path);
}

async function gitOfFile(path: string) {
  const read = readHeader(path);
  if (!read.ok) throw new Error(read.reason);
  const snapshot = await openSnapshot(path);
  try {
    return await lastGitState(snapshot, headerGit(read.header));
  } finally {
    await snapshot.close();
  }
}

describe('lastGitState', () => {
  it('uses the header git when there is no git_state entry', async () => {
    expect(await gitOf([msg('a', null), msg('b', 'a')])).toEqual(HEADER_GIT);
  });

  it('is undefined with neither git_state nor header git', async () => {
    expect(await gitOf([msg('a', null)], null)).toBeUndefined();
  });

  it('takes the last git_state on the active branch', async () => {
    const git = await gitOf([
      msg('a', null),
      gitState('g1', 'a', '1'.repeat(40)),
      msg('b', 'g1'),
      gitState('g2', 'b', '2'.repeat(40)),
      msg('c', 'g2'),
    ]);
    expect(git).toEqual({ repoUrl: 'https://github.com/example/state.git', commit: '2'.repeat(40), branch: 'work' });
  });

  it('ignores a git_state on an abandoned branch', async () => {
    // a -> g1 -> b -> g2 (abandoned); the user went back to b and continued with c.
    const git = await gitOf([msg('a', null), gitState('g1', 'a', 'old'), msg('b', 'g1'), gitState('g2', 'b', 'abandoned'), msg('c', 'b')]);
    expect(git?.commit).toBe('old');
  });

  it('falls back to the header git when every git_state is off the active branch', async () => {
    const git = await gitOf([msg('a', null), msg('b', 'a'), gitState('g1', 'b', 'abandoned'), msg('c', 'a')]);
    expect(git).toEqual(HEADER_GIT);
  });

  it('reads version 1 entries without ids: the last git_state wins', async () => {
    const v1 = (commit: string) => gitState(undefined, undefined, commit);
    expect((await gitOf([{ type: 'message', message: { role: 'user' } }, v1('first'), { type: 'message' }, v1('last')]))?.commit).toBe(
      'last',
    );
  });

  it('reads the git facts when they are nested or use other names', async () => {
    const nested = { type: 'git_state', id: 'g1', parentId: 'a', git: { remote: 'git@x:y.git', sha: 'abc123' } };
    expect(await gitOf([msg('a', null), nested])).toEqual({ repoUrl: 'git@x:y.git', commit: 'abc123', branch: undefined });
  });

  it('skips a git_state with no repo or commit, and a message that merely mentions "git_state"', async () => {
    const empty = { type: 'git_state', id: 'g2', parentId: 'g1', branch: 'only-a-branch' };
    const mention = msg('m', 'g2', 'the entry type is "git_state" and {"type":"git_state","commit":"fake"}');
    const git = await gitOf([msg('a', null), gitState('g1', 'a', 'real'), empty, mention]);
    expect(git?.commit).toBe('real');
  });

  it('ignores a torn git_state at the end of the file (it is not part of the snapshot)', async () => {
    const torn = JSON.stringify(gitState('g2', 'g1', 'torn')).slice(0, -5);
    expect((await gitOf([msg('a', null), gitState('g1', 'a', 'kept')], HEADER_GIT, torn))?.commit).toBe('kept');
  });

  it('follows a branch whose entries have long content before their end', async () => {
    const long = msg('b', 'g1', 'x'.repeat(300_000));
    expect((await gitOf([msg('a', null), gitState('g1', 'a', 'one'), long, gitState('g2', 'b', 'two')]))?.commit).toBe('two');
  });
  it('follows entries that write other fields before their id (custom entries of the agent library)', async () => {
    // The agent's `custom` and `custom_message` entries put customType and data before id and
    // parentId; a nested "id" inside data must not be taken for the entry's own.
    const custom = (id: string, parentId: string, size: number) => ({
      type: 'custom',
      customType: 'ext',
      data: { id: 'nested', blob: 'd'.repeat(size) },
      id,
      parentId,
      timestamp: 't',
    });
    const git = await gitOf([msg('a', null), gitState('g1', 'a', '1'.repeat(40)), custom('c1', 'g1', 400), custom('c2', 'c1', 20)]);
    expect(git?.commit).toBe('1'.repeat(40));
  });
});

describe('lastGitState across the 1 MiB stream chunk boundary', () => {
  const MIB = 1024 * 1024;

  /** A file whose `"git_state"` marker starts `before` bytes ahead of the 1 MiB mark; `lead` bytes of the line precede it. */
  function straddling(name: string, before: number, lead: 'short' | 'long'): string {
    const path = join(dir, name);
    const fd = openSync(path, 'w');
    try {
      let at = writeSync(fd, `${JSON.stringify(head(HEADER_GIT))}\n`);
      // For a long lead the marker comes after a padding field, far from the line start.
      const prefix = lead === 'long' ? `{"id":"g1","parentId":"a","pad":"${'p'.repeat(5000)}","type":` : '{"type":';
      const target = MIB - before - prefix.length;
      const base = JSON.stringify({ type: 'message', id: 'a', parentId: null, pad: '' });
      const first = JSON.stringify({ type: 'message', id: 'a', parentId: null, pad: 'f'.repeat(target - at - 1 - base.length) });
      at += writeSync(fd, `${first}\n`);
      expect(at).toBe(target);
      const rest =
        lead === 'long'
          ? '"git_state","commit":"split","repoUrl":"r"}'
          : '"git_state","id":"g1","parentId":"a","commit":"split","repoUrl":"r"}';
      writeSync(fd, `${prefix}${rest}\n`);
      writeSync(fd, `${JSON.stringify(msg('z', 'g1'))}\n`);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  it('the snapshot stream really is cut at 1 MiB', async () => {
    const path = straddling('probe.jsonl', 5, 'short');
    const snapshot = await openSnapshot(path);
    try {
      const sizes: number[] = [];
      for await (const chunk of snapshot.stream() as AsyncIterable<Buffer>) sizes.push(chunk.length);
      expect(sizes[0]).toBe(MIB);
      expect((await snapshot.read(MIB - 5, 11)).toString()).toBe('"git_state"');
    } finally {
      await snapshot.close();
    }
  });

  for (const before of [1, 5, 10]) {
    for (const lead of ['short', 'long'] as const) {
      it(`finds a marker split ${before} byte(s) before the boundary (${lead} line start)`, async () => {
        const path = straddling(`split-${before}-${lead}.jsonl`, before, lead);
        expect((await gitOfFile(path))?.commit).toBe('split');
      });
    }
  }

  it('finds a marker that starts exactly at the boundary', async () => {
    expect((await gitOfFile(straddling('at.jsonl', 0, 'short')))?.commit).toBe('split');
  });
});

const real = fileURLToPath(new URL('../../../shared/fixtures/real/large-session.jsonl', import.meta.url));
describe.skipIf(!existsSync(real))('a real version 1 file', () => {
  it('has no git facts, and reading them does not fail', async () => {
    expect(await gitOfFile(real)).toBeUndefined();
  });
});

describe('lastGitState on generated session trees (read from the end, compared with a forward reading of every line)', () => {
  /** A small seeded generator, so that a failure can be replayed. */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** What the rule says, read forward: the last git_state whose id is on the path from the last entry to the root. */
  function expected(lines: Record<string, unknown>[], headerCommit: string | undefined): string | undefined {
    const parents = new Map<string, string | undefined>();
    let leaf: string | undefined;
    for (const l of lines) {
      if (typeof l.id !== 'string') continue;
      parents.set(l.id, typeof l.parentId === 'string' && l.parentId !== '' ? l.parentId : undefined);
      leaf = l.id;
    }
    const branch = new Set<string>();
    for (let id = leaf; id !== undefined && !branch.has(id); id = parents.get(id)) branch.add(id);
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      if (l.type !== 'git_state' || typeof l.commit !== 'string') continue;
      if (typeof l.id !== 'string' || branch.has(l.id)) return l.commit;
    }
    return headerCommit;
  }

  for (let seed = 1; seed <= 40; seed++) {
    it(`file ${seed}`, async () => {
      const rnd = random(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
      const withIds = rnd() > 0.15;
      const big = rnd() < 0.3; // long entries, so that the file spans many read pieces
      const lines: Record<string, unknown>[] = [];
      const ids: string[] = [];
      const count = 5 + Math.floor(rnd() * 60);
      for (let i = 0; i < count; i++) {
        const id = `e${i}`;
        // Mostly the previous entry; sometimes a jump back (a branch), sometimes a parent that is not in the file.
        const r = rnd();
        const parentId = ids.length === 0 ? null : r < 0.7 ? ids[ids.length - 1]! : r < 0.95 ? pick(ids) : 'missing';
        const kind = rnd();
        const pad = big && rnd() < 0.5 ? 'p'.repeat(Math.floor(rnd() * 400_000)) : 'p'.repeat(Math.floor(rnd() * 300));
        let line: Record<string, unknown>;
        if (kind < 0.25) line = { type: 'git_state', id, parentId, timestamp: 't', repoUrl: 'r', commit: `c${i}`, pad: pad.slice(0, 50) };
        else if (kind < 0.35) line = { type: 'custom', customType: 'x', data: { id: 'nested', blob: pad }, id, parentId };
        else if (kind < 0.45)
          line = {
            type: 'message',
            id,
            parentId,
            message: { role: 'user', content: `"git_state" ${pad} {"type":"git_state","commit":"fake${i}"}` },
          };
        else if (kind < 0.5) line = { type: 'git_state', id, parentId, branch: 'no commit here' };
        else line = { type: 'message', id, parentId, message: { role: 'assistant', content: pad } };
        if (!withIds) {
          delete line.id;
          delete line.parentId;
        }
        lines.push(line);
        ids.push(id);
      }
      const headerGit = rnd() < 0.5 ? HEADER_GIT : null;
      const torn =
        rnd() < 0.3
          ? JSON.stringify({ type: 'git_state', id: 'torn', parentId: ids[ids.length - 1], repoUrl: 'r', commit: 'torn' }).slice(0, -3)
          : '';
      const git = await gitOf(lines, headerGit, torn);
      expect(git?.commit).toBe(expected(lines, headerGit?.commit));
    });
  }
});
