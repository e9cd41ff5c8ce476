import { EXIT } from '../errors.js';
import type { Io } from '../output/io.js';
import { VERSION } from '../version.js';

/** `traces 0.1.0 (node v20.19.0)`: both versions, which a bug report needs. */
export function versionLine(): string {
  return `traces ${VERSION} (node ${process.version})`;
}

export function version(_args: string[], _flags: unknown, io: Io): Promise<number> {
  io.stdout.write(`${versionLine()}\n`);
  return Promise.resolve(EXIT.ok);
}
