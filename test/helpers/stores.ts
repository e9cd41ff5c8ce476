import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { openBucketStore, type BucketStore } from '../../src/backend/bucket/index.js';
import { LocalStore } from '../../src/backend/store/index.js';
import type { TraceStore } from '../../src/backend/store/trace-store.js';
import { useS3, type S3Fixture } from './s3.js';

/**
 * The two kinds of store, for tests that must hold on both: `open()` gives a store on a fresh
 * place (a temp folder, a new bucket), and `another()` a second, independent store on the same
 * place, as a second process would have (its own client, its own caches).
 */
export interface StoreKind {
  name: 'folder' | 'bucket';
  open(options?: { raw?: boolean }): Promise<StorePlace>;
}

export interface StorePlace {
  store: TraceStore;
  another(): Promise<TraceStore>;
  /** The backend value that names this place for `--to` / `--store`, and the env a traces process needs for it. */
  to: string;
  env: Record<string, string | undefined>;
  /** Every key the store holds under `prefix` ('' for all), sorted: a file's path below the folder, an object's key below the bucket's prefix. */
  keys(prefix: string): Promise<string[]>;
  /** The text stored under `key`, or undefined when there is none. */
  read(key: string): Promise<string | undefined>;
  /**
   * What a later process does to the store as it opens it, with every leftover old enough: a
   * bucket's sweep of the bodies that moves left behind (a folder removes them at once).
   */
  settle(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Every file below `dir`, as `/`-separated paths relative to `root`. */
function filesBelow(root: string, dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'));
}

export const folderStore: StoreKind = {
  name: 'folder',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'traces-store-'));
    return {
      store: new LocalStore(dir),
      another: async () => new LocalStore(dir),
      to: dir,
      env: {},
      keys: async (prefix) => filesBelow(dir, join(dir, prefix)).sort(),
      read: async (key) => (existsSync(join(dir, key)) ? readFileSync(join(dir, key), 'utf8') : undefined),
      settle: async () => {},
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export function bucketStoreKind(s3: S3Fixture = useS3()): StoreKind {
  return {
    name: 'bucket',
    async open(options = {}) {
      const bucket = await s3.newBucket('store');
      const endpoint = options.raw ? s3.raw : s3.endpoint;
      const env = s3.env({ AWS_ENDPOINT_URL_S3: endpoint });
      const opened: BucketStore[] = [];
      const make = async (staleAfterMs?: number) => {
        const store = await openBucketStore(
          { bucket, prefix: 'traces', endpoint, pathStyle: true },
          { env, retries: 2, timeoutMs: 10_000, staleAfterMs },
        );
        opened.push(store);
        return store;
      };
      return {
        store: await make(),
        another: () => make(),
        to: `s3://${bucket}/traces`,
        env,
        keys: async (prefix) => (await s3.listKeys(bucket, `traces/${prefix}`)).map((k) => k.slice('traces/'.length)).sort(),
        read: (key) => s3.getText(bucket, `traces/${key}`),
        settle: async () => {
          await (await make(0)).sessions.list(); // opening the sessions sweeps
        },
        cleanup: async () => opened.forEach((s) => s.close()),
      };
    },
  };
}

/** Both kinds, for `describe.each`. */
export function storeKinds(): StoreKind[] {
  return [folderStore, bucketStoreKind()];
}
