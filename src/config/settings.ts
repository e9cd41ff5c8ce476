import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
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
  let store: Record<string, unknown>;
  try {
    store = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`${path}: not valid JSON`, 'Fix or remove the file; `traces config path` shows where it is.');
  }
  return validate(store, path);
}

/** The settings file, through conf, for writing. */
export interface SettingsStore {
  readonly path: string;
  read(): Settings;
  set(key: SettingKey, value: string | number): void;
  unset(key: SettingKey): void;
}

export async function openSettings(env: Env): Promise<SettingsStore> {
  const { default: Conf } = await import('conf');
  const conf = new Conf<Record<string, unknown>>({
    projectName: 'traces',
    projectSuffix: '',
    cwd: configDir(env),
    configName: 'config',
  });
  return {
    path: conf.path,
    read: () => validate(conf.store, conf.path),
    set: (key, value) => conf.set(key, value),
    unset: (key) => conf.delete(key),
  };
}

function validate(store: Record<string, unknown>, path: string): Settings {
  const known = Object.fromEntries(Object.entries(store).filter(([k]) => k in settingsSchema.shape));
  const result = settingsSchema.safeParse(known);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(
    `${path}: setting "${issue.path.join('.')}" ${issue.message}`,
    `Fix it with \`traces config set ${String(issue.path[0])} VALUE\` or \`traces config unset ${String(issue.path[0])}\`.`,
  );
}
