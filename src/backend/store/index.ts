import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit } from '../../util/map-limit.js';
import { layout } from './layout.js';
import { metadataSaveSchema, PATCH_ID, uuidOfPatchId, type SessionPatch } from '../../contracts/wire.js';
import { EventFiles } from './events.js';
import { saveOutcome } from './rules.js';
import { MetadataFiles } from './metadata.js';
import { PatchFiles } from './patches.js';
import { SessionFiles } from './sessions.js';
import { StoreDir } from './store-dir.js';
import type { MetadataSaveOutcome, PatchedSession, PatchOutcome, TraceStore } from './trace-store.js';

export type * from './trace-store.js';

/**
 * The folder store: one folder holding what the four wire contracts send (session files,
 * metadata saves, patches, events; see README). Used in-process by `--to DIR` and over HTTP by
 * `traces serve --data DIR`. Every read-modify-write holds a lock file that other processes on
 * the folder honour too.
 */
export class LocalStore implements TraceStore {
  readonly sessions: SessionFiles;
  readonly metadata: MetadataFiles;
  readonly patches: PatchFiles;
  readonly events: EventFiles;

  private readonly dir: StoreDir;

  /** Opening touches nothing on disk: the folder is marked and cleaned on first use. */
  readonly location: string;

  constructor(readonly dataDir: string) {
    this.location = dataDir;
    this.dir = new StoreDir(dataDir);
    this.sessions = new SessionFiles(dataDir, this.dir);
    this.metadata = new MetadataFiles(dataDir, this.dir);
    this.patches = new PatchFiles(dataDir, this.dir);
    this.events = new EventFiles(dataDir, this.dir);
  }

  /**
   * A metadata save: checks the body, then creates the session under `org`/`workspace` unless its
   * id exists there. Holds the id's store lock, so the record and its index are written as one
   * step for other processes too, as every read-modify-write of the store is.
   */
  async saveMetadata(
    org: string,
    workspace: string,
    body: unknown,
    user: { id: string; email: string | null },
  ): Promise<MetadataSaveOutcome> {
    const parsed = metadataSaveSchema.safeParse(body);
    if (!parsed.success) return { status: 'invalid', error: parsed.error };
    const { created, record } = await this.dir.lock(this.metadata.lockName(parsed.data.id), () =>
      this.metadata.create(org, workspace, parsed.data, user),
    );
    return saveOutcome(created, record);
  }

  /**
   * The patch contract on the store, for both doors: the id must be `session_<32 hex>`; a session
   * no route ever brought here is not found; otherwise the title is kept or set and the tags are
   * replaced, under the session's store lock.
   */
  async patch(id: string, patch: SessionPatch): Promise<PatchOutcome> {
    const uuid = uuidOfPatchId(id);
    if (uuid === undefined) return { status: 'invalid_id' };
    const since = await this.knownSince(uuid);
    return this.dir.lock(this.patches.lockName(id), (): PatchOutcome => {
      if (since === undefined && !this.patches.get(id)) return { status: 'not_found' };
      return { status: 'patched', session: this.patches.apply(id, patch, since ?? new Date().toISOString()) };
    });
  }

  async getPatch(id: string): Promise<PatchedSession | undefined> {
    // The id names a file: only the checked form may reach the path.
    return PATCH_ID.test(id) ? this.patches.get(id) : undefined;
  }

  async listPatches(): Promise<PatchedSession[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dataDir, layout.patchPrefix));
    } catch {
      return []; // nothing patched yet
    }
    const found: PatchedSession[] = [];
    await mapLimit(names, 16, async (name) => {
      const id = name.replace(/\.json$/, '');
      const patch = name.endsWith('.json') ? await this.getPatch(id) : undefined;
      if (patch) found.push(patch);
    });
    return found;
  }

  /** When the session `uuid` first reached the store by any route; undefined if it never did. */
  async knownSince(uuid: string): Promise<string | undefined> {
    const upload = await this.sessions.get(uuid);
    return upload?.updated ?? this.metadata.findById(uuid)?.created_at ?? (await this.events.getSession(uuid))?.created_at;
  }
}
