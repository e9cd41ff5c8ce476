import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic, fsyncDir } from '../../util/atomic-write.js';
import { safeName } from './names.js';

/** What the store keeps about an uploaded session file (the list view of `traces serve`). */
export interface StoredSessionRecord {
  session_id: string;
  trace_id: string;
  parent_session: string | null;
  bytes: number;
  sha256: string;
  key: string;
  cwd: string | null;
  agent_version: string | null;
  git_repo: string | null;
  git_commit: string | null;
  updated: string;
}

export interface PutSessionInput {
  sessionId: string;
  traceId: string;
  parentId?: string | null;
  cwd?: string | null;
  agentVersion?: string | null;
  gitRepo?: string | null;
  gitCommit?: string | null;
}

export class LengthMismatchError extends Error {}

/**
 * Uploaded session files (DESIGN §2.1) in a folder: `<data>/agent-traces/<trace>/<session>.jsonl`,
 * with an index record per session. Bodies are streamed to a temp file in the target folder,
 * fsynced and renamed, so a crash or a concurrent overwrite leaves one whole version.
 */
export class SessionFiles {
  constructor(readonly dataDir: string) {}

  keyOf(traceId: string, sessionId: string): string {
    return `agent-traces/${safeName(traceId)}/${safeName(sessionId)}.jsonl`;
  }

  private indexPath(sessionId: string): string {
    return join(this.dataDir, 'index', 'sessions', `${safeName(sessionId)}.json`);
  }

  async get(sessionId: string): Promise<StoredSessionRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.indexPath(sessionId), 'utf8')) as StoredSessionRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  bodyPath(record: StoredSessionRecord): string {
    return join(this.dataDir, record.key);
  }

  async list(): Promise<StoredSessionRecord[]> {
    const dir = join(this.dataDir, 'index', 'sessions');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const records: StoredSessionRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as StoredSessionRecord);
      } catch {
        // a record removed while listing
      }
    }
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
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const hash = createHash('sha256');
    let seen = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        seen += chunk.length;
        if (seen > length) return done(new LengthMismatchError(`body is longer than its Content-Length of ${length}`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      const sink = createWriteStream(temp, { flags: 'wx' });
      if (check) await pipeline(body as NodeJS.ReadableStream, check, counter, sink);
      else await pipeline(body as NodeJS.ReadableStream, counter, sink);
      if (seen !== length) throw new LengthMismatchError(`body has ${seen} bytes, Content-Length said ${length}`);
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const previous = await this.get(input.sessionId);
      await rename(temp, path);
      fsyncDir(dirname(path));
      const record: StoredSessionRecord = {
        session_id: input.sessionId,
        trace_id: input.traceId,
        parent_session: input.parentId ?? null,
        bytes: length,
        sha256: hash.digest('hex'),
        key,
        cwd: input.cwd ?? null,
        agent_version: input.agentVersion ?? null,
        git_repo: input.gitRepo ?? null,
        git_commit: input.gitCommit ?? null,
        updated: new Date().toISOString(),
      };
      writeFileAtomic(this.indexPath(input.sessionId), JSON.stringify(record));
      // The session moved to another trace: the old body is no longer the current one.
      if (previous && previous.key !== key) await rm(join(this.dataDir, previous.key), { force: true });
      return record;
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
