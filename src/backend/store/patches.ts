import { join } from 'node:path';
import type { SessionPatch } from '../../contracts/wire.js';
import { readJson, writeJson } from './json-files.js';
import type { StoreDir } from './store-dir.js';

/** The Session object a `PATCH /v1/sessions/{id}` answers. */
export interface PatchedSession {
  id: string;
  title: string | null;
  tags: string[];
  status: string;
  created_at: string;
  updated_at: string;
  usage: { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_creation_tokens: number };
}

/**
 * Title and tags per `session_<32 hex>` id: `<data>/patches/<id>.json`. `apply` is a
 * read-modify-write: callers hold the store lock `lockName(id)` around it.
 */
export class PatchFiles {
  constructor(
    private readonly dataDir: string,
    private readonly store: StoreDir,
  ) {}

  lockName(id: string): string {
    return `patch-${id}`;
  }

  private path(id: string): string {
    return join(this.dataDir, 'patches', `${id}.json`);
  }

  get(id: string): PatchedSession | undefined {
    return readJson<PatchedSession>(this.path(id));
  }

  /** Applies only the fields present: a title stays when only tags change, and tags are replaced whole. */
  apply(id: string, patch: SessionPatch, createdAt: string): PatchedSession {
    const now = new Date().toISOString();
    const current = this.get(id) ?? {
      id,
      title: null,
      tags: [],
      status: 'active',
      created_at: createdAt,
      updated_at: now,
      usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
    };
    const next: PatchedSession = { ...current, updated_at: now };
    if (patch.title !== undefined) next.title = patch.title;
    if (patch.tags !== undefined) next.tags = patch.tags ?? [];
    writeJson(this.store, this.path(id), next);
    return next;
  }
}
