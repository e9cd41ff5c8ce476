import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import type { BackendLocation, S3Location } from '../contracts/backend-id.js';
import { backendId } from '../contracts/backend-id.js';
import { describeError, TracesError, UsageError } from '../errors.js';
import { mapLimit } from '../util/map-limit.js';
import { Bucket, type BucketOptions } from './bucket/client.js';
import { BucketKeys } from './bucket/key-view.js';
import { FolderKeys, isStoreFolder, type KeyInfo, type KeyView } from './store/key-view.js';

export type { KeyInfo, KeyView } from './store/key-view.js';

/** What a copy will do: the keys to copy, in the order they are copied, and how many are already there. */
export interface CopyPlan {
  copy: KeyInfo[];
  skipped: number;
}

export interface CopyResult {
  copied: number;
  skipped: number;
  /** Bytes of the keys copied. */
  bytes: number;
  failed: { key: string; error: string }[];
  /** Keys not attempted: the run was stopped, or index keys held back because a key they may name failed. */
  pending: string[];
}

export interface CopyOptions {
  /** Keys in flight at once. */
  concurrency: number;
  /** Once aborted, no key is started (those in flight finish). */
  signal?: AbortSignal;
  onKey?: (key: KeyInfo, outcome: { error?: string }) => void;
}

/** Index keys name bodies and records: they are copied last, so a copy stopped midway never names a key not yet there. */
const INDEX = 'index/';

/**
 * Lists both stores and decides, key by key as `aws s3 sync` does, what to copy: a key the
 * destination lacks, holds at another size, or holds older than the source's. Times compare to
 * the second, which is all S3 keeps.
 */
export async function planCopy(from: KeyView, to: KeyView): Promise<CopyPlan> {
  const there = new Map<string, KeyInfo>();
  for await (const key of to.list()) there.set(key.key, key);
  const data: KeyInfo[] = [];
  const index: KeyInfo[] = [];
  let skipped = 0;
  for await (const key of from.list()) {
    if (!changed(key, there.get(key.key))) skipped++;
    else (key.key.startsWith(INDEX) ? index : data).push(key);
  }
  return { copy: [...data, ...index], skipped };
}

function changed(source: KeyInfo, copy: KeyInfo | undefined): boolean {
  if (!copy || copy.size !== source.size) return true;
  return Math.floor(source.modified.getTime() / 1000) > Math.floor(copy.modified.getTime() / 1000);
}

/**
 * Copies the planned keys, `concurrency` at once: every other key first, then the index keys,
 * and those only when no other key failed. A key that fails is reported and the copy goes on; a
 * refused credential or a missing bucket stops it (every key would fail the same way).
 */
export async function runCopy(from: KeyView, to: KeyView, plan: CopyPlan, options: CopyOptions): Promise<CopyResult> {
  const result: CopyResult = { copied: 0, skipped: plan.skipped, bytes: 0, failed: [], pending: [] };
  let fatal: TracesError | undefined;
  const copyAll = (keys: KeyInfo[]) =>
    mapLimit(keys, options.concurrency, async (key) => {
      if (fatal !== undefined || options.signal?.aborted) {
        result.pending.push(key.key);
        return;
      }
      try {
        const size = await copyKey(from, to, key.key);
        if (size === undefined) result.skipped++;
        else Object.assign(result, { copied: result.copied + 1, bytes: result.bytes + size });
        options.onKey?.(key, {});
      } catch (error) {
        if (error instanceof TracesError && (error.exitCode === 4 || error.exitCode === 2)) {
          fatal ??= error;
          result.pending.push(key.key);
          return;
        }
        const text = describeError(error);
        result.failed.push({ key: key.key, error: text });
        options.onKey?.(key, { error: text });
      }
    });
  const data = plan.copy.filter((k) => !k.key.startsWith(INDEX));
  const index = plan.copy.filter((k) => k.key.startsWith(INDEX));
  await copyAll(data);
  if (fatal === undefined && result.failed.length) result.pending.push(...index.map((k) => k.key));
  else await copyAll(index);
  if (fatal !== undefined) throw fatal;
  return result;
}

/** Copies one key as it is now; the bytes copied, or undefined when the key is gone from the source. */
async function copyKey(from: KeyView, to: KeyView, key: string): Promise<number | undefined> {
  const opened = await from.open(key);
  if (!opened) return undefined;
  try {
    await to.write(opened);
    return opened.size;
  } finally {
    opened.stream.destroy();
  }
}

/** The two ends of a copy, opened: a folder or a bucket each. */
export interface CopyEnds {
  from: KeyView;
  to: KeyView;
  close(): void;
}

/**
 * Opens the source and the destination of a copy, after refusing what cannot be meant: an HTTP
 * backend (a copy moves stores), a source folder that is not a store, a destination that is the
 * source or inside it, a destination folder that holds something other than a store.
 */
export async function openCopyEnds(from: BackendLocation, to: BackendLocation, options: BucketOptions): Promise<CopyEnds> {
  for (const [end, which] of [
    [from, 'source'],
    [to, 'destination'],
  ] as const) {
    if (end.kind === 'http') {
      throw new UsageError(
        `the ${which} ${backendId(end)} is an HTTP backend: store copy moves stores, not backends`,
        'Name a folder (./store) or a bucket (s3://bucket/prefix); to send sessions to a server, use traces upload.',
      );
    }
  }
  if (from.kind === 'dir') checkSourceFolder(from.dir);
  if (to.kind === 'dir') checkDestinationFolder(to.dir);
  if (from.kind === 'dir' && to.kind === 'dir') refuseInside(realPath(from.dir), realPath(to.dir), from.dir, to.dir);
  if (from.kind === 's3' && to.kind === 's3') refuseInsideBucket(from, to);
  const opened: KeyView[] = [];
  try {
    for (const end of [from, to])
      opened.push(end.kind === 'dir' ? new FolderKeys(end.dir) : new BucketKeys(await Bucket.open(end as S3Location, options)));
  } catch (error) {
    opened.forEach((v) => v.close());
    throw error;
  }
  return { from: opened[0]!, to: opened[1]!, close: () => opened.forEach((v) => v.close()) };
}

function checkSourceFolder(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder`);
  if (!isStoreFolder(dir)) {
    throw new UsageError(
      `${dir}: not a traces store (no .traces-store marker, nor agent-traces/ and index/sessions/)`,
      'Name the folder a store was made in (--to DIR or traces serve --data DIR).',
    );
  }
}

function checkDestinationFolder(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new UsageError(`${dir}: cannot be used as a destination (${code ?? describeError(error)})`);
  }
  if (names.length > 0 && !isStoreFolder(dir)) {
    throw new UsageError(`${dir}: not empty and not a traces store`, 'Name an empty or new folder, or an existing store.');
  }
}

/** The real path of `path`, or of its nearest existing folder with the rest appended (a destination not yet made). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

function refuseInside(source: string, destination: string, from: string, to: string): void {
  const rel = relative(source, destination);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new UsageError(
      rel === '' ? `${to} is the source store itself` : `${to} is inside the source store ${from}`,
      'Copy into a folder outside the source.',
    );
  }
}

function refuseInsideBucket(from: S3Location, to: S3Location): void {
  if (from.bucket !== to.bucket || (from.endpoint ?? '') !== (to.endpoint ?? '')) return;
  if (from.prefix === to.prefix) throw new UsageError(`${backendId({ kind: 's3', ...to })} is the source store itself`);
  if (from.prefix === '' || to.prefix.startsWith(`${from.prefix}/`)) {
    throw new UsageError(
      `${backendId({ kind: 's3', ...to })} is inside the source store ${backendId({ kind: 's3', ...from })}`,
      'Copy to another prefix or bucket, outside the source prefix.',
    );
  }
}
