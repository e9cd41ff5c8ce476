import { closeSync, readFileSync, readSync, statSync } from 'node:fs';
import { SessionFileError } from '../../../errors.js';
import { fileKind, openRegularFile, readRegularFileSync } from '../../sessions/open-file.js';

/**
 * A SQLite database in WAL mode, read as one page image without SQLite's own locking: opencode
 * keeps its database in WAL mode, so the rows written since the last checkpoint live only in
 * `<db>-wal`, and a reader of the `.db` file alone (sql.js opens a byte array) misses them.
 *
 * The WAL format (SQLite's src/wal.c header comment): a 32-byte header of big-endian u32 (magic
 * 0x377f0682 or 0x377f0683, format 3007000, page size, checkpoint sequence, salt-1, salt-2,
 * checksum-1, checksum-2), then frames of a 24-byte header (page number, database size in pages
 * after a commit or 0, salt-1, salt-2, checksum-1, checksum-2) and one page. A frame is valid when
 * its salts match the header's and its checksum, computed cumulatively over the header's first 24
 * bytes and each frame's first 8 header bytes and page, matches. Only frames up to the last commit
 * frame form the database; what follows is a transaction still being written.
 */

const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LITTLE = 0x377f0682;
const MAGIC_BIG = 0x377f0683;
const WAL_FORMAT = 3007000;
const DB_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** A checkpoint between our reads of the WAL and the database makes us read again; this many times at most. */
const MAX_ATTEMPTS = 20;

export interface CommittedWal {
  pageSize: number;
  /** Page number → its content at the last commit in the WAL. */
  pages: Map<number, Buffer>;
  /** The database size in pages after that commit. */
  dbPages: number;
}

/**
 * SQLite's WAL checksum: the input as u32 pairs in the byte order the magic names, summed with
 * Fibonacci weights (s0 += x[i] + s1; s1 += x[i+1] + s0), modulo 2^32.
 */
export function walChecksum(data: Buffer, bigEndian: boolean, s0: number, s1: number): [number, number] {
  for (let i = 0; i + 8 <= data.length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** The committed frames of a WAL file's bytes, or undefined when it holds none (empty, or an invalid header). */
export function committedFrames(wal: Buffer): CommittedWal | undefined {
  if (wal.length < WAL_HEADER) return undefined;
  const magic = wal.readUInt32BE(0);
  if (magic !== MAGIC_LITTLE && magic !== MAGIC_BIG) return undefined;
  const bigEndian = magic === MAGIC_BIG;
  const pageSize = wal.readUInt32BE(8);
  if (wal.readUInt32BE(4) !== WAL_FORMAT || pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return undefined;
  }
  let [s0, s1] = walChecksum(wal.subarray(0, 24), bigEndian, 0, 0);
  if (s0 !== wal.readUInt32BE(24) || s1 !== wal.readUInt32BE(28)) return undefined;
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);

  const committed = new Map<number, Buffer>();
  const pending = new Map<number, Buffer>();
  let dbPages = 0;
  for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) {
    const pageNo = wal.readUInt32BE(at);
    const commitSize = wal.readUInt32BE(at + 4);
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    const page = wal.subarray(at + FRAME_HEADER, at + FRAME_HEADER + pageSize);
    [s0, s1] = walChecksum(wal.subarray(at, at + 8), bigEndian, s0, s1);
    [s0, s1] = walChecksum(page, bigEndian, s0, s1);
    if (s0 !== wal.readUInt32BE(at + 16) || s1 !== wal.readUInt32BE(at + 20)) break;
    if (pageNo === 0) break;
    pending.set(pageNo, page);
    if (commitSize !== 0) {
      for (const [no, content] of pending) committed.set(no, content);
      pending.clear();
      dbPages = commitSize;
    }
  }
  return dbPages === 0 ? undefined : { pageSize, pages: committed, dbPages };
}

/**
 * The database image with the WAL's committed pages written over it, sized as the last commit
 * says, and marked as a rollback-journal database (header bytes 18-19 = 1) so that an in-memory
 * SQLite opens it without looking for a WAL.
 */
export function mergeWal(db: Buffer, wal: CommittedWal | undefined, path: string): Buffer {
  if (!wal) return markRollback(db);
  if (db.length >= 100) {
    const raw = db.readUInt16BE(16);
    const dbPageSize = raw === 1 ? 65536 : raw;
    if (dbPageSize !== wal.pageSize) {
      throw new SessionFileError(`${path}: the WAL's page size (${wal.pageSize}) is not the database's (${dbPageSize})`);
    }
  }
  const image = Buffer.alloc(wal.dbPages * wal.pageSize);
  db.copy(image, 0, 0, Math.min(db.length, image.length));
  for (const [pageNo, page] of wal.pages) {
    if (pageNo <= wal.dbPages) page.copy(image, (pageNo - 1) * wal.pageSize);
  }
  return markRollback(image);
}

function markRollback(image: Buffer): Buffer {
  if (image.length >= 100 && image.subarray(0, 16).equals(DB_MAGIC)) {
    image[18] = 1;
    image[19] = 1;
  }
  return image;
}

/**
 * Reads `path` and its `-wal` as one consistent image. The order matters: the WAL header, then
 * the database, then the whole WAL. A checkpoint copies only frames already in the WAL into the
 * database, so when the WAL header is the same before and after the database was read, every
 * page the database got from a checkpoint is overwritten by the same or a later committed frame
 * of the WAL read last. A changed header means the WAL was restarted after a full checkpoint and
 * its old frames are gone: read again.
 */
export function readDatabaseImage(path: string): Buffer {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = readWalHeader(`${path}-wal`);
    const db = readRegularFileSync(path);
    const wal = readOptional(`${path}-wal`);
    const after = wal && wal.length >= WAL_HEADER ? wal.subarray(0, WAL_HEADER) : undefined;
    if (sameHeader(before, after)) return mergeWal(db, wal ? committedFrames(wal) : undefined, path);
  }
  throw new SessionFileError(`${path}: the database was checkpointed each of the ${MAX_ATTEMPTS} times it was read; try again`);
}

function sameHeader(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.equals(b);
}

function readWalHeader(path: string): Buffer | undefined {
  const fd = openCompanion(path);
  if (fd === undefined) return undefined;
  try {
    const header = Buffer.alloc(WAL_HEADER);
    const n = readSync(fd, header, 0, WAL_HEADER, 0);
    return n === WAL_HEADER ? header : undefined;
  } finally {
    closeSync(fd);
  }
}

function readOptional(path: string): Buffer | undefined {
  const fd = openCompanion(path);
  if (fd === undefined) return undefined;
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens the database's WAL, which may be missing (undefined). Anything but a regular file there
 * (a folder, a FIFO that would block the read for ever) is an error naming it; it is never opened.
 */
function openCompanion(path: string): number | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SessionFileError(`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!st.isFile()) throw new SessionFileError(`${path}: not a regular file (${fileKind(st)})`);
  const opened = openRegularFile(path);
  if (!opened.ok) throw new SessionFileError(`${path}: ${opened.reason}`);
  return opened.fd;
}

/** Whether a file starts with SQLite's 16-byte magic. */
export function isSqliteFile(path: string): boolean {
  const opened = openRegularFile(path);
  if (!opened.ok) return false;
  const fd = opened.fd;
  try {
    const magic = Buffer.alloc(16);
    return readSync(fd, magic, 0, 16, 0) === 16 && magic.equals(DB_MAGIC);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
