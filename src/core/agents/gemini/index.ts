import { basename, join } from 'node:path';
import { SessionFileError } from '../../../errors.js';
import { readJsonLines } from '../../sessions/lines.js';
import { openRegularHandle } from '../../sessions/open-file.js';
import type { AgentAdapter, DescribeResult, Entry, Scope, SessionInfo } from '../types.js';
import { HistoryBuilder, isObject, type Json } from './history.js';
import { AGENT_NAME, SESSION_NAME, findSession, layoutOf, newerTwin, parseLegacy, projectRoot, readLegacy } from './places.js';
import { toEntries } from './to-entries.js';

/**
 * Gemini CLI's chat recordings. A chat file is JSONL since v0.39: a metadata line (`sessionId`,
 * `projectHash`, `startTime`, `kind`), then messages, `{$set}` updates and `{$rewindTo}` records;
 * before that one JSON object with a `messages` list (`.json`, pretty-printed). The CLI records no
 * version of itself in these files.
 */
export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  label: 'gemini-cli',

  homes(env, home) {
    // GEMINI_CLI_HOME stands for the home folder (the CLI's `homedir()`), not for `.gemini`.
    return [join(env.GEMINI_CLI_HOME || home, '.gemini', 'tmp')];
  },

  wants(fileName) {
    const name = basename(fileName);
    if (SESSION_NAME.test(name)) return true;
    // A sub-agent's chat is named by its agent id; with a folder given, it must sit in chats/<parent>/.
    if (!AGENT_NAME.test(name)) return false;
    return name === fileName || layoutOf(fileName)?.parentFolder !== undefined;
  },

  recognises(first, path) {
    const v = first.value;
    if (isObject(v)) {
      if ('type' in v || typeof v.sessionId !== 'string' || typeof v.startTime !== 'string') return false;
      return typeof v.projectHash === 'string' || v.kind === 'main' || v.kind === 'subagent' || Array.isArray(v.messages);
    }
    // A pretty-printed legacy chat opens with a line holding only `{`: its name and place decide,
    // and describe reads it whole.
    const name = basename(path);
    return v === undefined && name.endsWith('.json') && (SESSION_NAME.test(name) || layoutOf(path)?.parentFolder !== undefined);
  },

  describe(path, first, scope) {
    const legacy = path.endsWith('.json');
    let head = isObject(first.value) ? first.value : undefined;
    if (legacy && !Array.isArray(head?.messages)) {
      const read = readLegacy(path);
      if ('error' in read) return { ok: false, reason: String(read.error) };
      head = read;
    }
    if (!head || typeof head.sessionId !== 'string') return { ok: false, reason: 'line 1: no sessionId (not a Gemini CLI chat)' };
    const sessionId = head.sessionId;
    if (legacy) {
      const twin = newerTwin(path, sessionId, scope);
      if (twin) return { ok: false, reason: `superseded by ${basename(twin)}` };
    }
    const described = describeHead(path, head, sessionId, scope);
    if (legacy && described.ok) described.info.document = true;
    return described;
  },

  async *entries(path): AsyncGenerator<Entry> {
    const history = new HistoryBuilder();
    if (path.endsWith('.json')) {
      const handle = await openRegularHandle(path);
      let text: string;
      try {
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
      const record = parseLegacy(text);
      if ('error' in record) throw new SessionFileError(`${path}: ${String(record.error)}`);
      history.addLegacy(record);
    } else {
      // Later lines change earlier messages (a rewrite, a rewind, a checkpoint): fold the whole
      // file first. A chat is small next to what it took to make it (tool output is capped).
      for await (const { value, line } of readJsonLines(path)) {
        history.add(value, line);
      }
    }
    let line = 2;
    for (const value of toEntries(history.result())) yield { line: line++, value };
  },
};

function describeHead(path: string, head: Json, sessionId: string, scope: Scope): DescribeResult {
  const timestamp =
    typeof head.startTime === 'string' ? head.startTime : typeof head.lastUpdated === 'string' ? head.lastUpdated : undefined;
  if (!timestamp) return { ok: false, reason: 'line 1: no startTime' };
  const layout = layoutOf(path);
  const directories = Array.isArray(head.directories) ? head.directories.filter((d): d is string => typeof d === 'string') : [];
  const projectHash = typeof head.projectHash === 'string' ? head.projectHash : undefined;
  const cwd = directories[0] ?? (layout ? (projectRoot(layout.project, projectHash, scope) ?? basename(layout.project)) : '');
  const info: SessionInfo = { agent: 'gemini', id: sessionId, timestamp, cwd, kind: 'root' };
  if (layout?.parentFolder !== undefined) {
    // The folder decides: the CLI nests a sub-agent's chat under its main session's id.
    info.kind = 'sub-agent';
    info.parentId = layout.parentFolder;
    const parentPath = findSession(layout.chats, layout.parentFolder, scope);
    if (parentPath) info.parentPath = parentPath;
  } else if (head.kind === 'subagent') {
    // Up to v0.36 a sub-agent's chat lay flat beside the main ones, naming no parent.
    info.kind = 'sub-agent';
  }
  return { ok: true, info };
}
