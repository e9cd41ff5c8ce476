import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFileSync } from '../../sessions/open-file.js';
import { SessionFileError } from '../../../errors.js';
import { byTimeThenId, type JsonObject, type SessionDump } from './dump.js';

/**
 * The sessions of opencode's JSON layout before 1.2: `storage/session/<projectID>/<id>.json`,
 * `storage/message/<sessionID>/<messageID>.json`, `storage/part/<messageID>/<partID>.json`, each
 * the whole object (with its `id`, `sessionID`, `messageID`). opencode 1.2 and later no longer
 * write these files, so a file that is not JSON is damaged, not half written: it is named.
 */
export function readStorage(storage: string, onProblem: (reason: string) => void): SessionDump[] {
  const dumps: SessionDump[] = [];
  for (const project of folders(join(storage, 'session'))) {
    for (const file of jsonFiles(join(storage, 'session', project))) {
      // A damaged file costs its own session only: the others are read.
      try {
        const session = readObject(join(storage, 'session', project, file));
        const id = typeof session.id === 'string' ? session.id : file.slice(0, -'.json'.length);
        dumps.push({ session: { ...session, id }, messages: readMessages(storage, id) });
      } catch (error) {
        if (!(error instanceof SessionFileError)) throw error;
        onProblem(error.message);
      }
    }
  }
  return dumps;
}

function readMessages(storage: string, sessionId: string): SessionDump['messages'] {
  const dir = join(storage, 'message', sessionId);
  const messages = jsonFiles(dir).map((file) => {
    const message = readObject(join(dir, file));
    const id = typeof message.id === 'string' ? message.id : file.slice(0, -'.json'.length);
    const time = Number((message.time as { created?: unknown } | undefined)?.created ?? 0);
    return { id, time, message };
  });
  return messages.sort(byTimeThenId).map(({ id, message }) => ({
    message: { ...message, id, session_id: sessionId },
    parts: readParts(storage, id),
  }));
}

function readParts(storage: string, messageId: string): JsonObject[] {
  const dir = join(storage, 'part', messageId);
  // Part ids grow with time within a message: opencode reads them in id order.
  return jsonFiles(dir)
    .sort()
    .map((file) => {
      const part = readObject(join(dir, file));
      return { ...part, id: typeof part.id === 'string' ? part.id : file.slice(0, -'.json'.length) };
    });
}

function readObject(path: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(readRegularFileSync(path).toString('utf8'));
  } catch (error) {
    throw new SessionFileError(`${path}: not a JSON file of opencode's (${String(error).split('\n')[0]})`, error);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SessionFileError(`${path}: not a JSON object`);
  return value as JsonObject;
}

function folders(dir: string): string[] {
  return list(dir)
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function jsonFiles(dir: string): string[] {
  return list(dir)
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => e.name)
    .sort();
}

function list(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
