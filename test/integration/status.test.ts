import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld();
const cli = (...args: string[]) => runCli(args, { env: world.env });

describe('traces status', () => {
  it('says why the hook worker last stopped short and where its log is, until a drain succeeds', async () => {
    const state = world.env.TRACES_STATE_DIR!;
    mkdirSync(state, { recursive: true });
    writeFileSync(
      join(state, 'queue.ndjson'),
      `${JSON.stringify({ id: 'q1', file: world.home.root, backend: world.server.url, at: new Date().toISOString() })}\n`,
    );
    const refused = await runCli(['hook', '--worker', '--give-up-after', '1000'], {
      env: { ...world.env, TRACES_TOKEN: 'wrong-token-123456' },
    });
    expect(refused.code).toBe(0);

    const human = await cli('status');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/last hook failure: \S+ \(worker\) .*(refused|401)/);
    expect(human.stdout).toContain(`hook log: ${join(state, 'hook.log')}`);
    expect(human.stdout).toContain('queue: 1 session waiting');
    const json = (await cli('status', '--json')).json();
    expect(json.last_failure).toMatchObject({ by: 'worker' });
    expect(json.hook_log).toBe(join(state, 'hook.log'));

    expect((await runCli(['hook', '--worker', '--give-up-after', '1000'], { env: world.env })).code).toBe(0);
    const after = await cli('status');
    expect(after.stdout).toContain('last hook failure: none');
    expect(after.stdout).toContain('queue: empty');
  });

  it('lists only backends that hold entries for sessions found now, and --forget drops one', async () => {
    const archive = join(world.tmp.path, 'archive');
    const old = join(world.tmp.path, 'old');
    expect((await cli('upload', '--to', archive)).code).toBe(0);
    expect((await cli('upload', '--to', old, world.home.fork)).code).toBe(0);
    rmSync(world.home.fork);

    const status = (await cli('status', '--json')).json();
    expect(status.backends.map((b: any) => b.backend)).toEqual([world.server.url, `file:${archive}`]);
    expect(status.other_backends).toEqual([`file:${old}`]);
    const human = await cli('status');
    expect(human.stdout).toContain(`also in the ledger, for no session found now: file:${old}`);
    expect(human.stdout).toMatch(/pending 3 .*\([0-9.]+ KiB to send\)/);

    const forgot = await cli('status', '--forget', `file:${archive}`);
    expect(forgot.code).toBe(0);
    expect(forgot.stderr).toContain(`forgot file:${archive}: 4 upload entries`);
    expect((await cli('status', '--json')).json().backends.map((b: any) => b.backend)).toEqual([world.server.url]);
    // Forgotten: the next upload there sends everything again.
    expect((await cli('upload', '--to', archive, '--json')).json().uploaded).toBe(3);

    const unknown = await cli('status', '--forget', 'file:/nowhere');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`Known: `);
  });

  it('a named sessions dir that does not exist is a usage error; the default one missing means no sessions', async () => {
    const named = await cli('status', '--sessions-dir', join(world.tmp.path, 'nope'));
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('no such folder');
    const env = { ...world.env, TRACES_SESSIONS_DIR: undefined, HOME: join(world.tmp.path, 'fresh-home') };
    const fresh = await runCli(['status', '--json'], { env });
    expect(fresh.code).toBe(0);
    expect(fresh.json().backends[0]).toMatchObject({ uploaded: 0, pending: 0 });
  });
});
