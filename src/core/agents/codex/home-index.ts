import { readdirSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import type { Scope } from '../types.js';

const ROLLOUT_NAME = /^rollout-.*-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

/** The thread id in a rollout file's name (`rollout-<local ts>-<uuid>.jsonl`), lower-cased. */
export function threadIdOfName(fileName: string): string | undefined {
  return ROLLOUT_NAME.exec(fileName)?.[1]?.toLowerCase();
}

/**
 * The CODEX_HOME a rollout file lives in: the folder above the nearest `sessions/` (dated
 * YYYY/MM/DD below it) or `archived_sessions/` (flat) in its path, or undefined when the file
 * is not laid out under a home (a copy the user named by path).
 */
export function codexHomeOf(path: string): string | undefined {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const name = basename(dir);
    if (name === 'sessions' || name === 'archived_sessions') return dirname(dir);
  }
  return undefined;
}

/**
 * Thread id → rollout file under one CODEX_HOME, built once per run. Codex moves a rollout from
 * `sessions/` to `archived_sessions/` when a thread is archived, and a copy can be left in both:
 * the `sessions/` copy is the live one, so it wins.
 */
export function rolloutIndex(home: string, scope: Scope): Map<string, string> {
  return scope.memo(`codex:rollouts:${home}${sep}`, () => {
    const index = new Map<string, string>();
    for (const file of listRollouts(join(home, 'archived_sessions'), 0)) index.set(threadIdOfName(basename(file))!, file);
    for (const file of listRollouts(join(home, 'sessions'), 3)) index.set(threadIdOfName(basename(file))!, file);
    return index;
  });
}

/** Rollout files in `dir` and up to `depth` folder levels below it (missing folders are empty). */
function listRollouts(dir: string, depth: number): string[] {
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of names.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth > 0) found.push(...listRollouts(path, depth - 1));
    else if (entry.isFile() && threadIdOfName(entry.name)) found.push(path);
  }
  return found;
}
