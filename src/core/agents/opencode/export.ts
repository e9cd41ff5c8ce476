import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SessionFileError } from '../../../errors.js';
import { writeFileAtomic } from '../../../util/atomic-write.js';
import { isDirectory, isRegularFile } from '../../../util/path-kind.js';
import { MESSAGE_LINE, SESSION_LINE, type SessionDump } from './dump.js';
import { readDatabase } from './read-db.js';
import { readStorage } from './read-storage.js';
import { isSqliteFile } from './wal.js';

/**
 * opencode keeps its sessions in a SQLite database (from 1.2) or in many small JSON files (before
 * it), not one file per session. traces works on session files, so each session is exported as
 * one NDJSON file: line 1 `{"type":"opencode.session","session":{…},"source":"…"}`, then one
 * `{"type":"opencode.message","message":{…},"parts":[…]}` line per message, in order. The user's
 * database is only read, never written.
 */

type Source = { kind: 'db' | 'storage'; path: string };

/**
 * Exports every session of `source` (a database file, a `storage/` folder, or opencode's data
 * folder holding either) to `<exportDir>/<sessionId>.jsonl` and returns those files. A file is
 * rewritten (atomically) only when its bytes change, so an unchanged session keeps its mtime and
 * a rerun uploads nothing. A session found in both a database and `storage/` (the JSON files a
 * migration to 1.2 copied into the database) is taken from the database.
 */
export async function exportOpencode(
  source: string,
  exportDir: string,
  /** A database, or a session of storage/, that cannot be read: the others are exported. */
  onProblem: (reason: string) => void = () => {},
): Promise<string[]> {
  const sources = resolveSources(source);
  if (sources.length === 0) {
    throw new SessionFileError(`${source}: neither an opencode database nor a storage/ folder of opencode's`);
  }
  const seen = new Set<string>();
  const files: string[] = [];
  // The folder exists even when the store holds no session yet: there is then nothing to read, not a missing path.
  mkdirSync(exportDir, { recursive: true });
  for (const from of sources) {
    let dumps: SessionDump[];
    try {
      dumps = from.kind === 'db' ? await readDatabase(from.path) : readStorage(from.path, onProblem);
    } catch (error) {
      if (!(error instanceof SessionFileError) || sources.length === 1) throw error;
      onProblem(error.message);
      continue;
    }
    for (const dump of dumps) {
      const id = String(dump.session.id);
      if (seen.has(id)) continue;
      seen.add(id);
      files.push(writeIfChanged(exportDir, id, render(dump, from.path), from.path));
    }
  }
  return files;
}

/** Whether `path` is an opencode store: a SQLite file, a `storage/` folder with `session/`, or a data folder holding either. */
export function isOpencodeSource(path: string): boolean {
  return resolveSources(path).length > 0;
}

function resolveSources(path: string): Source[] {
  if (isRegularFile(path)) return isSqliteFile(path) ? [{ kind: 'db', path }] : [];
  if (!isDirectory(path)) return [];
  if (isStorage(path)) return [{ kind: 'storage', path }];
  // opencode's data folder: opencode.db (or opencode-<channel>.db for other install channels) first.
  const databases = entries(path)
    .filter((name) => /^opencode(-[A-Za-z0-9._-]+)?\.db$/.test(name) && isSqliteFile(join(path, name)))
    .sort((a, b) => (a === 'opencode.db' ? -1 : b === 'opencode.db' ? 1 : a < b ? -1 : 1))
    .map((name): Source => ({ kind: 'db', path: join(path, name) }));
  const storage = join(path, 'storage');
  return isStorage(storage) ? [...databases, { kind: 'storage', path: storage }] : databases;
}

function isStorage(dir: string): boolean {
  return isDirectory(join(dir, 'session')) && (basename(dir) === 'storage' || isDirectory(join(dir, 'message')));
}

function render(dump: SessionDump, source: string): string {
  const lines = [JSON.stringify({ type: SESSION_LINE, session: dump.session, source })];
  for (const { message, parts } of dump.messages) lines.push(JSON.stringify({ type: MESSAGE_LINE, message, parts }));
  return `${lines.join('\n')}\n`;
}

function writeIfChanged(exportDir: string, id: string, text: string, source: string): string {
  // The id names a file: nothing that could climb out of the export folder or hide in it.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(id)) {
    throw new SessionFileError(`${source}: session id ${JSON.stringify(id)} cannot name a file`);
  }
  const file = join(exportDir, `${id}.jsonl`);
  const bytes = Buffer.from(text);
  let current: Buffer | undefined;
  try {
    current = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!current || !current.equals(bytes)) writeFileAtomic(file, bytes);
  return file;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
