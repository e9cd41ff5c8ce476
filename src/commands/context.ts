import { existsSync } from 'node:fs';
import { AuthError, ConfigError, UsageError } from '../errors.js';
import { join, resolve, sep } from 'node:path';
import { resolveBackend, type BackendSpec, type Operation } from '../config/backend.js';
import { findCredential, loginKey, storedOrigins, type Credential } from '../config/credentials.js';
import { homeDir, sessionsDir, stateDir } from '../config/paths.js';
import { readSettings } from '../config/settings.js';
import type { Settings } from '../config/schema.js';
import { chooseAgents, type AgentChoice } from '../core/agents/choice.js';
import { primeRoots } from '../core/agents/prime.js';
import { agentHomes, type AgentName } from '../core/agents/registry.js';
import { say, type Io } from '../output/io.js';
import { createLogger } from '../output/logger.js';
import type { ConnectOptions } from '../backend/connect.js';
import type { Logger } from '../core/logger.js';
import { Ledger } from '../core/ledger.js';

/** What every command that reads sessions or talks to a backend needs, resolved once. */
export interface Context {
  settings: Settings;
  backend: BackendSpec;
  sessionsDir: string;
  sessionsDirSource: string;
  /** Every chosen agent's homes: scanned when no PATH is named. */
  roots: string[];
  /** Whose sessions: the homes scanned, and the formats a named PATH is read in. */
  agents: AgentChoice;
  stateDir: string;
}

export interface ContextFlags {
  to?: string;
  /** The backend, already resolved (a follow-up's bucket, named by its id): `to` and the chain are not read. */
  backend?: BackendSpec;
  sessionsDir?: string;
  allowHttp?: boolean;
  agent?: string[];
}

export async function loadContext(io: Io, flags: ContextFlags, operation: Operation = 'upload'): Promise<Context> {
  const local = localContext(io, flags);
  const backend =
    flags.backend ?? resolveBackend(flags.to, io.env, local.settings, { allowHttp: Boolean(flags.allowHttp), cwd: io.cwd, operation });
  if (backend.kind === 'dir') refuseStoreOverRoots(backend.dir, local.roots, backend.source);
  return { ...local, backend };
}

/** The context of a command that only reads sessions on this machine: no backend is resolved. */
export function localContext(io: Io, flags: Pick<ContextFlags, 'sessionsDir' | 'agent'>): Omit<Context, 'backend'> {
  const settings = readSettings(io.env);
  const sessions = sessionsDir(flags.sessionsDir, io.env, settings.sessions_dir);
  const agents = chooseAgents(flags.agent, settings.agents);
  const roots = agentHomes(agents.scan, io.env, homeDir(io.env), primeRoots(sessions.dir));
  return {
    settings,
    sessionsDir: sessions.dir,
    sessionsDirSource: sessions.source,
    roots,
    agents,
    stateDir: stateDir(io.env),
  };
}

/**
 * The roots to scan when no PATH is given. A sessions dir the user named (flag, env, config) that
 * does not exist is a usage error; the default one missing just means no sessions yet.
 */
export function scanRoots(context: Pick<Context, 'roots' | 'sessionsDir' | 'sessionsDirSource' | 'agents'>): string[] {
  if (context.agents.scan.includes('prime') && context.sessionsDirSource !== 'default' && !existsSync(context.sessionsDir)) {
    throw new UsageError(`${context.sessionsDir} (from ${context.sessionsDirSource}): no such folder`);
  }
  return context.roots;
}

/** The agents whose formats the files of a run are read in: the scan's when no PATH is named. */
export function agentsFor(context: Pick<Context, 'agents'>, paths: readonly string[]): AgentName[] {
  return paths.length ? context.agents.paths : context.agents.scan;
}

/** The upload ledger; malformed entries it dropped are a warning. */
export function loadLedger(stateDir: string, logger: Logger): Ledger {
  const ledger = Ledger.load(stateDir);
  if (ledger.problem) logger.warn(ledger.problem);
  return ledger;
}

/**
 * The token for an HTTP backend, never one stored for another backend; a folder needs none, nor
 * does a bucket (the AWS credential chain signs its requests). Missing = exit 4 with how to provide one.
 */
export function requireCredential(io: Io, backend: BackendSpec, operation: Operation = 'upload'): Credential | undefined {
  if (backend.kind !== 'http') return undefined;
  const credential = findCredential(io.env, backend.url, { operation, notice: (line) => say(io, line) });
  if (credential) return credential;
  const origin = loginKey(backend.url);
  const elsewhere = storedOrigins(io.env);
  throw new AuthError(
    `no credential for ${origin}`,
    elsewhere.length
      ? `A login is stored for ${elsewhere.join(', ')}, not for this backend: run \`traces login --to ${origin}\`, or set TRACES_TOKEN.`
      : `Run \`traces login${backend.source === 'default' ? '' : ` --to ${origin}`}\`, or set TRACES_TOKEN (PRIME_AGENT_TRACES_API_KEY and PRIME_API_KEY are read too).`,
  );
}

/** What every command that talks to a backend is told: where, and how patiently. */
export type NetFlags = ContextFlags & { json?: boolean; verbose?: boolean; retries: number; timeout: number };

/**
 * Context, credential, logger and API client for one operation: what `sessions` and `events`
 * commands (and the hook's follow-ups) start with. `offline` (a dry run) needs no credential; a
 * given `logger` is used instead of one on stderr.
 */
export async function connectApi<T>(
  io: Io,
  flags: NetFlags,
  operation: Operation,
  create: (backend: BackendSpec, options: ConnectOptions) => Promise<T>,
  options: { offline?: boolean; logger?: Logger } = {},
): Promise<{ context: Context; api: T; logger: Logger }> {
  const context = await loadContext(io, flags, operation);
  const credential = options.offline ? undefined : requireCredential(io, context.backend, operation);
  const logger = options.logger ?? createLogger(io, { verbose: Boolean(flags.verbose), secrets: [credential?.token] });
  const api = await create(context.backend, {
    credential,
    timeoutMs: flags.timeout,
    retries: flags.retries,
    connections: 4,
    logger,
    env: io.env,
  });
  return { context, api, logger };
}

/**
 * A folder store may live inside the sessions dir (scans never enter a store), but not be the
 * sessions dir, its artifacts folder, or a folder that holds them: the store's marker would then
 * hide the sessions from every later scan.
 */
function refuseStoreOverRoots(dir: string, roots: string[], source: string): void {
  const store = resolve(dir);
  const swallowed = roots.map((root) => resolve(root)).find((root) => root === store || root.startsWith(`${store}${sep}`));
  if (swallowed === undefined) return;
  const Bad = source === '--to' ? UsageError : ConfigError;
  throw new Bad(
    `${source}: ${store} would hold the sessions it reads (${swallowed})`,
    `Name a folder outside it, or one inside it such as ${join(swallowed, 'archive')}.`,
  );
}
