import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir, type Env } from './paths.js';

// Kept apart from settings.ts on purpose: this module loads no zod, so `traces hook` stays fast.

/** The settings file conf keeps (`<config dir>/config.json`). */
export function settingsPath(env: Env): string {
  return join(configDir(env), 'config.json');
}

const HOOK_KEYS = ['api_url', 'upload_url', 'sessions_url', 'events_url', 'sessions_dir', 'agents', 's3_endpoint'] as const;

/** What the hook reads of the settings: text values, and s3_path_style as written (true/false or "true"/"false"). */
export type HookSettings = Partial<Record<(typeof HOOK_KEYS)[number], string>> & { s3_path_style?: boolean | string };

/**
 * The backend URLs, the sessions dir, the agents and how to reach a bucket, read without the
 * schema: for `traces hook`, which must start fast and never fail. Each value is checked where it is used.
 */
export function readUrlSettings(env: Env): HookSettings {
  try {
    const store = JSON.parse(readFileSync(settingsPath(env), 'utf8')) as Record<string, unknown>;
    const urls: HookSettings = {};
    for (const key of HOOK_KEYS) {
      if (typeof store[key] === 'string') urls[key] = store[key];
    }
    const pathStyle = store.s3_path_style;
    if (typeof pathStyle === 'boolean' || typeof pathStyle === 'string') urls.s3_path_style = pathStyle;
    return urls;
  } catch {
    return {};
  }
}
