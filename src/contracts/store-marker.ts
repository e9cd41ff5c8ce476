import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What marks a folder as a traces store. The store writes the marker; session discovery reads it,
 * so that a scan of the sessions dir never walks into a store kept beside it.
 */

/** The file at a store's root that says "this folder is a traces store": session scans skip it. */
export const STORE_MARKER = '.traces-store';

/** Folders a store made by an older version (before the marker) always has. */
const LEGACY_LAYOUT = ['agent-traces', 'index'];

/** Is `dir` (whose entry names are `names`) the root of a traces store, this version's or an older one's? */
export function isStoreRoot(dir: string, names: readonly string[]): boolean {
  if (names.includes(STORE_MARKER)) return true;
  return LEGACY_LAYOUT.every((n) => names.includes(n)) && existsSync(join(dir, 'index', 'sessions'));
}
