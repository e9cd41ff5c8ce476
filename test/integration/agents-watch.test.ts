import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watch } from '../../src/commands/watch.js';
import type { Io } from '../../src/output/io.js';
import { isolatedEnv, tempDir } from '../helpers/cli.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { useShortBackoff } from '../helpers/backoff.js';
import { until } from '../helpers/until.js';
import { writeClaudeHome } from '../helpers/agent-files/claude.js';
import { writeCodexHome } from '../helpers/agent-files/codex.js';
import { ROOT, writeOpencodeDatabase } from '../helpers/agent-files/opencode.js';
import { opencodeSessionId } from '../../src/core/agents/opencode/index.js';

useShortBackoff();
let tmp: ReturnType<typeof tempDir>;
let server: RecordingServer;
let env: Record<string, string | undefined>;
let home: string;

beforeEach(async () => {
  tmp = tempDir();
  home = join(tmp.path, 'home');
  server = new RecordingServer(join(tmp.path, 'served'));
  await server.start();
  env = isolatedEnv(tmp.path, { TRACES_TOKEN: server.token, TRACES_API_URL: server.url, HOME: home });
});

afterEach(async () => {
  await server.stop();
  tmp.cleanup();
});

function startWatch(agent: string[]) {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const stdout = new PassThrough();
  stdout.resume();
  const io: Io = { stdout, stderr, stdin: Readable.from([]), env, cwd: tmp.path, stdinIsTTY: false, stderrIsTTY: false };
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

const sent = () => new Set(server.puts().map((p) => decodeURIComponent(p.url.split('/').pop()!)));

describe('traces watch --agent', () => {
  it("follows every chosen agent's home, created after the watch started (Codex's dated folders included)", async () => {
    const w = startWatch(['claude,codex']);
    await w.ready();
    expect(w.stderr()).toContain('waiting for');
    const claude = writeClaudeHome(home);
    const codex = writeCodexHome(home);
    const wanted = [claude.main.id, claude.subagent.id, codex.root.id, codex.child.id, codex.fork.id];
    await until(() => wanted.every((id) => sent().has(id)), 'every session of both agents');
    expect(await w.stop()).toBe(0);
  });

  it("re-exports opencode's database when it (or its WAL) changes, and sends the sessions", async () => {
    const w = startWatch(['opencode']);
    await w.ready();
    await writeOpencodeDatabase(join(home, '.local', 'share', 'opencode'));
    await until(() => sent().has(opencodeSessionId(ROOT)), "opencode's sessions");
    expect(await w.stop()).toBe(0);
  });
});
