import { z } from 'zod';
import { UsageError } from '../errors.js';
import { AGENT_NAMES, readAgentNames } from '../contracts/agents.js';
import { patternListProblem } from '../util/pattern-list.js';
import { endpointProblem } from './s3.js';

const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a slug (letters, digits, ".", "_", "-")');
// The message of each check, the type's included, is shown to the user as is: no zod wording.
const positiveInt = (max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);

/** A list of regular expressions (or, for the allow-list, of strings and `/regex/flags`), one a line. */
const patternList = (slashedOnly: boolean) =>
  z.string({ error: 'must be text: one entry a line' }).superRefine((value, ctx) => {
    const problem = patternListProblem(value, slashedOnly);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** On or off: `true`/`false` as JSON in the file, or as typed after `traces config set`. */
const onOff = z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false' })
  .transform((value) => value === true || value === 'true');

const AGENTS_RULE = `must be agent names separated by commas: ${[...AGENT_NAMES, 'all'].join(', ')}`;

/** The one schema of settings (`traces config`). Every key is optional. */
export const settingsShape = {
  api_url: z.string().min(1, 'must not be empty'),
  upload_url: z.string().min(1, 'must not be empty'),
  sessions_url: z.string().min(1, 'must not be empty'),
  events_url: z.string().min(1, 'must not be empty'),
  sessions_dir: z.string().min(1, 'must not be empty'),
  agents: z.string({ error: AGENTS_RULE }).refine((value) => readAgentNames([value]).ok, AGENTS_RULE),
  org: slug,
  workspace: slug,
  concurrency: positiveInt(64),
  max_bytes: positiveInt(Number.MAX_SAFE_INTEGER),
  /** More secrets: regular expressions (`acme_[0-9a-f]{32}` or `/acme_[0-9a-f]{32}/i`), one a line. */
  redact_patterns: patternList(false),
  /** Never redacted: exact strings or `/regex/flags`, one a line. */
  redact_allow: patternList(true),
  /** Redaction of what is sent (default true); `--no-redact` turns it off for one run. */
  redact: onOff,
  /** The endpoint of s3:// stores (MinIO, R2...), after AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL; unset = AWS. */
  s3_endpoint: z.string({ error: 'must be an http(s):// URL' }).superRefine((value, ctx) => {
    const problem = endpointProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** Path-style addressing of s3:// stores, after TRACES_S3_PATH_STYLE; default on with a custom endpoint. */
  s3_path_style: onOff,
};

export const settingsSchema = z.object(settingsShape).partial();
export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof typeof settingsShape;
export const SETTING_KEYS = Object.keys(settingsShape) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as string[]).includes(key);
}

export function assertSettingKey(key: string): SettingKey {
  if (!isSettingKey(key)) throw new UsageError(`unknown setting "${key}"`, `Settings: ${SETTING_KEYS.join(', ')}.`);
  return key;
}

/** Parses a value typed on the command line for `key` (numbers arrive as text). */
export function parseSetting(key: SettingKey, raw: string): string | number | boolean {
  const result = settingsShape[key].safeParse(raw);
  if (!result.success) throw new UsageError(`${key}: ${result.error.issues[0]?.message ?? 'invalid value'} (got "${raw}")`);
  return result.data;
}
