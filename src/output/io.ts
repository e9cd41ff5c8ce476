import type { Env } from '../config/paths.js';

/** Everything a command may touch outside itself; tests pass their own. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: Env;
  cwd: string;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

/** CI=true (or any CI marker) means: no spinner, no prompt. */
export function isCI(env: Env): boolean {
  return Boolean(env.CI && env.CI !== 'false' && env.CI !== '0');
}

/** Spinners and prompts only for a person at a terminal. */
export function isInteractive(io: Io): boolean {
  return io.stderrIsTTY && !isCI(io.env);
}

/** Colour unless `--no-color` or `NO_COLOR` (any non-empty value, as no-color.org asks). */
export function wantsColor(io: Io, flag: boolean | undefined): boolean {
  return flag !== false && !io.env.NO_COLOR;
}

export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function say(io: Io, line: string): void {
  io.stderr.write(`${line}\n`);
}
