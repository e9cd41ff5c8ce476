// Kept here too: the output layer's callers import their formatting from one place.
export { formatBytes, formatMiB } from '../util/bytes.js';
export { plural } from '../util/plural.js';
import { statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { homeDir } from '../config/paths.js';
import type { Io } from './io.js';

/** How many results have each status: `{total, <status>: n, ...}` for the --json summaries. */
export function countStatuses<S extends string>(
  results: { status: string }[],
  statuses: readonly S[],
): { total: number } & Record<S, number> {
  const counts = { total: results.length } as { total: number } & Record<S, number>;
  for (const status of statuses) (counts as Record<string, number>)[status] = results.filter((r) => r.status === status).length;
  return counts;
}

/**
 * A path as a person wants to read it on an 80-column line: relative to the first folder in
 * `bases` that holds it, else with the home folder as `~`, else as it is.
 */
export function shortPath(file: string, bases: string[], home: string | undefined): string {
  for (const base of bases) {
    const inside = relative(base, file);
    if (inside && !inside.startsWith('..') && !isAbsolute(inside)) return inside;
  }
  if (home && home !== sep && (file === home || file.startsWith(`${home}${sep}`))) return `~${file.slice(home.length)}`;
  return file;
}

/** Paths relative to the folders scanned (a named file counts by its folder), else `~`-shortened. */
export function shortener(scanned: string[], io: Io): (file: string) => string {
  const bases = scanned.map((p) => resolve(io.cwd, p)).map((p) => (isFolder(p) ? p : dirname(p)));
  return (file) => shortPath(file, bases, homeDir(io.env));
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
