import { s3Url, type S3Location } from '../../contracts/backend-id.js';
import { AuthError } from '../../errors.js';
import { metadataSaveSchema, PATCH_ID, uuidOfPatchId, type SessionPatch } from '../../contracts/wire.js';
import { mapLimit } from '../../util/map-limit.js';
import { layout } from '../store/layout.js';
import { metadataRecord, patched, saveOutcome } from '../store/rules.js';
import type { MetadataRecord, MetadataSaveOutcome, PatchedSession, PatchOutcome, TraceStore } from '../store/trace-store.js';
import { Bucket, type BucketOptions } from './client.js';
import { retryConflicts } from './conflicts.js';
import { BucketEvents } from './events.js';
import { BucketSessions } from './sessions.js';

export type { BucketOptions } from './client.js';

/**
 * The bucket store: what the four wire contracts send, kept in S3-compatible object storage
 * under `s3://bucket/prefix`, with the folder store's keys and answers (store/rules.ts). It keeps
 * no state of its own between requests: every read-modify-write is a conditional write on the
 * object it changes, so several processes (`traces serve` behind a load balancer, CI jobs) on one
 * bucket act as one store.
 */
export class BucketStore implements TraceStore {
  readonly location: string;
  readonly sessions: BucketSessions;
  readonly events: BucketEvents;
  private conditional?: Promise<boolean>;

  constructor(
    private readonly bucket: Bucket,
    staleAfterMs?: number,
  ) {
    this.location = s3Url(bucket.location);
    this.sessions = new BucketSessions(bucket, staleAfterMs);
    this.events = new BucketEvents(bucket, () => this.conditionalWrites());
  }

  /**
   * Whether the bucket exists, takes writes and honours conditional writes (checked once, by
   * writing a probe object). Throws the store's error when it cannot be used at all: `traces
   * serve` checks its store with this before it listens.
   */
  async probe(): Promise<{ conditionalWrites: boolean }> {
    this.conditional ??= this.bucket.probe().then(
      (found) => found.conditionalWrites,
      (error: unknown) => {
        this.conditional = undefined; // a failure is not remembered: the next call asks again
        throw error;
      },
    );
    return { conditionalWrites: await this.conditional };
  }

  /**
   * The probe's answer for writers: credentials that may write sessions but not probe (no
   * HeadBucket, no DeleteObject) go on as on a store without conditional writes, which never
   * overwrites an event.
   */
  private async conditionalWrites(): Promise<boolean> {
    try {
      return (await this.probe()).conditionalWrites;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      this.bucket.logger?.debug(`${this.location}: could not check for conditional writes (${error.message}); events get unique names`);
      this.conditional = Promise.resolve(false);
      return false;
    }
  }

  /** A metadata save: the record is created with `If-None-Match: *`, so of two saves of one id exactly one creates it. */
  async saveMetadata(
    org: string,
    workspace: string,
    body: unknown,
    user: { id: string; email: string | null },
  ): Promise<MetadataSaveOutcome> {
    const parsed = metadataSaveSchema.safeParse(body);
    if (!parsed.success) return { status: 'invalid', error: parsed.error };
    const id = parsed.data.id;
    const record = metadataRecord(org, workspace, parsed.data, user);
    const key = layout.metadata(org, workspace, id);
    const created = (await this.bucket.putJson(key, record, { create: true })) !== 'conflict';
    const stored = created ? record : (await this.bucket.getJson<MetadataRecord>(key))!.value;
    // Written after the record: a save that died between the two is mended by its repeat.
    if (created || !(await this.bucket.getJson(layout.metadataIndex(id)))) {
      await this.bucket.putJson(layout.metadataIndex(id), { org, workspace });
    }
    return saveOutcome(created, stored);
  }

  /** The patch contract: a read-modify-write of the patch object with `If-Match`, so no patch is lost to a concurrent one. */
  async patch(id: string, patch: SessionPatch): Promise<PatchOutcome> {
    const uuid = uuidOfPatchId(id);
    if (uuid === undefined) return { status: 'invalid_id' };
    const since = await this.knownSince(uuid);
    const key = layout.patch(id);
    return retryConflicts(`${this.location}: patch of ${id}`, async (): Promise<PatchOutcome | 'conflict'> => {
      const current = await this.bucket.getJson<PatchedSession>(key);
      if (since === undefined && !current) return { status: 'not_found' };
      const next = patched(current?.value, id, patch, since ?? new Date().toISOString());
      const written = await this.bucket.putJson(key, next, current ? { etag: current.etag } : { create: true });
      return written === 'conflict' ? 'conflict' : { status: 'patched', session: next };
    });
  }

  async getPatch(id: string): Promise<PatchedSession | undefined> {
    return PATCH_ID.test(id) ? (await this.bucket.getJson<PatchedSession>(layout.patch(id)))?.value : undefined;
  }

  async listPatches(): Promise<PatchedSession[]> {
    const ids: string[] = [];
    for await (const item of this.bucket.list(layout.patchPrefix)) {
      const id = item.key.slice(layout.patchPrefix.length).replace(/\.json$/, '');
      if (PATCH_ID.test(id) && item.key.endsWith('.json')) ids.push(id);
    }
    const found: PatchedSession[] = [];
    await mapLimit(ids, 16, async (id) => {
      const patch = (await this.bucket.getJson<PatchedSession>(layout.patch(id)))?.value;
      if (patch) found.push(patch);
    });
    return found;
  }

  async knownSince(uuid: string): Promise<string | undefined> {
    const upload = await this.sessions.get(uuid);
    if (upload) return upload.updated;
    const where = await this.bucket.getJson<{ org: string; workspace: string }>(layout.metadataIndex(uuid));
    const saved = where && (await this.bucket.getJson<MetadataRecord>(layout.metadata(where.value.org, where.value.workspace, uuid)));
    return saved?.value.created_at ?? (await this.events.getSession(uuid))?.created_at;
  }

  close(): void {
    this.bucket.close();
  }
}

/** Opens the bucket store at `location` (loading the AWS SDK now, not before). */
export async function openBucketStore(location: S3Location, options: BucketOptions): Promise<BucketStore> {
  return new BucketStore(await Bucket.open(location, options), options.staleAfterMs);
}
