import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type * as S3 from '@aws-sdk/client-s3';
import { s3Url, type S3Location } from '../../contracts/backend-id.js';
import type { Logger } from '../../contracts/logger.js';
import { bucketError, isConflict, isMissing } from './errors.js';
import { s3Clients, type BucketOptions } from './sdk-clients.js';

export type { BucketOptions } from './sdk-clients.js';

/** What a conditional write asks: create only (`If-None-Match: *`), or replace only this version (`If-Match`). */
export type Condition = { create: true } | { etag: string };

/** An object's text and version. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** A write that landed (with the object's new ETag), or a conditional write refused. */
export type Written = { etag: string } | 'conflict';

export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** Bodies of this size and above go up as a multipart upload (below: one streamed PUT). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/** A multipart upload's part size (S3's smallest is 5 MiB), and the parts in flight at once: it holds their product in memory. */
const PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

type Sdk = typeof S3;

/** Every key of a store is JSON (`.json`) or NDJSON (session bodies, events). */
export function contentTypeOf(key: string): string {
  return key.endsWith('.json') ? 'application/json' : 'application/x-ndjson';
}

/**
 * One bucket and key prefix, through the AWS SDK: the few operations the bucket store is made of,
 * each failure turned into the project's errors (errors.ts). Keys given here are relative to the
 * prefix. Credentials and region come from the standard AWS chain; request checksums are sent
 * only when an operation requires them, since the SDK's newer default breaks R2 and other
 * S3-compatible stores.
 */
export class Bucket {
  readonly name: string;

  private constructor(
    private readonly sdk: Sdk,
    readonly client: S3.S3Client,
    /** For streamed bodies, which cannot be sent twice: the same client without the SDK's retries (callers retry with a fresh stream). */
    private readonly once: S3.S3Client,
    readonly location: S3Location,
    private readonly multipartThreshold: number,
    /** For what the bucket store notes along the way (--verbose). */
    readonly logger?: Logger,
  ) {
    this.name = s3Url(location);
  }

  /** Loads the SDK (only now: start-up and the hook never pay for it) and makes the client. */
  static async open(location: S3Location, options: BucketOptions): Promise<Bucket> {
    const { sdk, client, once } = await s3Clients(location, options);
    return new Bucket(sdk, client, once, location, options.multipartThreshold ?? MULTIPART_THRESHOLD, options.logger);
  }

  private key(key: string): string {
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  private fail(error: unknown, doing: string): Error {
    return bucketError(error, this.name, doing);
  }

  /** The object's text and ETag; undefined when there is no such key. */
  async getText(key: string): Promise<Versioned<string> | undefined> {
    try {
      const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return { value: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag ?? '' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.fail(error, `reading ${key}`);
    }
  }

  async getJson<T>(key: string): Promise<Versioned<T> | undefined> {
    const text = await this.getText(key);
    if (!text) return undefined;
    try {
      return { value: JSON.parse(text.value) as T, etag: text.etag };
    } catch {
      throw new Error(`${this.name}/${key}: not valid JSON`);
    }
  }

  /** The object's body as a stream, with its length and time; undefined when there is no such key. */
  async open(key: string): Promise<{ size: number; lastModified: Date; stream: Readable } | undefined> {
    try {
      const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return { size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0), stream: out.Body as Readable };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.fail(error, `reading ${key}`);
    }
  }

  /** The object's size and last write; undefined when there is no such key. */
  async stat(key: string): Promise<{ size: number; lastModified: Date; etag: string } | undefined> {
    try {
      const out = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return { size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0), etag: out.ETag ?? '' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.fail(error, `reading ${key}`);
    }
  }

  /**
   * Writes a small object whole. With a condition, answers 'conflict' instead of writing when the
   * key exists (create) or holds another version (etag); else the new ETag.
   */
  async put(key: string, body: string | Uint8Array, condition?: Condition): Promise<Written> {
    try {
      const out = await this.client.send(
        new this.sdk.PutObjectCommand({
          Bucket: this.location.bucket,
          Key: this.key(key),
          Body: body,
          ContentType: contentTypeOf(key),
          ...(condition && 'create' in condition ? { IfNoneMatch: '*' } : {}),
          ...(condition && 'etag' in condition ? { IfMatch: condition.etag } : {}),
        }),
      );
      return { etag: out.ETag ?? '' };
    } catch (error) {
      if (condition && (isConflict(error) || ('etag' in condition && isMissing(error)))) return 'conflict';
      throw this.fail(error, `writing ${key}`);
    }
  }

  async putJson(key: string, value: unknown, condition?: Condition): Promise<Written> {
    return this.put(key, `${JSON.stringify(value)}\n`, condition);
  }

  /**
   * Streams `length` bytes of `body` to `key`: one PUT below the multipart threshold, else a multipart
   * upload with a few parts in flight; never the whole body in memory. A body that fails midway
   * (its stream errors: a length or NDJSON check) stores nothing, and the key keeps its previous
   * version. The body is sent once: a failed upload is the caller's to retry with a new stream.
   */
  async upload(key: string, body: Readable, length: number): Promise<string> {
    const params = { Bucket: this.location.bucket, Key: this.key(key), Body: body, ContentType: contentTypeOf(key) };
    // A body that fails cuts its request off at once: the store sees a request shorter than its
    // Content-Length, which it does not store.
    const cut = new AbortController();
    body.once('error', () => cut.abort());
    try {
      if (length < this.multipartThreshold) {
        const put = new this.sdk.PutObjectCommand({ ...params, ContentLength: length });
        return (await this.once.send(put, { abortSignal: cut.signal })).ETag ?? '';
      }
      const { Upload } = await import('@aws-sdk/lib-storage');
      const partSize = Math.max(MIN_PART_SIZE, Math.min(PART_SIZE, this.multipartThreshold));
      const upload = new Upload({ client: this.client, params, partSize, queueSize: PARTS_IN_FLIGHT, leavePartsOnError: false });
      return (await upload.done()).ETag ?? '';
    } catch (error) {
      // The body's own error (a length or NDJSON check) is the caller's to report, as it is.
      if (body.errored) throw body.errored;
      // Only this step sends a body the SDK could not send again: a caller may resend it, from a new stream.
      throw Object.assign(this.fail(error, `uploading ${key}`), { resendable: true });
    }
  }

  /**
   * Removes `key`; with `etag`, only that version (`If-Match`, where the store honours it on
   * deletes: a version written meanwhile stays). Removing what is not there is no error.
   */
  async delete(key: string, etag?: string): Promise<void> {
    try {
      await this.client.send(
        new this.sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), ...(etag ? { IfMatch: etag } : {}) }),
      );
    } catch (error) {
      if (isMissing(error) || (etag && isConflict(error))) return;
      throw this.fail(error, `removing ${key}`);
    }
  }

  /** The store's own clock: the time it gives an object written now (local clocks may be off by any amount). */
  async now(): Promise<number> {
    const key = `.traces-probe/clock-${randomUUID()}`;
    try {
      await this.put(key, 'clock\n');
      return (await this.stat(key))?.lastModified.getTime() ?? Date.now();
    } finally {
      await this.delete(key);
    }
  }

  /** Every object under `prefix` (relative to the store's), in key order, page by page; `doing` names the work in an error. */
  async *list(prefix: string, doing = `listing ${prefix || '/'}`): AsyncGenerator<ListedObject> {
    const full = this.key(prefix);
    const strip = this.location.prefix ? this.location.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new this.sdk.ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: full, ContinuationToken: token }),
        );
      } catch (error) {
        throw this.fail(error, doing);
      }
      for (const item of out.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { key: item.Key.slice(strip), size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Whether the bucket exists and takes writes, and whether it honours conditional writes: a probe
   * object is created, created again with `If-None-Match: *` (a store that honours it refuses),
   * replaced with a wrong `If-Match` (refused too), then removed.
   */
  async probe(): Promise<{ conditionalWrites: boolean }> {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // HEAD answers carry no body: the status is all there is to name the fault.
      if (status === 404) throw this.fail(Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' }), 'opening the bucket');
      throw this.fail(error, 'opening the bucket');
    }
    const key = `.traces-probe/${randomUUID()}`;
    try {
      if ((await this.put(key, 'probe\n', { create: true })) === 'conflict') return { conditionalWrites: true };
      const again = await this.put(key, 'probe again\n', { create: true });
      const stale = await this.put(key, 'probe stale\n', { etag: '"00000000000000000000000000000000"' });
      return { conditionalWrites: again === 'conflict' && stale === 'conflict' };
    } finally {
      await this.delete(key);
    }
  }

  close(): void {
    this.client.destroy();
    this.once.destroy();
  }
}
