import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { fsError } from '../util/fs-error.js';
import { configDir, type Env } from './paths.js';
import { settingsPath } from './settings-file.js';

export { readUrlSettings, settingsPath } from './settings-file.js';
import { settingsSchema, type SettingKey, type Settings } from './schema.js';

/**
 * Reads the settings without loading conf (and its JSON-schema machinery): every command reads
 * them, only `traces config set|unset` writes them. Validated with the one zod schema.
 */
export function readSettings(env: Env): Settings {
  const path = settingsPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw fsError(error, 'cannot read the settings', path, CONFIG_HINT);
  }
  let store: unknown;
  try {
    store = JSON.parse(text);
  } catch {
    throw new ConfigError(`${path}: not valid JSON`, 'Fix or remove the file; `traces config path` shows where it is.');
  }
  return validate(store, path);
}

/** The settings file, through conf, for writing. */
export interface SettingsStore {
  readonly path: string;
  read(): Settings;
  set(key: SettingKey, value: string | number | boolean): void;
  unset(key: SettingKey): void;
}

export async function openSettings(env: Env): Promise<SettingsStore> {
  const { default: Conf } = await import('conf');
  const path = settingsPath(env);
  // conf reads and writes with plain fs calls: a config dir we cannot use is named, not a crash.
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw fsError(error, 'cannot use the settings file', path, CONFIG_HINT);
    }
  };
  const conf = guard(
    () => new Conf<Record<string, unknown>>({ projectName: 'traces', projectSuffix: '', cwd: configDir(env), configName: 'config' }),
  );
  return {
    path: conf.path,
    read: () =>
      validate(
        guard(() => conf.store),
        conf.path,
      ),
    set: (key, value) => guard(() => conf.set(key, value)),
    unset: (key) => guard(() => conf.delete(key)),
  };
}

const CONFIG_HINT =
  'Fix the permissions of the config dir, or set TRACES_CONFIG_DIR to a writable folder; `traces config path` shows where the file is.';

function validate(store: unknown, path: string): Settings {
  if (typeof store !== 'object' || store === null || Array.isArray(store)) {
    throw new ConfigError(`${path}: not a JSON object of settings`, 'Fix or remove the file; `traces config path` shows where it is.');
  }
  const known = Object.fromEntries(Object.entries(store).filter(([k]) => k in settingsSchema.shape));
  const result = settingsSchema.safeParse(known);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(
    `${path}: setting "${issue.path.join('.')}" ${issue.message}`,
    `Fix it with \`traces config set ${String(issue.path[0])} VALUE\` or \`traces config unset ${String(issue.path[0])}\`.`,
  );
}
