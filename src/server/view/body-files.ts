import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { LocalStore } from '../../backend/store/index.js';
import { isSessionBodyKey } from '../../backend/store/layout.js';
import type { StoredSessionRecord, TraceStore } from '../../backend/store/trace-store.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** A stored session body as a file the session readers can open, and the record it is the body of. */
export interface BodyFile {
  path: string;
  record: StoredSessionRecord;
}

/**
 * Session bodies as files: a folder store's are its own files; a bucket's are streamed, once per
 * content (sha256), to a cache folder of this process, under the same key as in the store (so a
 * reader sees the path a folder store would give it). The cache folder is removed by `close`.
 */
export class BodyFiles {
  private cacheDir?: Promise<string>;
  private readonly fetching = new Map<string, Promise<BodyFile | undefined>>();

  constructor(private readonly store: TraceStore) {}

  /**
   * The body of `record` (or of a newer version, when the session was replaced meanwhile);
   * undefined when gone, or when the record names no session body (a record from elsewhere may
   * name `../anything`: that path is never opened, here or in the cache).
   */
  async fileOf(record: StoredSessionRecord): Promise<BodyFile | undefined> {
    if (!isSessionBodyKey(record.key) || !SHA256.test(record.sha256)) return undefined;
    if (this.store instanceof LocalStore) return { path: this.store.sessions.bodyPath(record), record };
    const path = await this.cachePath(record);
    if (existsSync(path)) return { path, record };
    let fetch = this.fetching.get(path);
    if (!fetch) {
      fetch = this.download(record.session_id).finally(() => this.fetching.delete(path));
      this.fetching.set(path, fetch);
    }
    return fetch;
  }

  /** Forgets the cached copy of `record`'s body (the session was replaced or removed). */
  async drop(record: StoredSessionRecord): Promise<void> {
    if (this.store instanceof LocalStore || !isSessionBodyKey(record.key) || !SHA256.test(record.sha256)) return;
    await rm(await this.cachePath(record), { force: true });
  }

  async close(): Promise<void> {
    const dir = await this.cacheDir?.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  private async cachePath(record: StoredSessionRecord): Promise<string> {
    this.cacheDir ??= mkdtemp(join(tmpdir(), 'traces-serve-bodies-'));
    return join(await this.cacheDir, record.sha256, record.key);
  }

  /**
   * Streams the session's body to its cache file, via a temp file so that a half-written copy is
   * never read. The store may hand back a newer version than the one asked for: it is filed under
   * its own sha.
   */
  private async download(sessionId: string): Promise<BodyFile | undefined> {
    const opened = await this.store.sessions.openBody(sessionId);
    if (!opened) return undefined;
    if (!SHA256.test(opened.record.sha256)) {
      await opened.close();
      return undefined;
    }
    const target = await this.cachePath(opened.record);
    if (existsSync(target)) {
      await opened.close();
      return { path: target, record: opened.record };
    }
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomUUID()}.part`;
    try {
      await pipeline(opened.stream(), createWriteStream(temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { path: target, record: opened.record };
  }
}
