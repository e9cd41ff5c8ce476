import { EventFiles } from './events.js';
import { MetadataFiles } from './metadata.js';
import { PatchFiles, type PatchedSession } from './patches.js';
import { uuidOfPatchId, type SessionPatch } from '../schemas.js';
import { SessionFiles } from './sessions.js';

/**
 * The embedded store: one folder holding what the four contracts of DESIGN §2 send. Used
 * in-process by `--to DIR` and over HTTP by `traces serve`.
 */
export class LocalStore {
  readonly sessions: SessionFiles;
  readonly metadata: MetadataFiles;
  readonly patches: PatchFiles;
  readonly events: EventFiles;

  constructor(readonly dataDir: string) {
    this.sessions = new SessionFiles(dataDir);
    this.metadata = new MetadataFiles(dataDir);
    this.patches = new PatchFiles(dataDir);
    this.events = new EventFiles(dataDir);
  }

  /**
   * DESIGN §2.3 on the store: applies `patch` to the session `session_<32 hex>` id, or returns
   * undefined when no route ever brought that session here (a 404).
   */
  async patch(id: string, patch: SessionPatch): Promise<PatchedSession | undefined> {
    const since = await this.knownSince(uuidOfPatchId(id)!);
    if (since === undefined && !this.patches.get(id)) return undefined;
    return this.patches.apply(id, patch, since ?? new Date().toISOString());
  }

  /** When the session `uuid` first reached the store by any route; undefined if it never did. */
  async knownSince(uuid: string): Promise<string | undefined> {
    const upload = await this.sessions.get(uuid);
    return upload?.updated ?? this.metadata.findById(uuid)?.created_at ?? this.events.getSession(uuid)?.created_at;
  }
}
