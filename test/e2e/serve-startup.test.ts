import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { within } from '../helpers/raw-socket.js';
import { BIN, assertBuilt } from '../helpers/spawn.js';

let tmp: ReturnType<typeof tempDir>;
let busy: Server | undefined;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  await new Promise((resolve) => (busy ? busy.close(resolve) : resolve(undefined)));
  busy = undefined;
  tmp.cleanup();
});

/** Runs the built CLI to its exit; a `serve` that starts after all is stopped and reported as such. */
function traces(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: join(tmp.path, 'home'),
      TRACES_CONFIG_DIR: join(tmp.path, 'config'),
      TRACES_STATE_DIR: join(tmp.path, 'state'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (stdout.includes('listening on')) child.kill('SIGTERM');
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return within(
    new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))),
    `traces ${args.join(' ')} to exit`,
  );
}

const serve = (...args: string[]) =>
  traces(['serve', '--data', join(tmp.path, 'data'), ...args], { TRACES_SERVE_TOKEN: 'serve-token-123' });

function expectUsageError(run: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(run.stderr).not.toMatch(/this is a bug/);
  expect(run.stderr).toMatch(message);
  expect(run.stdout).not.toMatch(/listening on/);
  expect(run.code).toBe(2);
}

describe('traces under a file limit too low to start', () => {
  it('says so and how to fix it, instead of crashing with a stack', async () => {
    assertBuilt();
    const child = spawn(
      'sh',
      [
        '-c',
        'ulimit -n 40 && exec "$0" "$@"',
        process.execPath,
        BIN,
        'serve',
        '--no-auth',
        '--port',
        '0',
        '--data',
        join(tmp.path, 'data'),
      ],
      {
        env: { PATH: process.env.PATH ?? '', HOME: join(tmp.path, 'home') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await within(new Promise((resolve) => child.on('close', resolve)), 'traces to exit');
    expect(stderr).toMatch(/^error: too many open files/m);
    expect(stderr).toMatch(/ulimit -n/);
    expect(stderr).not.toMatch(/this is a bug|node:internal/);
    expect(code).toBe(1);
  });
});

describe('traces serve: what stops it from starting is a usage error (exit 2)', () => {
  it('a port in use', async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy!.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    expectUsageError(await serve('--port', String(port)), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  });

  it('a host that does not resolve, or is not an address of this machine', async () => {
    expectUsageError(
      await serve('--port', '0', '--host', 'no-such-host.invalid'),
      /--host no-such-host\.invalid: .*(does not resolve|could not be resolved)/,
    );
    expectUsageError(await serve('--port', '0', '--host', '192.0.2.1'), /--host 192\.0\.2\.1 is not an address of this machine/);
  });

  it('an empty --host or --data', async () => {
    expectUsageError(await serve('--port', '0', '--host', ''), /--host is empty/);
    expectUsageError(await serve('--port', '0', '--data', ' '), /--data is empty/);
  });

  it('--data that is a file, under a file, or cannot be written', async () => {
    const file = join(tmp.path, 'file');
    writeFileSync(file, 'x');
    expectUsageError(await serve('--port', '0', '--data', file), /--data .*file.* is not a folder/);
    expectUsageError(await serve('--port', '0', '--data', join(file, 'sub')), /--data .*sub.* is not a folder/);
    // root may write anywhere chmod allows it not to: /sys refuses even root.
    let locked = '/sys/traces-test-data';
    if (process.getuid?.() !== 0) {
      locked = join(tmp.path, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
    }
    expectUsageError(await serve('--port', '0', '--data', join(locked, 'data')), /--data .*data: cannot write there/);
  });

  it('--no-auth and a plain http:// backend need a loopback host: 127.0.0.0/8, ::1 or exactly localhost', async () => {
    for (const host of ['foo.localhost', 'localhost.example.com', '127.0.0.1.nip.io', '127.1']) {
      expectUsageError(
        await traces(['serve', '--no-auth', '--port', '0', '--host', host, '--data', join(tmp.path, 'd')]),
        new RegExp(`--no-auth is only allowed on a loopback host, not ${host.replace(/\./g, '\\.')}`),
      );
    }
    const refused = await traces(
      ['sessions', 'patch', 'session_0b7e5f3a1c2d4e5f8a9b0c1d2e3f4a5b', '--title', 't', '--to', 'http://foo.localhost:9/'],
      { TRACES_TOKEN: 'secret-token-1' },
    );
    expectUsageError(refused, /refusing to send the token in clear text to foo\.localhost:9/);
    expect(refused.stderr).not.toContain('secret-token-1');
    const local = await traces(['serve', '--no-auth', '--port', '0', '--host', 'LOCALHOST', '--data', join(tmp.path, 'd')]);
    expect(local.stdout + local.stderr).toMatch(/listening on/);
    expect(local.code).toBe(0);
  });
});
