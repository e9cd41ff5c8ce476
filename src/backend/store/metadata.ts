import { join } from 'node:path';
import type { z } from 'zod';
import type { metadataSaveSchema } from '../../contracts/wire.js';
import { createJsonExclusive, readJson, writeJson } from './json-files.js';
import { safeName } from './names.js';
import type { StoreDir } from './store-dir.js';

/** A saved session's metadata as the store keeps it (the answer of a metadata save, plus org and workspace). */
export interface MetadataRecord {
  session_id: string;
  org: string;
  workspace: string;
  model: string;
  message_count: number;
  agent: string | null;
  title: string | null;
  project_id: string | null;
  runtime_id: string | null;
  labels: Record<string, string[]>;
  origin: string;
  visibility: string;
  created_at: string;
  updated_at: string;
  created_by: { id: string; email: string | null };
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_tokens: number;
    cache_creation_tokens: number;
    total_tokens: number;
    last_generation_input_tokens: number;
  };
}

/** The session as a metadata save answers it: the record without where it is filed. */
export type MetadataSession = Omit<MetadataRecord, 'org' | 'workspace'>;

/**
 * Metadata saves: `<data>/metadata/<org>/<workspace>/<id>.json`, created once, and an index from
 * id to org and workspace. `create` is a check-and-create over both files: callers hold the store
 * lock `lockName(id)` around it.
 */
export class MetadataFiles {
  constructor(
    private readonly dataDir: string,
    private readonly store: StoreDir,
  ) {}

  lockName(id: string): string {
    return `metadata-${safeName(id)}`;
  }

  private path(org: string, workspace: string, id: string): string {
    return join(this.dataDir, 'metadata', safeName(org), safeName(workspace), `${safeName(id)}.json`);
  }

  private indexPath(id: string): string {
    return join(this.dataDir, 'index', 'metadata', `${safeName(id)}.json`);
  }

  /** The record saved under any org and workspace for `id`. */
  findById(id: string): MetadataRecord | undefined {
    const where = readJson<{ org: string; workspace: string }>(this.indexPath(id));
    return where && this.get(where.org, where.workspace, id);
  }

  get(org: string, workspace: string, id: string): MetadataRecord | undefined {
    return readJson<MetadataRecord>(this.path(org, workspace, id));
  }

  /** Creates the record; `created: false` with the stored record when the id already exists (409). */
  create(
    org: string,
    workspace: string,
    body: z.output<typeof metadataSaveSchema>,
    user: { id: string; email: string | null },
  ): { created: boolean; record: MetadataRecord } {
    const now = new Date().toISOString();
    const record: MetadataRecord = {
      session_id: body.id,
      org,
      workspace,
      model: body.model,
      message_count: body.message_count,
      agent: body.agent ?? null,
      title: body.title ?? null,
      project_id: body.project_id ?? null,
      runtime_id: body.runtime_id ?? null,
      labels: body.labels ?? {},
      origin: body.origin,
      visibility: body.visibility,
      created_at: now,
      updated_at: now,
      created_by: user,
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
        total_tokens: 0,
        last_generation_input_tokens: 0,
      },
    };
    const path = this.path(org, workspace, body.id);
    if (createJsonExclusive(this.store, path, record)) {
      writeJson(this.store, this.indexPath(body.id), { org, workspace });
      return { created: true, record };
    }
    // A crash between the create and the index write left the record unindexed: the repeat mends it.
    if (!readJson(this.indexPath(body.id))) writeJson(this.store, this.indexPath(body.id), { org, workspace });
    return { created: false, record: readJson<MetadataRecord>(path)! };
  }
}
