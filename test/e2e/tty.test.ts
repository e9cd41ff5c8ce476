import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { isolatedEnv, tempDir } from '../helpers/cli.js';
import { BIN, assertBuilt } from '../helpers/spawn.js';

// `script` (util-linux) runs the CLI on a real pseudo-terminal, whose size the command sets with stty.
const hasScript = spawnSync('script', ['--version']).status === 0;
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`); // a colour code

let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string | undefined>;
const children: ChildProcess[] = [];
beforeEach(() => {
  assertBuilt();
  tmp = tempDir();
  env = isolatedEnv(tmp.path, { TRACES_TOKEN: 'tty-token', TERM: 'xterm' });
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  tmp.cleanup();
});

function sessions(n: number): string {
  const dir = join(tmp.path, 'sessions');
  for (let i = 0; i < n; i++) {
    const id = uuidFrom(`tty${i}`);
    writeSession(join(dir, `${id}.jsonl`), header({ id }), entries(`tty${i}`, 3, 2000));
  }
  return dir;
}

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (status) => resolve({ status, stdout, stderr })));
}

interface Tty {
  output(): string;
  /** Types on the terminal (e.g. \x03, Ctrl-C). */
  type(text: string): void;
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<number | null>;
}

/** `traces <args>` on a pseudo-terminal of `cols` columns; killed (and the test failed) if it outlives `limitMs`. */
function onTerminal(args: string[], options: { cols: number; env?: Record<string, string>; limitMs?: number }): Tty {
  const command = `stty cols ${options.cols} rows 24; exec "${process.execPath}" "${BIN}" ${args.map((a) => `'${a}'`).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const waiters: (() => void)[] = [];
  const collect = (c: Buffer) => {
    out += c.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 30_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (clearTimeout(limit), resolve(code))));
  return {
    output: () => out,
    type: (text) => child.stdin.write(text),
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) resolve();
          else waiters.push(check);
        };
        void exited.then(() => (pattern.test(out) ? resolve() : reject(new Error(`exited before ${pattern}; output:\n${out}`))));
        check();
      }),
  };
}

/**
 * An upload backend whose answers wait until the test lets them go: `release(n)` answers the next
 * n PUTs (their bodies are read whole first), so the test sees each step without timing it.
 */
class GatedBackend {
  private server!: Server;
  private waiting: ServerResponse[] = [];
  private allowed = 0;
  readonly received: string[] = [];
  private onRequest: (() => void)[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  release(n: number): void {
    this.allowed += n;
    this.flush();
  }

  /** Resolves once `n` PUTs have arrived. */
  arrived(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.received.length >= n ? resolve() : this.onRequest.push(check));
      check();
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).length;
    const id = decodeURIComponent(req.url!.split('/').pop()!);
    this.received.push(id);
    for (const check of this.onRequest.splice(0)) check();
    res.setHeader('content-type', 'application/json');
    (res as ServerResponse & { answer?: string }).answer = JSON.stringify({
      success: true,
      session_id: id,
      trace_id: id,
      bytes_stored: bytes,
      key: `sessions/${id}`,
    });
    this.waiting.push(res);
    this.flush();
  }

  private flush(): void {
    while (this.allowed > 0 && this.waiting.length) {
      this.allowed--;
      const res = this.waiting.shift()! as ServerResponse & { answer: string };
      res.end(res.answer);
    }
  }
}

describe.skipIf(!hasScript)('upload on a terminal', () => {
  let backend: GatedBackend;
  beforeEach(async () => {
    backend = new GatedBackend();
    env.TRACES_API_URL = await backend.start();
  });
  afterEach(() => backend.stop());

  it('finishes on a terminal that reports 0 columns, and on one of 1 column', async () => {
    const dir = sessions(30);
    for (const cols of [0, 1]) {
      const tty = onTerminal(['upload', dir, '--to', join(tmp.path, `store-${cols}`)], { cols, limitMs: 12_000 });
      expect(await tty.exited, tty.output()).toBe(0);
      expect(tty.output()).toMatch(/30 sessions uploaded/);
    }
  });

  it('shows done/total, bytes, rate and ETA from the first frame, in colour unless NO_COLOR or --no-color', async () => {
    const dir = sessions(4);
    const cases: [Record<string, string>, string[], boolean][] = [
      [{}, [], true],
      [{ NO_COLOR: '1' }, [], false],
      [{}, ['--no-color'], false],
    ];
    for (const [extraEnv, flags, coloured] of cases) {
      const tty = onTerminal(['upload', dir, '--concurrency', '1', '--force', ...flags], { cols: 80, env: extraEnv });
      // The first frame already has the label and the totals, before any answer came.
      await tty.waitFor(/Uploading 0\/4 · 0 B of \d+(\.\d)? KiB/);
      backend.release(1);
      await tty.waitFor(/Uploading 1\/4 · [\d.]+ KiB of [\d.]+ KiB · [\d.]+ (B|KiB|MiB)\/s · ETA \d+(s|m\d\ds)/);
      backend.release(3);
      expect(await tty.exited, tty.output()).toBe(0);
      expect(tty.output()).toMatch(/4 sessions uploaded/);
      expect(SGR.test(tty.output()), tty.output()).toBe(coloured);
    }
  });

  it('Ctrl-C stops the run: in-flight requests dropped, what finished kept, one line, exit 130; the next run sends the rest', async () => {
    const dir = sessions(5);
    const tty = onTerminal(['upload', dir, '--concurrency', '1'], { cols: 80 });
    backend.release(2);
    await backend.arrived(3); // the third is in flight, held by the backend
    await tty.waitFor(/Uploading 2\/5/);
    tty.type('\x03');
    expect(await tty.exited, tty.output()).toBe(130);
    expect(tty.output()).toMatch(/interrupted: 2 of 5 sessions sent; run again to resume/);
    expect(tty.output()).not.toMatch(/this is a bug|sessions uploaded/);

    backend.release(100);
    // Not spawnSync: the backend answers from this process.
    const again = await run(['upload', dir, '--json']);
    expect(again.status, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { uploaded: number; unchanged: number };
    expect({ uploaded: report.uploaded, unchanged: report.unchanged }).toEqual({ uploaded: 3, unchanged: 2 });
  });

  it('Ctrl-C during events push: exit 130, the acknowledged sessions kept, the next run pushes the rest', async () => {
    const dir = sessions(5);
    const tty = onTerminal(['events', 'push', dir, '--concurrency', '1'], { cols: 80 });
    backend.release(4); // a session start and one batch each: two sessions
    await backend.arrived(5);
    await tty.waitFor(/Pushing 2\/5/);
    tty.type('\x03');
    expect(await tty.exited, tty.output()).toBe(130);
    expect(tty.output()).toMatch(/interrupted: 2 of 5 sessions sent; run again to resume/);

    backend.release(100);
    const again = await run(['events', 'push', dir, '--json']);
    expect(again.status, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { pushed: number; unchanged: number };
    expect({ pushed: report.pushed, unchanged: report.unchanged }).toEqual({ pushed: 3, unchanged: 2 });
  });

  it('--quiet: no progress and no per-session lines, only the summary', async () => {
    const dir = sessions(3);
    backend.release(100);
    const tty = onTerminal(['upload', dir, '--quiet'], { cols: 80 });
    expect(await tty.exited, tty.output()).toBe(0);
    expect(tty.output()).not.toMatch(/Uploading|uploaded {2}/);
    expect(tty.output().trim().split(/\r?\n/)).toEqual([expect.stringMatching(/^3 sessions uploaded .* in [\d.]+ s$/)]);
  });
});
