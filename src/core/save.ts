import { describeError, refusedCredential, type AuthError } from '../errors.js';
import type { SessionsApi } from '../backend/sessions-api.js';
import type { MetadataSave } from '../backend/schemas.js';
import { mapLimit } from '../util/map-limit.js';
import { deriveMetadata } from './metadata.js';

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
  status: 'saved' | 'exists' | 'failed' | 'pending';
  error: string | null;
  /** The server's answer (saved, exists), or the body that would be sent (--dry-run). */
  session: Record<string, unknown> | null;
}

/** The body of DESIGN §2.2 for one file: derived fields, then the flags. */
export async function saveBody(file: string, overrides: SaveOverrides): Promise<MetadataSave> {
  const derived = await deriveMetadata(file);
  const model = overrides.model ?? derived.model;
  if (!model) throw new Error(`${file}: no model found (no assistant message, model_change or header modelId); pass --model`);
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

/** Saves the metadata of each file; a 409 is `exists`, not a failure. */
export async function saveSessions(
  files: string[],
  options: { org: string; workspace: string; overrides: SaveOverrides; dryRun: boolean; concurrency: number },
  api: SessionsApi,
): Promise<SaveResult[]> {
  const results: SaveResult[] = new Array(files.length);
  const indexed = files.map((file, index) => ({ file, index }));
  let authError: AuthError | undefined;
  await mapLimit(indexed, options.concurrency, async ({ file, index }) => {
    if (authError) return;
    let body: MetadataSave | undefined;
    try {
      body = await saveBody(file, options.overrides);
      if (options.dryRun) {
        results[index] = { file, session_id: body.id, status: 'pending', error: null, session: body as Record<string, unknown> };
        return;
      }
      const outcome = await api.save(options.org, options.workspace, body);
      results[index] = { file, session_id: body.id, status: outcome.status, error: null, session: outcome.session };
    } catch (error) {
      authError ??= refusedCredential(error);
      results[index] = { file, session_id: body?.id ?? null, status: 'failed', error: describeError(error), session: null };
    }
  });
  if (authError) throw authError;
  return results;
}
