import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { runCli } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld();

const cli = (...args: string[]) => runCli(args, { env: world.env });

describe('traces tree', () => {
  it('nests sub-agents under their parents, tells kinds apart, and shows the upload state', async () => {
    const before = await cli('tree', '--json');
    expect(before.code).toBe(0);
    const [root] = before.json();
    expect(root).toMatchObject({
      id: world.home.rootId,
      kind: 'root',
      state: 'pending',
      trace_id: world.home.rootId,
      parent_session: null,
    });
    const children = Object.fromEntries(root.children.map((c: any) => [c.id, c]));
    expect(children[world.home.childId]).toMatchObject({ kind: 'sub-agent', parent_session: world.home.rootId });
    expect(children[world.home.forkId]).toMatchObject({ kind: 'fork', parent_session: world.home.rootId });
    expect(children[world.home.childId].children[0]).toMatchObject({
      id: world.home.grandId,
      kind: 'sub-agent',
      trace_id: world.home.rootId,
    });

    await cli('upload');
    appendFileSync(world.home.fork, `${JSON.stringify({ type: 'label', id: 'c0ffee01', parentId: null, timestamp: 't' })}\n`);
    const after = await cli('tree');
    expect(after.stdout).toContain(`${world.home.rootId}  root  prime`);
    expect(after.stdout).toMatch(new RegExp(`[├└]─ ${world.home.childId}  sub-agent  prime  [0-9.]+ KiB  uploaded`));
    expect(after.stdout).toMatch(new RegExp(`[├└]─ ${world.home.forkId}  fork  prime  [0-9.]+ KiB  pending`));
    expect(after.stdout).toMatch(new RegExp(`│? *└─ ${world.home.grandId}  sub-agent`));
  });

  it('shows a session whose parent is missing at the top, saying so', async () => {
    const id = uuidFrom('orphan');
    writeSession(join(world.home.sessions, `${id}.jsonl`), header({ id, parentSession: 'gone.jsonl' }), entries('orphan', 1));
    const result = await cli('tree', '--json');
    const orphan = result.json().find((n: any) => n.id === id);
    expect(orphan).toMatchObject({ kind: 'fork', trace_id: id, parent_session: null });
    expect(orphan.problem).toContain('missing or not a session');
  });
});

describe('traces status', () => {
  it('counts uploaded, pending, failed and too large per backend', async () => {
    expect((await cli('status', '--json')).json().backends[0]).toMatchObject({ backend: world.server.url, pending: 4, uploaded: 0 });
    await cli('upload');
    writeFileSync(join(world.home.sessions, 'notes.jsonl'), '{"not":"a session"}\n');
    appendFileSync(world.home.child, `${JSON.stringify({ type: 'label', id: 'c0ffee02', parentId: null, timestamp: 't' })}\n`);
    await cli('upload', '--to', join(world.tmp.path, 'archive'), '--max-bytes', '2400');
    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    const byBackend = Object.fromEntries(status.json().backends.map((b: any) => [b.backend, b]));
    expect(byBackend[world.server.url]).toMatchObject({ uploaded: 3, pending: 1, failed: 0, too_large: 0 });
    const archive = byBackend[`file:${join(world.tmp.path, 'archive')}`];
    expect(archive.uploaded + archive.too_large).toBe(4);
    expect(archive.too_large).toBeGreaterThan(0);
    const human = await cli('status');
    expect(human.stdout).toContain(`${world.server.url} (current)`);
    expect(human.stdout).toContain('queue: empty');
  });
});
