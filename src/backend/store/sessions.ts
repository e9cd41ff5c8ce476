import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncDir } from '../../util/atomic-write.js';
import { mapLimit } from '../../util/map-limit.js';
import { readJson, writeJson } from './json-files.js';
import { safeName } from './names.js';
import { countedBody } from './counted-body.js';
import { isSessionBodyKey, layout } from './layout.js';
import { sessionRecord } from './rules.js';
import { StoreDir } from './store-dir.js';
import { type OpenedBody, type PutSessionInput, type SessionStore, type StoredSessionRecord } from './trace-store.js';

/** Index records read at once by `list`: enough to keep the disk busy, few enough to leave descriptors for the requests. */
const LIST_READERS = 32;

/**
 * Uploaded session files (the PUT contract) in a folder: `<data>/agent-traces/<trace>/<session>.jsonl`,
 * with an index record per session. Bodies are streamed to a temp file in the staging folder and
 * fsynced outside any lock; then, under the session's lock (which other processes honour too),
 * renamed into place, indexed, and the previous body removed if it lived under another key. So
 * any interleaving of PUTs leaves one whole body, named by the index, and nothing else.
 */
export class SessionFiles implements SessionStore {
  private recovered?: Promise<void>;

  constructor(
    readonly dataDir: string,
    private readonly dir = new StoreDir(dataDir),
  ) {}

  keyOf(traceId: string, sessionId: string): string {
    return layout.sessionBody(traceId, sessionId);
  }

  private indexPath(sessionId: string): string {
    return join(this.dataDir, layout.sessionIndex(sessionId));
  }

  /**
   * An intent written before a PUT moves a session to another key: the keys that may hold a body
   * the index does not name if the process dies before it finishes.
   */
  private intentPath(sessionId: string): string {
    return join(this.dataDir, layout.pendingMove(sessionId));
  }

  /** Opens the store once: stale temp files go, and bodies orphaned by a crashed PUT are removed. */
  private open(): Promise<void> {
    this.dir.open();
    return (this.recovered ??= (async () => {
      let names: string[];
      try {
        names = await readdir(join(this.dataDir, layout.pendingPrefix));
      } catch {
        return; // no PUT ever moved a session here
      }
      for (const name of names) {
        if (!name.endsWith('.json')) continue;
        const intent = readJson<{ session_id: string }>(join(this.dataDir, layout.pendingPrefix, name));
        if (intent) await this.dir.lock(this.lockName(intent.session_id), () => this.finishMove(intent.session_id));
      }
    })());
  }

  private lockName(sessionId: string): string {
    return `session-${safeName(sessionId)}`;
  }

  /** Under the session's lock: removes the bodies a move left that the index does not name. */
  private async finishMove(sessionId: string): Promise<void> {
    const intent = readJson<{ keys: string[] }>(this.intentPath(sessionId));
    if (!intent) return;
    const current = await this.read(sessionId);
    const keys = Array.isArray(intent.keys) ? intent.keys.filter(isSessionBodyKey) : [];
    for (const key of keys) if (key !== current?.key) await rm(join(this.dataDir, key), { force: true });
    await rm(this.intentPath(sessionId), { force: true });
  }

  async get(sessionId: string): Promise<StoredSessionRecord | undefined> {
    await this.open();
    return this.read(sessionId);
  }

  private async read(sessionId: string): Promise<StoredSessionRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.indexPath(sessionId), 'utf8')) as StoredSessionRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * The session's record and its body, opened: the pair a reader can stream. A PUT that moves the
   * session to another trace may remove the body the index named a moment ago; the index is then
   * read again, so a reader sees the old version or the new one, never a 404.
   */
  async openBody(sessionId: string): Promise<OpenedBody | undefined> {
    let record = await this.get(sessionId);
    for (let attempt = 0; record && isSessionBodyKey(record.key) && attempt < 5; attempt++) {
      try {
        return await opened(record, await open(this.bodyPath(record), 'r'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      const again = await this.read(sessionId);
      if (again?.key === record.key && again.updated === record.updated) return undefined;
      record = again;
    }
    return undefined;
  }

  bodyPath(record: StoredSessionRecord): string {
    return join(this.dataDir, record.key);
  }

  async list(): Promise<StoredSessionRecord[]> {
    await this.open();
    const dir = join(this.dataDir, layout.sessionIndexPrefix);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const records: StoredSessionRecord[] = [];
    const wanted = names.filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    // Several reads in flight: one after another, a store of 10,000 sessions takes seconds to list.
    await mapLimit(wanted, LIST_READERS, async (name) => {
      try {
        records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as StoredSessionRecord);
      } catch {
        // a record removed while listing
      }
    });
    return records.sort((a, b) => a.session_id.localeCompare(b.session_id));
  }

  /**
   * Stores `length` bytes from `body`, passed through `check` when given (the server's NDJSON
   * check). Fails with LengthMismatchError, or the check's error, leaving the previous version in
   * place, when the body is shorter or longer than announced or does not pass.
   */
  async put(
    input: PutSessionInput,
    body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
    length: number,
    check?: Transform,
  ): Promise<StoredSessionRecord> {
    const key = this.keyOf(input.traceId, input.sessionId);
    const path = join(this.dataDir, key);
    await this.open();
    const temp = this.dir.tempPath();
    const hash = createHash('sha256');
    try {
      await pipeline(countedBody(body, length, hash, check, { holdLast: false }), createWriteStream(temp, { flags: 'wx' }));
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const record = sessionRecord(input, key, length, hash.digest('hex'));
      return await this.dir.lock(this.lockName(input.sessionId), async () => {
        await this.finishMove(input.sessionId); // what a PUT that crashed mid-move left
        const previous = await this.read(input.sessionId);
        const moving = previous?.key !== key;
        if (moving) {
          const keys = previous ? [key, previous.key] : [key];
          writeJson(this.dir, this.intentPath(input.sessionId), { session_id: input.sessionId, keys });
        }
        await mkdir(dirname(path), { recursive: true });
        await rename(temp, path);
        fsyncDir(dirname(path));
        writeJson(this.dir, this.indexPath(input.sessionId), record);
        if (moving) await this.finishMove(input.sessionId);
        return record;
      });
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

/** An open body: its size is the file's own (taken now), so a concurrent overwrite cannot mismatch them. */
async function opened(record: StoredSessionRecord, handle: FileHandle): Promise<OpenedBody> {
  const { size } = await handle.stat();
  return { record, size, stream: () => handle.createReadStream(), close: () => handle.close() };
}
