import { EXIT, FileSystemError, TracesError, type ExitCode } from '../errors.js';

/** System errors that say something about the path or the machine, never about our code. */
const REASONS: Record<string, { text: string; exitCode: ExitCode }> = {
  EACCES: { text: 'permission denied', exitCode: EXIT.usage },
  EPERM: { text: 'operation not permitted', exitCode: EXIT.usage },
  EROFS: { text: 'read-only file system', exitCode: EXIT.usage },
  ENOTDIR: { text: 'a part of the path is not a folder', exitCode: EXIT.usage },
  EISDIR: { text: 'it is a folder, not a file', exitCode: EXIT.usage },
  EEXIST: { text: 'a file is in the way', exitCode: EXIT.usage },
  ELOOP: { text: 'too many levels of symbolic links', exitCode: EXIT.usage },
  ENAMETOOLONG: { text: 'the name is too long', exitCode: EXIT.usage },
  ENOSPC: { text: 'no space left on the device', exitCode: EXIT.failed },
  EDQUOT: { text: 'disk quota exceeded', exitCode: EXIT.failed },
  EIO: { text: 'input/output error', exitCode: EXIT.failed },
  EMFILE: { text: 'too many open files', exitCode: EXIT.failed },
  ENFILE: { text: 'too many open files in the system', exitCode: EXIT.failed },
};

/**
 * `error` as a FileSystemError naming `path` ("cannot write the ledger /x: permission denied
 * (EACCES)"), if it is a system error of that kind; otherwise `error` itself, unchanged.
 */
export function fsError(error: unknown, what: string, path: string, hint?: string): unknown {
  if (error instanceof TracesError) return error;
  const code = errnoCode(error);
  const reason = code === undefined ? undefined : REASONS[code];
  if (!reason) return error;
  const where = (error as NodeJS.ErrnoException).path;
  const detail = where && where !== path ? ` (at ${where})` : '';
  return new FileSystemError(`${what} ${path}: ${reason.text} (${code})${detail}`, { exitCode: reason.exitCode, hint, cause: error });
}

/**
 * For the top of the CLI: a Node system error that names its path and system call (so it came
 * from the file system, not from our logic) as a clear FileSystemError; anything else undefined.
 */
export function systemFsError(error: unknown): FileSystemError | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  const code = errnoCode(error);
  if (!(error instanceof Error) || typeof e?.path !== 'string' || typeof e.syscall !== 'string' || !code || !REASONS[code])
    return undefined;
  return fsError(error, `cannot ${e.syscall}`, e.path) as FileSystemError;
}

/** The errno name; fs.rm reports a folder as ERR_FS_EISDIR. */
function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ERR_FS_EISDIR' ? 'EISDIR' : code;
}

/** The hint for every state file: where it lives is one setting. */
export const STATE_HINT =
  'The state dir holds the ledger and the queue: fix its permissions, or set TRACES_STATE_DIR to a writable folder.';
