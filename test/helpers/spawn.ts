import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/traces.js', import.meta.url));
export const DIST = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/**
 * The e2e tests run the built CLI: `npm test` builds it first (`pretest`). Run any other way
 * (`npx vitest`), a dist/ missing or older than a file in src/ stops the test instead of
 * testing yesterday's code.
 */
export function assertBuilt(): void {
  if (!existsSync(DIST)) throw new Error('dist/cli.js is missing: run `npm run build` (`npm test` builds it first)');
  const built = statSync(DIST).mtimeMs;
  const newer = readdirSync(SRC, { recursive: true, withFileTypes: true }).find(
    (e) => e.isFile() && statSync(join(e.parentPath, e.name)).mtimeMs > built,
  );
  if (newer)
    throw new Error(`dist/ is older than ${join(newer.parentPath, newer.name)}: run \`npm run build\` (\`npm test\` builds it first)`);
}

export interface Served {
  child: ChildProcess;
  url: string;
  stderr(): string;
  exited: Promise<number | null>;
}

/**
 * Starts `traces serve --port 0` as a real process and waits for its "listening on" line;
 * `fileLimit` runs it under `ulimit -n` (through sh).
 */
export async function spawnServe(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { fileLimit?: number } = {},
): Promise<Served> {
  assertBuilt();
  const argv = [BIN, 'serve', '--port', '0', ...args];
  const [command, commandArgs] =
    options.fileLimit === undefined
      ? [process.execPath, argv]
      : ['sh', ['-c', `ulimit -n ${options.fileLimit} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(command, commandArgs, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 10_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
  });
  return { child, url, stderr: () => err, exited };
}
