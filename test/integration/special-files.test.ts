import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHome, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

// Only regular files are ever opened as sessions: a FIFO with no writer would block an open()
// for ever (and with it the agent that runs the hook), a socket or a device is no session.

let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
let home: ReturnType<typeof buildHome>;
let fifo: string;
let breaker: ChildProcess | undefined;
let socket: Server | undefined;

beforeEach(() => {
  tmp = tempDir();
  home = buildHome(join(tmp.path, 'agent'), { turns: 1 });
  env = isolatedEnv(tmp.path, { TRACES_SESSIONS_DIR: home.sessions, TRACES_API_URL: join(tmp.path, 'store') });
  fifo = join(home.sessions, 'fifo.jsonl');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  // Without the fix the CLI blocks in open() and, run in-process, no timer of this test could
  // fire: a separate process opens the FIFO for writing later, so such a run ends (and fails)
  // instead of hanging the suite. With the fix nobody reads it and the process is killed below.
  breaker = spawn('sh', ['-c', 'sleep 3; while :; do : >"$1"; done', 'sh', fifo], { stdio: 'ignore' });
});

afterEach(async () => {
  breaker?.kill();
  if (socket) await new Promise((r) => socket!.close(r));
  socket = undefined;
  tmp.cleanup();
});

describe('a FIFO, socket or device named as a session', () => {
  it('upload FIFO is a usage error at once, naming the file and what it is', async () => {
    const result = await runCli(['upload', fifo, '--json'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${fifo}: not a regular file (a FIFO)`);
  });

  it('upload SOCKET and upload /dev/null are usage errors too', async () => {
    const path = join(tmp.path, 'sock.jsonl');
    socket = createServer();
    await new Promise<void>((r) => socket!.listen(path, r));
    const sock = await runCli(['upload', path], { env });
    expect(sock.code).toBe(2);
    expect(sock.stderr).toContain('not a regular file (a socket)');
    const dev = await runCli(['upload', '/dev/null'], { env });
    expect(dev.code).toBe(2);
    expect(dev.stderr).toContain('not a regular file (a character device)');
  });

  it('hook --session FIFO returns at once with a usage error and queues nothing', async () => {
    const result = await runCli(['hook', '--session', fifo], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a regular file (a FIFO)');
    expect(existsSync(join(tmp.path, 'state', 'queue.ndjson'))).toBe(false);
  });

  it('hook --wait --session FIFO returns at once with a usage error', async () => {
    const result = await runCli(['hook', '--wait', '--session', fifo], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a regular file (a FIFO)');
  });

  it('a FIFO among the sub-agents of a hooked session is passed over; the session is still queued', async () => {
    const subFifo = join(home.sessions, '..', 'session-artifacts', home.rootId, 'sub-00000000', 'odd.jsonl');
    writeSession(join(home.sessions, '..', 'session-artifacts', home.rootId, 'sub-00000000', 'x.jsonl'), header({ id: uuidFrom('x') }));
    expect(spawnSync('mkfifo', [subFifo]).status).toBe(0);
    const result = await runCli(['hook', '--session', home.root], { env: { ...env, TRACES_API_URL: 'ftp://nowhere' } });
    expect(result.code).toBe(0);
    const queue = readFileSync(join(tmp.path, 'state', 'queue.ndjson'), 'utf8');
    expect(queue).toContain(home.root);
    expect(queue).not.toContain('odd.jsonl');
  });
});
