import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describe, expect, it } from 'vitest';
import { startS3, useS3 } from '../helpers/s3.js';

// The suite's S3 server (test/helpers/s3/server.mjs) through the real SDK: the layer in front of
// s3rver must answer conditional writes and aborts as AWS S3 does, and `raw` must not.
const s3 = useS3();

/** The SDK's error name and HTTP status of a refused request. */
async function refusal(request: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await request;
  } catch (err: any) {
    return { name: err.name, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('the request succeeded');
}

function put(bucket: string, key: string, body: string, conditions: { IfNoneMatch?: string; IfMatch?: string }) {
  return s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...conditions }));
}

describe('the S3 test server', () => {
  it('creates with If-None-Match: * once, then answers 412 and keeps the first object', async () => {
    const bucket = await s3.newBucket('inm');
    await put(bucket, 'a/one.json', 'first', { IfNoneMatch: '*' });
    expect(await refusal(put(bucket, 'a/one.json', 'second', { IfNoneMatch: '*' }))).toEqual({
      name: 'PreconditionFailed',
      status: 412,
    });
    expect(await s3.getText(bucket, 'a/one.json')).toBe('first');
  });

  it('writes with If-Match when the ETag is current, answers 412 when it is stale', async () => {
    const bucket = await s3.newBucket('im');
    const first = await s3.putText(bucket, 'k', 'v1');
    const second = (await put(bucket, 'k', 'v2', { IfMatch: first })).ETag!;
    expect(second).not.toBe(first);
    expect(await refusal(put(bucket, 'k', 'v3', { IfMatch: first }))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await s3.getText(bucket, 'k')).toBe('v2');
  });

  it('answers 404 NoSuchKey to If-Match on a missing key, as S3 does, and writes nothing', async () => {
    const bucket = await s3.newBucket('im-missing');
    expect(await refusal(put(bucket, 'nothing', 'v', { IfMatch: '"0123"' }))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await s3.listKeys(bucket)).toEqual([]);
  });

  it('lets exactly one of 20 concurrent If-None-Match: * writes of one key through', async () => {
    const bucket = await s3.newBucket('race');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => put(bucket, 'lock', `writer ${i}`, { IfNoneMatch: '*' })),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).name).toBe('PreconditionFailed');
    expect(await s3.getText(bucket, 'lock')).toBe(`writer ${winners[0]}`);
  });

  it('refuses CompleteMultipartUpload with If-None-Match: * when the key exists', async () => {
    const bucket = await s3.newBucket('complete');
    await s3.putText(bucket, 'big', 'already here');
    const { UploadId } = await s3.client().send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' }));
    const part = await s3.client().send(new UploadPartCommand({ Bucket: bucket, Key: 'big', UploadId, PartNumber: 1, Body: 'late' }));
    const complete = new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: 'big',
      UploadId,
      IfNoneMatch: '*',
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    });
    expect(await refusal(s3.client().send(complete))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await s3.getText(bucket, 'big')).toBe('already here');
  });

  it('pages a truncated listing (s3rver needs the legacy OpenSSL provider for its tokens)', async () => {
    const bucket = await s3.newBucket('list');
    const keys = ['a', 'b', 'c', 'd', 'e'].map((k) => `p/${k}.json`);
    for (const key of keys) await s3.putText(bucket, key, key);
    const first = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Contents?.map((o) => o.Key)).toEqual(keys.slice(0, 2));
    const second = await s3
      .client()
      .send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, ContinuationToken: first.NextContinuationToken }));
    expect(second.Contents?.map((o) => o.Key)).toEqual(keys.slice(2, 4));
    expect(await s3.listKeys(bucket, 'p/')).toEqual(keys);
  });

  it('round-trips a 12 MiB multipart upload (lib-storage) byte for byte', async () => {
    const bucket = await s3.newBucket('multipart');
    const body = randomBytes(12 * 1024 * 1024 + 7);
    await new Upload({
      client: s3.client(),
      params: { Bucket: bucket, Key: 'session.ndjson', Body: body },
      partSize: 5 * 1024 * 1024,
    }).done();
    const answer = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: 'session.ndjson' }));
    expect(Buffer.from(await answer.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('aborts a multipart upload with 204, after which the upload is gone (404 NoSuchUpload)', async () => {
    const bucket = await s3.newBucket('abort');
    const { UploadId } = await s3.client().send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    await s3.client().send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: 1, Body: 'part' }));
    const aborted = await s3.client().send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId }));
    expect(aborted.$metadata.httpStatusCode).toBe(204);
    expect(await refusal(s3.client().send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId })))).toEqual({
      name: 'NoSuchUpload',
      status: 404,
    });
    expect(await s3.listKeys(bucket)).toEqual([]);
  });

  it('still refuses an unknown access key through the layer (s3rver checks the key id, not SigV4)', async () => {
    const bucket = await s3.newBucket('auth');
    const stranger = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'STRANGER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    const write = stranger.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    expect(await refusal(write)).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
    expect(await s3.listKeys(bucket)).toEqual([]);
  });

  it('raw (s3rver alone) ignores If-None-Match: it is a store without conditional writes', async () => {
    const bucket = await s3.newBucket('raw');
    const raw = s3.client({ raw: true });
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first', IfNoneMatch: '*' }));
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'second', IfNoneMatch: '*' }));
    expect(await s3.getText(bucket, 'k')).toBe('second');
  });

  it('a server of its own stops when its parent closes its stdin', async () => {
    const own = await startS3();
    own.child.stdin!.end();
    expect(await own.exited).toBe(0);
  });
});
