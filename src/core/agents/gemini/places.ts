import { createHash } from 'node:crypto';
import { readRegularFileSync } from '../../sessions/open-file.js';
import { closeSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readFirstLines } from '../../sessions/lines.js';
import { openRegularFile } from '../../sessions/open-file.js';
import type { Scope } from '../types.js';
import { isObject, type Json } from './history.js';

/**
 * Where Gemini CLI puts its chats: `<home>/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl`
 * (`.json` before v0.39), a sub-agent's chat in `chats/<parentSessionId>/<agentId>.jsonl`.
 * `<project>` is a slug of the project folder's name (since v0.29; `~/.gemini/projects.json` maps
 * each project root to it, and `.project_root` in the folder names its owner) or, before, the
 * sha256 of the project root, which every record still carries as `projectHash`.
 */
export interface Layout {
  chats: string;
  project: string;
  /** The folder a sub-agent's chat sits in: its parent's session id. */
  parentFolder?: string;
}

export const SESSION_NAME = /^session-.+\.jsonl?$/;
/** A sub-agent chat's name: its agent id (a UUID), `.jsonl` (`.json` in v0.37 and v0.38). */
export const AGENT_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl?$/i;

export function layoutOf(path: string): Layout | undefined {
  const dir = dirname(path);
  if (basename(dir) === 'chats') return { chats: dir, project: dirname(dir) };
  if (basename(dirname(dir)) === 'chats') return { chats: dirname(dir), project: dirname(dirname(dir)), parentFolder: basename(dir) };
  return undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The project root of a chat, when the CLI's own records prove it: a root from `projects.json` or
 * the folder's `.project_root` whose sha256 is the chat's `projectHash`. With no hash to check,
 * the registry's or the marker's word is taken.
 */
export function projectRoot(project: string, projectHash: string | undefined, scope: Scope): string | undefined {
  const geminiDir = dirname(dirname(project));
  const registry = scope.memo(`gemini:projects:${geminiDir}`, () => readRegistry(join(geminiDir, 'projects.json')));
  const slug = basename(project);
  const marker = scope.memo(`gemini:marker:${project}`, () => readText(join(project, '.project_root')));
  if (projectHash) {
    const byHash = registry.find(([root]) => sha256(root) === projectHash)?.[0];
    return byHash ?? (marker && sha256(marker) === projectHash ? marker : undefined);
  }
  const bySlug = registry.filter(([, s]) => s === slug);
  return bySlug.length === 1 ? bySlug[0]![0] : marker;
}

function readRegistry(path: string): [string, string][] {
  try {
    const data = JSON.parse(readRegularFileSync(path).toString('utf8')) as unknown;
    const projects = isObject(data) && isObject(data.projects) ? data.projects : {};
    return Object.entries(projects).filter((e): e is [string, string] => typeof e[1] === 'string');
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readRegularFileSync(path).toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The main chat in `chats` whose session id is `sessionId` (its name ends in the id's first 8 characters). */
export function findSession(chats: string, sessionId: string, scope: Scope): string | undefined {
  const names = scope.memo(`gemini:list:${chats}`, () => listNames(chats));
  const short = sessionId.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 8);
  const candidates = names
    .filter((n) => SESSION_NAME.test(n) && (n.endsWith(`-${short}.jsonl`) || n.endsWith(`-${short}.json`)))
    .sort((a, b) => Number(b.endsWith('.jsonl')) - Number(a.endsWith('.jsonl')));
  return candidates.map((n) => join(chats, n)).find((p) => sessionIdOf(p, scope) === sessionId);
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The session id a chat file states (memoised per run). */
export function sessionIdOf(path: string, scope: Scope): string | undefined {
  return scope.memo(`gemini:id:${path}`, () => {
    const head = path.endsWith('.json') ? readLegacy(path) : readFirstRecord(path);
    return isObject(head) && typeof head.sessionId === 'string' ? head.sessionId : undefined;
  });
}

/** The `.jsonl` the CLI wrote beside a legacy `.json` when it resumed it, if it holds the same session. */
export function newerTwin(path: string, sessionId: string, scope: Scope): string | undefined {
  const twin = `${path}l`;
  return existsSync(twin) && sessionIdOf(twin, scope) === sessionId ? twin : undefined;
}

const FIRST_LINE_BYTES = 1024 * 1024;

function readFirstRecord(path: string): unknown {
  const lines = readFirstLines(path, 1, FIRST_LINE_BYTES);
  if (!Array.isArray(lines) || !lines[0]) return undefined;
  try {
    return JSON.parse(lines[0].text);
  } catch {
    return undefined;
  }
}

/**
 * A legacy chat: one JSON object, pretty-printed over many lines by the versions that wrote it.
 * Gives the object, or why it is not one.
 */
export function readLegacy(path: string): Json | { error: string } {
  const opened = openRegularFile(path);
  if (!opened.ok) return { error: opened.reason };
  let text: string;
  try {
    text = readFileSync(opened.fd, 'utf8');
  } catch (error) {
    return { error: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  } finally {
    closeSync(opened.fd);
  }
  return parseLegacy(text);
}

export function parseLegacy(text: string): Json | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON (a legacy chat is one JSON object)' };
  }
  if (!isObject(value) || typeof value.sessionId !== 'string') return { error: 'no sessionId' };
  if (!Array.isArray(value.messages)) return { error: 'no messages list' };
  return value;
}
