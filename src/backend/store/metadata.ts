import { join } from 'node:path';
import type { z } from 'zod';
import type { metadataSaveSchema } from '../../contracts/wire.js';
import { metadataRecord } from './rules.js';
import type { MetadataRecord } from './trace-store.js';
import { createJsonExclusive, readJson, writeJson } from './json-files.js';
import { safeName } from './names.js';
import type { StoreDir } from './store-dir.js';

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
    const record = metadataRecord(org, workspace, body, user);
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
