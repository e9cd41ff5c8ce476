import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { SessionFileError } from '../../errors.js';

// O_NONBLOCK makes open() return at once on a FIFO with no writer (it would otherwise wait for
// one for ever); on a regular file it changes nothing. Windows has neither FIFOs nor the flag.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a non-regular file is, for messages: "a FIFO", "a socket", ... */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a folder';
  return 'not a file';
}

/** Why `path` is not a regular file, or undefined if it is one (or cannot be stat'ed). */
export function notRegular(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? undefined : `not a regular file (${fileKind(st)})`;
  } catch {
    return undefined;
  }
}

export type Opened = { ok: true; fd: number } | { ok: false; reason: string };

/**
 * Opens a session file for reading without ever blocking, and only if it is a regular file:
 * anything else gives the reason ("not a regular file (a FIFO)"). The caller closes the fd.
 */
export function openRegularFile(path: string): Opened {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    return { ok: false, reason: openFailure(path, error) };
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    return { ok: false, reason: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  if (st.isFile()) return { ok: true, fd };
  closeSync(fd);
  return { ok: false, reason: `not a regular file (${fileKind(st)})` };
}

/** openRegularFile as a FileHandle: a file that opens but is not a regular one is a SessionFileError. */
export async function openRegularHandle(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    // A missing or unreadable file keeps its system error (callers act on ENOENT); only a socket is named.
    const socket = (error as NodeJS.ErrnoException).code === 'ENXIO' && notRegular(path);
    throw socket ? new SessionFileError(`${path}: ${socket}`, error) : error;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new SessionFileError(`${path}: not a regular file (${fileKind(st)})`);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A socket cannot be opened at all (ENXIO): say what it is rather than the errno. */
function openFailure(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return (code === 'ENXIO' && notRegular(path)) || `cannot open: ${code}`;
}

/** The whole of a regular file, read without ever blocking on a FIFO: anything else is a SessionFileError naming it. */
export function readRegularFileSync(path: string): Buffer {
  const opened = openRegularFile(path);
  if (!opened.ok) throw new SessionFileError(`${path}: ${opened.reason}`);
  try {
    return readFileSync(opened.fd);
  } finally {
    closeSync(opened.fd);
  }
}
