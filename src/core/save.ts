import { describeError, stopsTheRun, type AuthError, type ConfigError } from '../errors.js';
import type { SessionsApi } from '../contracts/apis.js';
import type { MetadataSave } from '../contracts/wire.js';
import { mapLimit } from '../util/map-limit.js';
import { deriveMetadata } from './metadata.js';
import { describeSession, Scope, type AgentName } from './agents/registry.js';
import { SessionFileError } from '../errors.js';
import { notAttempted, UnreachableRule } from './unreachable.js';
import type { Redactor } from './redact/redactor.js';
import { redactValue } from './redact/value.js';

export interface SaveRequest {
  file: string;
}

/** Flags that override or add to what the file says. */
export interface SaveOverrides {
  model?: string;
  title?: string;
  labels?: Record<string, string[]>;
  origin?: 'user' | 'worker' | 'eval';
  visibility?: 'private' | 'workspace';
  project_id?: string;
  runtime_id?: string | null;
}

export interface SaveResult {
  file: string;
  session_id: string | null;
  /** `pending`: not sent (a dry run, or a backend that could not be reached). */
  status: 'saved' | 'exists' | 'failed' | 'pending';
  error: string | null;
  /** The server's answer (saved, exists), or the body that would be sent (--dry-run). */
  session: Record<string, unknown> | null;
}

/** The metadata save body for one file: derived fields, then the flags. */
export async function saveBody(file: string, overrides: SaveOverrides, agents: readonly AgentName[]): Promise<MetadataSave> {
  const read = describeSession(file, agents, new Scope());
  if (!read.ok) throw new SessionFileError(`${file}: not a session file: ${read.reason}`);
  const derived = await deriveMetadata(file, read.info);
  const model = overrides.model ?? derived.model;
  if (!model) throw new Error(`${file}: no model found (no assistant message or model named in the file); pass --model`);
  const body: MetadataSave = { id: derived.id, model, message_count: derived.message_count, agent: derived.agent };
  const title = overrides.title ?? derived.title;
  if (title !== undefined) body.title = title;
  if (overrides.labels && Object.keys(overrides.labels).length) body.labels = overrides.labels;
  if (overrides.origin) body.origin = overrides.origin;
  if (overrides.visibility) body.visibility = overrides.visibility;
  if (overrides.project_id !== undefined) body.project_id = overrides.project_id;
  if (overrides.runtime_id !== undefined) body.runtime_id = overrides.runtime_id;
  return body;
}

export interface SaveRun {
  sessions: SaveResult[];
  /** Set when the run stopped early because the backend could not be reached: why, e.g. ECONNREFUSED. */
  unreachable: string | null;
}

/**
 * Saves the metadata of each file; a 409 is `exists`, not a failure. `onResult` hears each
 * outcome worth showing, as it comes (core/unreachable.ts: not the failures a stop stands for).
 */
export async function saveSessions(
  files: string[],
  options: {
    org: string;
    workspace: string;
    overrides: SaveOverrides;
    dryRun: boolean;
    concurrency: number;
    agents: readonly AgentName[];
    /** What each body passes through before it is sent (or shown by a dry run); none = as it is. */
    redactor?: Redactor;
  },
  api: SessionsApi,
  onResult?: (result: SaveResult) => void,
): Promise<SaveRun> {
  const results = new Array<SaveResult>(files.length);
  const indexed = files.map((file, index) => ({ file, index }));
  let authError: AuthError | ConfigError | undefined;
  const rule = new UnreachableRule<SaveResult>((r) => onResult?.(r));
  await mapLimit(indexed, options.concurrency, async ({ file, index }) => {
    if (authError) return;
    if (rule.reason) {
      const read = describeSession(file, options.agents, new Scope());
      const id = read.ok ? read.info.id : null;
      results[index] = { file, session_id: id, status: 'pending', error: notAttempted(rule.reason), session: null };
      onResult?.(results[index]);
      return;
    }
    let body: MetadataSave | undefined;
    try {
      body = redactValue(await saveBody(file, options.overrides, options.agents), options.redactor);
      if (options.dryRun) {
        results[index] = { file, session_id: body.id, status: 'pending', error: null, session: body };
        onResult?.(results[index]);
        return;
      }
      const outcome = await api.save(options.org, options.workspace, body);
      results[index] = { file, session_id: body.id, status: outcome.status, error: null, session: outcome.session };
      rule.record(results[index]);
    } catch (error) {
      // A failure every session would meet (a refused credential, a missing bucket) is said once, by the run.
      const stop = stopsTheRun(error);
      if (stop) {
        authError ??= stop;
        return;
      }
      results[index] = { file, session_id: body?.id ?? null, status: 'failed', error: describeError(error), session: null };
      rule.record(results[index], error);
    }
  });
  rule.finish();
  if (authError) throw authError;
  return { sessions: results, unreachable: rule.reason ?? null };
}
