import { join } from 'node:path';
import type { SessionPatch } from '../../contracts/wire.js';
import { readJson, writeJson } from './json-files.js';
import { patched } from './rules.js';
import type { PatchedSession } from './trace-store.js';
import type { StoreDir } from './store-dir.js';

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

  /** Applies the patch (rules.ts `patched`) and writes the result. */
  apply(id: string, patch: SessionPatch, createdAt: string): PatchedSession {
    const next = patched(this.get(id), id, patch, createdAt);
    writeJson(this.store, this.path(id), next);
    return next;
  }
}
