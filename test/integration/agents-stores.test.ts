import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useAgentWorld } from '../helpers/agent-world.js';
import { writeClaudeHome } from '../helpers/agent-files/claude.js';
import { writeGeminiHome } from '../helpers/agent-files/gemini.js';
import { ROOT, writeOpencodeDatabase, writeOpencodeStorage } from '../helpers/agent-files/opencode.js';
import { opencodeSessionId } from '../../src/core/agents/opencode/index.js';

/**
 * opencode's store as traces meets it in the wild: next to other agents' sessions, broken, empty,
 * reached through its data folder, its database or its WAL.
 */
const world = useAgentWorld();
const cli = (...args: string[]) => runCli(args, { env: world.env });
const opencodeData = () => join(world.home, '.local', 'share', 'opencode');

describe('opencode stores', () => {
  it('a store that cannot be read fails as one item; every other agent’s session is still sent (exit 1)', async () => {
    const claude = writeClaudeHome(world.home);
    mkdirSync(opencodeData(), { recursive: true });
    writeFileSync(join(opencodeData(), 'opencode.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(200, 7)]));
    const result = await cli('upload', '--agent', 'all', '--json');
    expect(result.code).toBe(1);
    expect(world.sent()).toContain(claude.main.id);
    const failed = result.json().sessions.filter((s: any) => s.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toContain('opencode.db');
  });

  it.each(['a folder', 'a FIFO'])('a WAL that is %s is named, never opened (no hang, no "bug")', async (kind) => {
    await writeOpencodeDatabase(opencodeData());
    const wal = join(opencodeData(), 'opencode.db-wal');
    execFileSync('rm', ['-f', wal]);
    if (kind === 'a folder') mkdirSync(wal);
    else execFileSync('mkfifo', [wal]);
    const result = await cli('upload', '--agent', 'opencode', '--json');
    expect(result.code).toBe(1);
    expect(result.json().sessions[0].error).toContain(`${wal}: not a regular file`);
  });

  it('a named folder holding a database is exported and still read for its other sessions', async () => {
    const claude = writeClaudeHome(world.home);
    const mixed = join(world.tmp.path, 'mixed');
    mkdirSync(mixed);
    execFileSync('cp', [claude.main.path, join(mixed, 'claude.jsonl')]);
    await writeOpencodeDatabase(mixed);
    const result = await cli('upload', mixed, '--json');
    expect(result.code, result.stdout).toBe(0);
    expect(world.sent()).toEqual(expect.arrayContaining([claude.main.id, opencodeSessionId(ROOT)]));
  });

  it('a database with no session yet is nothing to send (exit 0), not a missing folder', async () => {
    mkdirSync(opencodeData(), { recursive: true });
    const db = join(opencodeData(), 'opencode.db');
    const { default: initSqlJs } = await import('sql.js');
    const SQL = await initSqlJs();
    const empty = new SQL.Database();
    empty.run('CREATE TABLE session (id TEXT PRIMARY KEY, data TEXT)');
    writeFileSync(db, Buffer.from(empty.export()));
    const result = await cli('upload', db, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ total: 0 });
  });

  it('the database reached through its WAL (as a watcher sees it change) is the same export: nothing sent twice', async () => {
    await writeOpencodeDatabase(opencodeData());
    expect((await cli('upload', '--agent', 'opencode', '--json')).code).toBe(0);
    const before = world.sent().length;
    const again = await cli('upload', join(opencodeData(), 'opencode.db-wal'), '--json');
    expect(again.code, again.stdout).toBe(0);
    expect(world.sent()).toHaveLength(before);
    expect(again.json().sessions.every((s: any) => s.status === 'unchanged')).toBe(true);
  });

  it("a FIFO where an agent keeps a sidecar (Claude's .meta.json, Gemini's projects.json) is never opened: no hang", async () => {
    const claude = writeClaudeHome(world.home);
    const gemini = writeGeminiHome(world.home);
    const meta = claude.subagent.path.replace(/\.jsonl$/, '.meta.json');
    execFileSync('rm', ['-f', meta, join(world.home, '.gemini', 'projects.json')]);
    execFileSync('mkfifo', [meta, join(world.home, '.gemini', 'projects.json')]);
    const result = await cli('upload', '--agent', 'claude,gemini', '--json');
    expect(result.code, result.stdout).toBe(0);
    expect(world.sent()).toEqual(expect.arrayContaining([claude.subagent.id, gemini.expected.main.id]));
  });

  it('a damaged file of storage/ costs its own session only: the database beside it is still sent', async () => {
    await writeOpencodeDatabase(opencodeData());
    const storage = writeOpencodeStorage(opencodeData());
    const messages = join(storage, 'message');
    const sessionDir = readdirSync(messages)[0]!;
    writeFileSync(join(messages, sessionDir, readdirSync(join(messages, sessionDir))[0]!), '{"id": broken\n');
    const result = await cli('upload', '--agent', 'opencode', '--json');
    expect(result.code).toBe(1);
    expect(world.sent()).toContain(opencodeSessionId(ROOT));
    const failed = result.json().sessions.filter((s: any) => s.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).not.toContain('\n');
    const tree = await cli('tree', '--agent', 'opencode', '--json');
    expect(tree.code).toBe(1);
    expect(JSON.stringify(tree.json())).toContain(opencodeSessionId(ROOT));
  });

  it('sessions save takes a store path: every session in it', async () => {
    await writeOpencodeDatabase(opencodeData());
    const db = join(opencodeData(), 'opencode.db');
    const result = await cli('sessions', 'save', db, '--dry-run', '--json', '--model', 'm');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json().sessions.map((s: any) => s.id)).toContain(opencodeSessionId(ROOT));
  });
});
