import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useWorld } from '../helpers/world.js';

// --quiet on every data command: only errors and the closing summary reach stderr.
const world = useWorld();
const cli = (...args: string[]) => runCli(args, { env: world.env });

describe('--quiet', () => {
  it('sessions save: no line per saved session, the summary and failures stay', async () => {
    const loud = await cli('sessions', 'save', world.home.root, world.home.child, '--org', 'acme', '--workspace', 'ml');
    expect(loud.code).toBe(0);
    expect(loud.stderr).toContain(world.home.rootId);
    const quiet = await cli('sessions', 'save', world.home.root, world.home.fork, '--org', 'acme', '--workspace', 'ml', '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain(world.home.forkId);
    expect(quiet.stderr).toMatch(/saved|exists/);
  });

  it('events send: the summary only', async () => {
    const file = join(world.tmp.path, 'events.ndjson');
    writeFileSync(file, '{"event_type":"tool","inputs":{}}\n');
    const quiet = await cli('events', 'send', '--session', world.home.rootId, '--file', file, '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('hook --wait: no line per session, the summary stays', async () => {
    const loud = await cli('hook', '--wait', '--session', world.home.root);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toContain(world.home.childId);
    await cli('upload', '--force', '--json');
    const quiet = await cli('hook', '--wait', '--session', world.home.root, '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain(world.home.childId);
    expect(quiet.stderr).toMatch(/unchanged|uploaded/);
  });
});
