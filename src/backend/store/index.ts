import { EventFiles } from './events.js';
import { MetadataFiles } from './metadata.js';
import { PatchFiles, type PatchedSession } from './patches.js';
import { uuidOfPatchId, type SessionPatch } from '../../contracts/wire.js';
import { SessionFiles } from './sessions.js';
import { StoreDir } from './store-dir.js';

/**
 * The embedded store: one folder holding what the four contracts of DESIGN §2 send. Used
 * in-process by `--to DIR` and over HTTP by `traces serve`.
 */
export class LocalStore {
  readonly sessions: SessionFiles;
  readonly metadata: MetadataFiles;
  readonly patches: PatchFiles;
  readonly events: EventFiles;

  private readonly dir: StoreDir;

  /** Opening touches nothing on disk: the folder is marked and cleaned on first use. */
  constructor(readonly dataDir: string) {
    this.dir = new StoreDir(dataDir);
    this.sessions = new SessionFiles(dataDir, this.dir);
    this.metadata = new MetadataFiles(dataDir, this.dir);
    this.patches = new PatchFiles(dataDir, this.dir);
    this.events = new EventFiles(dataDir, this.dir);
  }

  /**
   * DESIGN §2.3 on the store: applies `patch` to the session `session_<32 hex>` id, or returns
   * undefined when no route ever brought that session here (a 404). Holds the patch's store lock,
   * so a concurrent patch from another process cannot write back a stale title or tag list.
   */
  async patch(id: string, patch: SessionPatch): Promise<PatchedSession | undefined> {
    const since = await this.knownSince(uuidOfPatchId(id)!);
    return this.dir.lock(this.patches.lockName(id), () => {
      if (since === undefined && !this.patches.get(id)) return undefined;
      return this.patches.apply(id, patch, since ?? new Date().toISOString());
    });
  }

  /** When the session `uuid` first reached the store by any route; undefined if it never did. */
  async knownSince(uuid: string): Promise<string | undefined> {
    const upload = await this.sessions.get(uuid);
    return upload?.updated ?? this.metadata.findById(uuid)?.created_at ?? this.events.getSession(uuid)?.created_at;
  }
}
