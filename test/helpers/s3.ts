import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';

// The SDK warns about Node 20 when a client is built; the tests' own clients are built after this.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const SERVER = fileURLToPath(new URL('./s3/server.mjs', import.meta.url));
/** s3rver's built-in account. It refuses other key ids (403), but never checks a SigV4 signature. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** Paths that never exist, so that no process in a test reads the developer's AWS files. */
const NO_AWS_FILES = join(tmpdir(), `traces-no-aws-files-${randomBytes(6).toString('hex')}`);

/** Where the suite's S3 server listens: `endpoint` has conditional writes, `raw` (s3rver alone) has not. */
export interface S3Endpoints {
  endpoint: string;
  raw: string;
}

export interface S3Fixture extends S3Endpoints {
  /** A client of `endpoint` (or of `raw`), path-style, checksums only when required. */
  client(options?: { raw?: boolean }): S3Client;
  /** The environment a `traces` process needs to reach `endpoint`, and nothing of the developer's AWS setup. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** Creates a bucket no other test uses and returns its name. */
  newBucket(prefix?: string): Promise<string>;
  /** Every key in the bucket (under `prefix`), all pages, in S3's order. */
  listKeys(bucket: string, prefix?: string): Promise<string[]>;
  /** The object's text, or undefined when there is no such key. */
  getText(bucket: string, key: string): Promise<string | undefined>;
  /** Writes the object unconditionally and returns its ETag. */
  putText(bucket: string, key: string, text: string): Promise<string>;
  deleteKey(bucket: string, key: string): Promise<void>;
  /**
   * Makes the layer fail the next `times` requests of `method` in `bucket` whose key contains
   * `key`: answered `status` (an S3 error `code`), or, with `reset`, cut off after `afterBytes`
   * bytes of their body. Replaces the faults set before.
   */
  faults(list: S3Fault[]): Promise<void>;
}

export interface S3Fault {
  bucket: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  key: string;
  /** Match requests on the bucket itself (a listing, HeadBucket), not on a key. */
  bucketLevel?: boolean;
  times: number;
  status?: number;
  code?: string;
  reset?: boolean;
  afterBytes?: number;
}

export interface S3Server extends S3Fixture {
  child: ChildProcess;
  /** The child's exit code once it has exited. */
  exited: Promise<number | null>;
  /** Stops the server (it also stops by itself when this process exits). */
  close(): Promise<void>;
  stderr(): string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3Endpoints;
  }
}

/** The suite's one S3 server, started by test/global-s3.ts for the whole run. */
export function useS3(): S3Fixture {
  return s3Fixture(inject('s3'));
}

/** A server of one's own: `node --openssl-legacy-provider test/helpers/s3/server.mjs`. */
export async function startS3(options: { dir?: string } = {}): Promise<S3Server> {
  const args = ['--openssl-legacy-provider', SERVER, ...(options.dir === undefined ? [] : ['--dir', options.dir])];
  // stdin is a pipe the child watches: when this process goes, so does the server.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const endpoints = await new Promise<S3Endpoints>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line) as S3Endpoints);
    });
    child.on('exit', (code) => reject(new Error(`the S3 server exited (${code}) before listening: ${err}`)));
  });
  return {
    ...s3Fixture(endpoints),
    child,
    exited,
    stderr: () => err,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The helpers for a server that is already running. */
export function s3Fixture(endpoints: S3Endpoints): S3Fixture {
  const clients = new Map<string, S3Client>();
  const client = (options: { raw?: boolean } = {}): S3Client => {
    const url = options.raw ? endpoints.raw : endpoints.endpoint;
    let made = clients.get(url);
    if (!made) {
      made = new S3Client({
        endpoint: url,
        region: 'us-east-1',
        credentials: CREDENTIALS,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      clients.set(url, made);
    }
    return made;
  };
  return {
    ...endpoints,
    client,
    env: (extra = {}) => ({
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: endpoints.endpoint,
      AWS_ENDPOINT_URL: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(NO_AWS_FILES, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(NO_AWS_FILES, 'credentials'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...extra,
    }),
    newBucket: async (prefix = 'test') => {
      // S3 names: 3-63 characters of lowercase letters, digits and hyphens.
      const start =
        prefix
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, '-')
          .slice(0, 40) || 'test';
      const name = `${start}-${randomBytes(6).toString('hex')}`;
      await client().send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    listKeys: async (bucket, prefix) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    getText: async (bucket, key) => {
      try {
        const answer = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await answer.Body!.transformToString('utf8');
      } catch (err) {
        if (err instanceof NoSuchKey) return undefined;
        throw err;
      }
    },
    putText: async (bucket, key, text) => {
      const answer = await client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }));
      return answer.ETag!;
    },
    deleteKey: async (bucket, key) => {
      await client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    faults: async (list) => {
      const answer = await fetch(`${endpoints.endpoint}/__faults`, { method: 'POST', body: JSON.stringify(list) });
      if (answer.status !== 204) throw new Error(`the S3 layer refused the faults: ${answer.status}`);
    },
  };
}
