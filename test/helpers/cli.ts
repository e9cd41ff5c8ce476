import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/output/io.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

/** A temp folder removed by `cleanup()`. */
export function tempDir(prefix = 'traces-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // Retried: a detached worker of a test may still be finishing a write when the folder goes.
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) };
}

/** Runs `traces ...argv` in-process with its own env (never the developer's settings or token). */
export async function runCli(
  argv: string[],
  options: { env: Record<string, string | undefined>; stdin?: string; cwd?: string },
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const io: Io = {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: options.env,
    cwd: options.cwd ?? process.cwd(),
    stdinIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await main(argv, io);
  const result = {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    json: () => JSON.parse(result.stdout),
  };
  return result;
}

/** An environment with its own config and state folders and nothing inherited. */
export function isolatedEnv(root: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HOME: join(root, 'home'),
    TRACES_CONFIG_DIR: join(root, 'config'),
    TRACES_STATE_DIR: join(root, 'state'),
    PATH: process.env.PATH,
    ...extra,
  };
}
