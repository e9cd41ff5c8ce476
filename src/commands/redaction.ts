import { knownSecrets } from '../config/credentials.js';
import type { Env } from '../config/paths.js';
import type { Settings } from '../config/schema.js';
import type { Redactor } from '../core/redact/redactor.js';
import { listEntries } from '../util/pattern-list.js';

/** Whether what a run sends is redacted, and what decided it. */
export interface RedactionChoice {
  on: boolean;
  source: '--no-redact' | 'setting redact' | 'default';
}

/**
 * `--no-redact` (a negated flag: false when given, else true or absent), else the `redact` setting,
 * else on. The flag can only turn redaction off: on is the default it returns to.
 */
export function redactionChoice(flags: { redact?: boolean }, settings: Pick<Settings, 'redact'>): RedactionChoice {
  if (flags.redact === false) return { on: false, source: '--no-redact' };
  if (settings.redact !== undefined) return { on: settings.redact, source: 'setting redact' };
  return { on: true, source: 'default' };
}

/** The redactor of the settings' rules and every token in use, whatever the `redact` setting says (`traces scan`). */
export async function settingsRedactor(settings: Settings, env: Env): Promise<Redactor> {
  // Loaded here, not with this module: `status` and the hook read the choice without the rules.
  const { Redactor } = await import('../core/redact/redactor.js');
  return new Redactor({
    patterns: listEntries(settings.redact_patterns),
    allow: listEntries(settings.redact_allow),
    extraSecrets: knownSecrets(env),
  });
}

/** The redactor everything a run sends passes through, or undefined when redaction is off for it. */
export async function redactorFor(settings: Settings, env: Env, flags: { redact?: boolean }): Promise<Redactor | undefined> {
  return redactionChoice(flags, settings).on ? settingsRedactor(settings, env) : undefined;
}

/** The line a dry run or `traces status` prints about it. */
export function redactionLine(choice: RedactionChoice): string {
  return `redaction: ${choice.on ? 'on' : 'off'} (${choice.source})`;
}
