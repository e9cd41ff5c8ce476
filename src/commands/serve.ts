import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isLoopback, parseBackend, type BackendSpec } from '../config/backend.js';
import { homeDir, stateDir } from '../config/paths.js';
import { readSettings } from '../config/settings.js';
import { openBucket } from '../backend/connect.js';
import { s3Url } from '../contracts/backend-id.js';
import { EXIT, UsageError, describeError } from '../errors.js';
import { TracesServer, type ServeOptions } from '../server/server.js';
import { DEFAULTS } from '../util/defaults.js';
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
  if (flags.data !== undefined && flags.store !== undefined) {
    throw new UsageError('--data and --store both name a store', 'Give one: --data DIR, or --store DIR or s3://bucket/prefix.');
  }
  if (flags.data?.trim() === '') throw new UsageError('--data is empty');
  if (flags.store?.trim() === '') throw new UsageError('--store is empty');
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
  const store = await openStore(flags, io);
  const server = new TracesServer({
    ...store.options,
    tokens: flags.auth ? tokens : null,
    maxBytes: flags.maxBytes,
    bodyTimeoutMs,
    maxConnections: flags.maxConnections,
    stateDir: stateDir(io.env),
    log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  const url = await server.listen(host, flags.port).catch((error: unknown) => {
    throw listenError(error, host, flags.port);
  });
  // The signal handlers are in place before anyone can read the address and send a signal.
  const stopped = firstSignal(signals).then(async (name) => {
    io.stderr.write(`${name}: finishing requests in flight\n`);
    await server.close();
    store.close();
  });
  io.stdout.write(`listening on ${url}\n`);
  io.stderr.write(`${store.where}${flags.auth ? `; ${plural(tokens.length, 'accepted token')}` : '; no authentication'}\n`);
  if (store.warning) io.stderr.write(`warning: ${store.warning}\n`);
  await stopped;
  return EXIT.ok;
}

/** What the server stores to, checked before it listens, and how it is named at start-up. */
interface OpenedStore {
  options: Pick<ServeOptions, 'dataDir' | 'store'>;
  where: string;
  warning?: string;
  close(): void;
}

/**
 * --data DIR or --store DIR|s3://bucket/prefix (default ./traces-data). A bucket is probed first:
 * missing, denied or unreachable, the server does not start (the store's error, with its exit code).
 */
async function openStore(flags: ServeFlags, io: Io): Promise<OpenedStore> {
  const value = flags.store ?? flags.data ?? './traces-data';
  const source = flags.store === undefined ? '--data' : '--store';
  const spec: BackendSpec =
    source === '--store'
      ? parseBackend(value, source, {
          allowHttp: Boolean(flags.allowHttp),
          cwd: io.cwd,
          home: homeDir(io.env),
          env: io.env,
          settings: readSettings(io.env),
        })
      : { kind: 'dir', dir: resolve(io.cwd, value), source };
  if (spec.kind === 'http') {
    throw new UsageError(`--store ${value}: a URL names a backend, not a store`, 'Give a folder, or s3://bucket/prefix.');
  }
  if (spec.kind === 'dir') {
    checkDataDir(spec.dir, source);
    return { options: { dataDir: spec.dir }, where: `data in ${spec.dir}`, close: () => {} };
  }
  const store = await openBucket(spec, { env: io.env, retries: DEFAULTS.retries, timeoutMs: DEFAULTS.timeout });
  try {
    const { conditionalWrites } = await store.probe();
    return {
      options: { store },
      where: `store ${s3Url(spec)} at ${spec.endpoint ?? 'AWS'}`,
      warning: conditionalWrites ? undefined : NO_CONDITIONAL_WRITES,
      close: () => store.close(),
    };
  } catch (error) {
    store.close();
    throw error;
  }
}

const NO_CONDITIONAL_WRITES =
  'this store ignores conditional writes: with several traces serve processes on it, a patch or a session start may be lost to a concurrent one and an event may be stored twice (it is still listed once); one process is safe';

/** The data folder exists (or is made) and takes a file, before the first client finds out otherwise. */
function checkDataDir(dir: string, source: string): void {
  const probe = join(dir, `.traces-write-test-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new UsageError(`${source} ${dir} is not a folder (a file is in the way)`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new UsageError(`${source} ${dir}: cannot write there (${code})`, 'Choose a folder this user may write to.');
    }
    throw new UsageError(`${source} ${dir}: ${describeError(error)}`);
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
