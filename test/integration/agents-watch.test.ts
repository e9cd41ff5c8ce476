import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watch } from '../../src/commands/watch.js';
import type { Io } from '../../src/output/io.js';
import { useAgentWorld } from '../helpers/agent-world.js';
import { useShortBackoff } from '../helpers/backoff.js';
import { until } from '../helpers/until.js';
import { writeClaudeHome } from '../helpers/agent-files/claude.js';
import { writeCodexHome } from '../helpers/agent-files/codex.js';
import { ROOT, writeOpencodeDatabase } from '../helpers/agent-files/opencode.js';
import { opencodeSessionId } from '../../src/core/agents/opencode/index.js';

useShortBackoff();
const world = useAgentWorld();

function startWatch(agent: string[]) {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const stdout = new PassThrough();
  stdout.resume();
  const io: Io = { stdout, stderr, stdin: Readable.from([]), env: world.env, cwd: world.tmp.path, stdinIsTTY: false, stderrIsTTY: false };
  const signals = new EventEmitter();
  const done = watch([], { retries: 3, timeout: 10_000, debounce: 100, minInterval: 300, flushTimeout: 5000, agent }, io, signals);
  return {
    stderr: () => err,
    ready: () => until(() => err.includes('watching'), 'the watcher to start'),
    stop: async () => {
      signals.emit('SIGTERM');
      return done;
    },
  };
}

const sent = () => new Set(world.sent());

describe('traces watch --agent', () => {
  it("follows every chosen agent's home, created after the watch started (Codex's dated folders included)", async () => {
    const w = startWatch(['claude,codex']);
    await w.ready();
    expect(w.stderr()).toContain('waiting for');
    const claude = writeClaudeHome(world.home);
    const codex = writeCodexHome(world.home);
    const wanted = [claude.main.id, claude.subagent.id, codex.root.id, codex.child.id, codex.fork.id];
    await until(() => wanted.every((id) => sent().has(id)), 'every session of both agents');
    expect(await w.stop()).toBe(0);
  });

  it("re-exports opencode's database when it (or its WAL) changes, and sends the sessions", async () => {
    const w = startWatch(['opencode']);
    await w.ready();
    await writeOpencodeDatabase(join(world.home, '.local', 'share', 'opencode'));
    await until(() => sent().has(opencodeSessionId(ROOT)), "opencode's sessions");
    expect(await w.stop()).toBe(0);
  });
});
