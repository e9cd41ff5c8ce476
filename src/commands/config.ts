import { backendId, OPERATIONS, parseBackend, resolveBackend, type BackendSpec, type Operation } from '../config/backend.js';
import { findCredential } from '../config/credentials.js';
import { configDir, homeDir, sessionsDir, stateDir } from '../config/paths.js';
import { assertSettingKey, parseSetting, SETTING_KEYS } from '../config/schema.js';
import { openSettings, readSettings, settingsPath } from '../config/settings.js';
import { EXIT, TracesError, UsageError } from '../errors.js';
import { say, writeJson, type Io } from '../output/io.js';
import { asText } from '../util/text.js';

type Verb = 'get' | 'set' | 'unset' | 'list' | 'path';

/** What signs a bucket's requests: never a traces token, and nothing of it is shown. */
const AWS_CHAIN = 'the AWS credential chain';

export async function configCommand(verb: Verb, args: string[], flags: { json?: boolean }, io: Io): Promise<number> {
  switch (verb) {
    case 'path':
      io.stdout.write(`${settingsPath(io.env)}\n`);
      return EXIT.ok;
    case 'get': {
      const key = assertSettingKey(args[0]!);
      const value = readSettings(io.env)[key];
      if (flags.json) writeJson(io, { [key]: value ?? null });
      else if (value !== undefined) io.stdout.write(`${value}\n`);
      return value === undefined && !flags.json ? EXIT.failed : EXIT.ok;
    }
    case 'set': {
      const key = assertSettingKey(args[0]!);
      const value = parseSetting(key, args[1]!);
      if (key.endsWith('_url')) parseBackend(String(value), key, { allowHttp: true, cwd: io.cwd, home: homeDir(io.env) });
      (await openSettings(io.env)).set(key, value);
      return EXIT.ok;
    }
    case 'unset':
      (await openSettings(io.env)).unset(assertSettingKey(args[0]!));
      return EXIT.ok;
    case 'list':
      return list(io, readSettings(io.env), flags);
    default:
      throw new UsageError(`unknown config verb ${String(verb)}`);
  }
}

/** Which credential a route would send, and the stored login it overrides; a broken credentials file is shown, not thrown. */
function routeCredential(io: Io, backend: BackendSpec, operation: Operation): { credential: string | null; overrides: string | null } {
  if (backend.kind === 'dir') return { credential: null, overrides: null };
  if (backend.kind === 's3') return { credential: AWS_CHAIN, overrides: null };
  try {
    const found = findCredential(io.env, backend.url, { operation, notice: (line) => say(io, line) });
    return { credential: found?.source ?? null, overrides: found?.overrides ?? null };
  } catch (error) {
    if (error instanceof TracesError) return { credential: `unusable: ${error.message}`, overrides: null };
    throw error;
  }
}

function list(io: Io, settings: Record<string, unknown>, flags: { json?: boolean }): number {
  const folders = new Set<string>();
  const routes = Object.fromEntries(
    OPERATIONS.map((operation) => {
      const backend = resolveBackend(undefined, io.env, settings, { allowHttp: true, cwd: io.cwd, operation });
      if (backend.kind === 'dir') folders.add(operation);
      return [operation, { backend: backendId(backend), source: backend.source, ...routeCredential(io, backend, operation) }];
    }),
  );
  const sessions = sessionsDir(undefined, io.env, settings.sessions_dir as string | undefined);
  const effective = {
    settings: Object.fromEntries(SETTING_KEYS.map((k) => [k, settings[k] ?? null])),
    routes,
    sessions_dir: { path: sessions.dir, source: sessions.source },
    config_dir: configDir(io.env),
    state_dir: stateDir(io.env),
    /** The upload route's, the one most commands use. */
    credential: routes.upload!.credential,
  };
  if (flags.json) {
    writeJson(io, effective);
    return EXIT.ok;
  }
  for (const [key, value] of Object.entries(effective.settings)) io.stdout.write(`${key}=${asText(value)}\n`);
  const indent = ' '.repeat(17);
  const credentialLine = (op: string, r: { credential: string | null; overrides: string | null }) =>
    folders.has(op)
      ? []
      : [`${indent}credential: ${r.credential ?? 'none'}`, ...(r.overrides ? [`${indent}${r.credential} overrides ${r.overrides}`] : [])];
  io.stdout.write(
    [
      '',
      ...Object.entries(routes).flatMap(([op, r]) => [`${op.padEnd(14)} → ${r.backend} (${r.source})`, ...credentialLine(op, r)]),
      `sessions dir   ${effective.sessions_dir.path} (${effective.sessions_dir.source})`,
      `config dir     ${effective.config_dir}`,
      `state dir      ${effective.state_dir}`,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
