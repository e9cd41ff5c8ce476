import { ConfigError } from '../errors.js';
import { configDir, type Env } from './paths.js';
import { settingsSchema, type SettingKey, type Settings } from './schema.js';

/** The settings file, through conf. Loaded lazily: only commands that need settings pay for it. */
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
