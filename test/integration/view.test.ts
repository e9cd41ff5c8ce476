import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome, header, writeSession } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { checkPage } from '../helpers/page-checks.js';
import { until } from '../helpers/until.js';

describe('traces view', () => {
  let tmp: ReturnType<typeof tempDir>;
  let home: ReturnType<typeof buildHome>;
  let env: Record<string, string | undefined>;
  beforeEach(() => {
    tmp = tempDir();
    home = buildHome(join(tmp.path, 'agent'));
    env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions });
  });
  afterEach(() => tmp.cleanup());

  it('writes one sealed page of a session file and its sub-agents, each its own section in one tree', async () => {
    const out = join(tmp.path, 'page.html');
    const result = await runCli(['view', home.root, '-o', out], { env });
    expect(result.stderr).toContain('wrote 3 sessions');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(out);
    const page = checkPage(readFileSync(out, 'utf8'));
    expect(page.sessions.map((s) => s.summary.session_id)).toEqual([home.rootId, home.childId, home.grandId]);
    const [root, child] = page.sessions;
    expect(root!.tree.session_id).toBe(home.rootId);
    expect(root!.tree.children.map((c) => c.session_id)).toEqual([home.childId]);
    expect(root!.tree.children[0]!.children.map((c) => c.session_id)).toEqual([home.grandId]);
    expect(root!.tree.subtree.sessions).toBe(3);
    expect(root!.summary.sub_agents).toBe(1);
    expect(child!.summary).toMatchObject({ kind: 'sub-agent', parent_session: home.rootId, trace_id: home.rootId });
    // The conversation, not an inlined copy of the sub-agents': the root's own messages.
    expect(root!.items.filter((i) => i.type === 'user').map((i) => i.text)).toEqual([
      `Question 0 for home:root`,
      `Question 1 for home:root`,
    ]);
    expect(root!.items.find((i) => i.tools.length)?.tools[0]).toMatchObject({ name: 'read', result: 'contents of file 0' });
  });

  it('finds a session by id in the agent homes and names the page after it in the current folder', async () => {
    const result = await runCli(['view', home.rootId], { env, cwd: tmp.path });
    expect(result.code).toBe(0);
    const out = join(tmp.path, `${home.rootId}.html`);
    expect(result.stdout.trim()).toBe(out);
    expect(checkPage(readFileSync(out, 'utf8')).sessions[0]!.summary.session_id).toBe(home.rootId);
  });

  it('keeps hostile text inside the data: a </script> in a message cannot end the element', async () => {
    const text = 'a </script><script>globalThis.pwned = 1</script> <!-- \u001b[31m <img src=x onerror=alert(1)> [x](javascript:alert(1))';
    const file = writeSession(join(tmp.path, 'hostile.jsonl'), header({ id: '11111111-2222-4333-8444-555555555555' }), [
      {
        type: 'message',
        id: 'e1',
        parentId: null,
        timestamp: '2026-11-01T10:00:01.000Z',
        message: { role: 'user', content: [{ type: 'text', text }] },
      },
    ]);
    const out = join(tmp.path, 'hostile.html');
    const result = await runCli(['view', file, '-o', out], { env });
    expect(result.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    const page = checkPage(html);
    expect(page.sessions[0]!.items[0]!.text).toBe(text);
    expect(html).not.toContain('globalThis.pwned = 1</script>');
  });

  it('replaces a page it wrote, but another file only with --force', async () => {
    const out = join(tmp.path, 'notes.html');
    writeFileSync(out, 'my notes');
    const refused = await runCli(['view', home.root, '-o', out], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${out}: exists and is not a page traces view wrote`);
    expect(readFileSync(out, 'utf8')).toBe('my notes');
    expect((await runCli(['view', home.root, '-o', out, '--force'], { env })).code).toBe(0);
    checkPage(readFileSync(out, 'utf8'));
    expect((await runCli(['view', home.child, '-o', out], { env })).code).toBe(0);
    expect(checkPage(readFileSync(out, 'utf8')).sessions[0]!.summary.session_id).toBe(home.childId);
  });

  it('names a file that is not a session, and an id found nowhere', async () => {
    const junk = join(tmp.path, 'junk.jsonl');
    writeFileSync(junk, 'not json\n');
    const notSession = await runCli(['view', junk, '-o', join(tmp.path, 'x.html')], { env });
    expect(notSession.code).toBe(1);
    expect(notSession.stderr).toContain(junk);
    const missing = await runCli(['view', 'no-such-session'], { env, cwd: tmp.path });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-session: no such session file');
    expect(existsSync(join(tmp.path, 'x.html'))).toBe(false);
  });

  it("--open runs the platform's opener with the page, and only warns when there is none", async () => {
    if (process.platform !== 'linux') return;
    const bin = join(tmp.path, 'bin');
    mkdirSync(bin);
    const opened = join(tmp.path, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const out = join(tmp.path, 'open.html');
    const result = await runCli(['view', home.root, '-o', out, '--open'], { env: { ...env, PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.code).toBe(0);
    await until(() => existsSync(opened) && readFileSync(opened, 'utf8') === out, 'the opener to be called with the page');
    const none = await runCli(['view', home.root, '-o', out, '--open'], { env: { ...env, PATH: join(tmp.path, 'empty') } });
    expect(none.code).toBe(0);
    expect(none.stderr).toContain(`could not open ${out}`);
  });
});
