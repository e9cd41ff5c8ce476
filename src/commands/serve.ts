import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isLoopback } from '../config/backend.js';
import { EXIT, UsageError, describeError } from '../errors.js';
import { TracesServer } from '../server/server.js';
import type { Io } from '../output/io.js';
import { firstSignal } from '../util/signals.js';
import type { ServeFlags } from './serve.def.js';
import { plural } from '../output/format.js';

/** Runs until SIGINT or SIGTERM, then finishes the requests in flight and returns 0. */
export async function serve(flags: ServeFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const tokens = (io.env.TRACES_SERVE_TOKEN ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  // `[::1]` as written in a URL is the address ::1 to listen on.
  const host = flags.host.trim().replace(/^\[(.*)\]$/, '$1');
  // An empty host would mean every interface, an empty --data the current folder: neither is what was meant.
  if (host === '') throw new UsageError('--host is empty', 'Use 127.0.0.1 (this machine only), or 0.0.0.0 (every interface).');
  if (flags.data.trim() === '') throw new UsageError('--data is empty');
  if (!flags.auth && !isLoopback(host)) {
    throw new UsageError(
      `--no-auth is only allowed on a loopback host, not ${flags.host}`,
      'Loopback means 127.0.0.0/8, ::1 or exactly localhost.',
    );
  }
  if (flags.auth && tokens.length === 0) {
    throw new UsageError(
      'no accepted tokens: set TRACES_SERVE_TOKEN (comma-separated)',
      'Or pass --no-auth to serve without authentication on a loopback host.',
    );
  }
  const bodyTimeoutMs = flags.bodyTimeout;
  if (bodyTimeoutMs < 1) throw new UsageError('--body-timeout must be at least 1 ms');
  const dataDir = resolve(io.cwd, flags.data);
  checkDataDir(dataDir);
  const server = new TracesServer({
    dataDir,
    tokens: flags.auth ? tokens : null,
    maxBytes: flags.maxBytes,
    bodyTimeoutMs,
    maxConnections: flags.maxConnections,
    log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  const url = await server.listen(host, flags.port).catch((error: unknown) => {
    throw listenError(error, host, flags.port);
  });
  // The signal handlers are in place before anyone can read the address and send a signal.
  const stopped = firstSignal(signals).then(async (name) => {
    io.stderr.write(`${name}: finishing requests in flight\n`);
    await server.close();
  });
  io.stdout.write(`listening on ${url}\n`);
  io.stderr.write(`data in ${dataDir}${flags.auth ? `; ${plural(tokens.length, 'accepted token')}` : '; no authentication'}\n`);
  await stopped;
  return EXIT.ok;
}

/** The data folder exists (or is made) and takes a file, before the first client finds out otherwise. */
function checkDataDir(dir: string): void {
  const probe = join(dir, `.traces-write-test-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new UsageError(`--data ${dir} is not a folder (a file is in the way)`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new UsageError(`--data ${dir}: cannot write there (${code})`, 'Choose a folder this user may write to.');
    }
    throw new UsageError(`--data ${dir}: ${describeError(error)}`);
  }
}

/** Why the server could not listen, as the user's to fix: these all come from --host, --port or the machine. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new UsageError(
        `port ${port} on ${host} is already in use`,
        'Stop whatever holds it, or choose another --port (0 = any free port).',
      );
    case 'EACCES':
    case 'EPERM':
      return new UsageError(
        `not allowed to listen on port ${port} on ${host}`,
        'Ports below 1024 need privileges: choose a --port of 1024 or above.',
      );
    case 'EADDRNOTAVAIL':
      return new UsageError(
        `--host ${host} is not an address of this machine`,
        'Use 127.0.0.1 (this machine only), or 0.0.0.0 (every interface).',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new UsageError(`--host ${host}: the name could not be resolved (${code})`);
    case 'EAFNOSUPPORT':
      return new UsageError(`--host ${host}: this machine does not support that address family`);
    default:
      return code ? new UsageError(`cannot listen on ${host} port ${port}: ${describeError(error)}`) : error;
  }
}
