import { resolve } from 'node:path';
import { isLoopback } from '../config/backend.js';
import { EXIT, UsageError } from '../errors.js';
import { TracesServer } from '../server/server.js';
import type { Io } from '../output/io.js';

export interface ServeFlags {
  host: string;
  port: number;
  data: string;
  maxBytes: number;
  auth: boolean;
}

export const DEFAULT_SERVE_MAX_BYTES = 100 * 1024 * 1024;

/** Runs until SIGINT or SIGTERM, then finishes the requests in flight and returns 0. */
export async function serve(flags: ServeFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const tokens = (io.env.TRACES_SERVE_TOKEN ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!flags.auth && !isLoopback(flags.host)) {
    throw new UsageError(`--no-auth is only allowed on a loopback host, not ${flags.host}`);
  }
  if (flags.auth && tokens.length === 0) {
    throw new UsageError(
      'no accepted tokens: set TRACES_SERVE_TOKEN (comma-separated)',
      'Or pass --no-auth to serve without authentication on a loopback host.',
    );
  }
  const dataDir = resolve(io.cwd, flags.data);
  const server = new TracesServer({
    dataDir,
    tokens: flags.auth ? tokens : null,
    maxBytes: flags.maxBytes,
    log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  const url = await server.listen(flags.host, flags.port);
  io.stdout.write(`listening on ${url}\n`);
  io.stderr.write(`data in ${dataDir}${flags.auth ? `; ${tokens.length} accepted token(s)` : '; no authentication'}\n`);
  await new Promise<void>((done) => {
    const stop = (name: string) => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      io.stderr.write(`${name}: finishing requests in flight\n`);
      void server.close().then(done);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
  return EXIT.ok;
}
