import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir, type Env } from './paths.js';

// Kept apart from settings.ts on purpose: this module loads no zod, so `traces hook` stays fast.

/** The settings file conf keeps (`<config dir>/config.json`). */
export function settingsPath(env: Env): string {
  return join(configDir(env), 'config.json');
}

const HOOK_KEYS = ['api_url', 'upload_url', 'sessions_url', 'events_url', 'sessions_dir', 'agents'] as const;

/**
 * The backend URLs, the sessions dir and the agents of the settings, read without the schema: for `traces
 * hook`, which must start fast and never fail. Each value is checked where it is used.
 */
export function readUrlSettings(env: Env): Partial<Record<(typeof HOOK_KEYS)[number], string>> {
  try {
    const store = JSON.parse(readFileSync(settingsPath(env), 'utf8')) as Record<string, unknown>;
    const urls: Partial<Record<(typeof HOOK_KEYS)[number], string>> = {};
    for (const key of HOOK_KEYS) {
      if (typeof store[key] === 'string') urls[key] = store[key];
    }
    return urls;
  } catch {
    return {};
  }
}
