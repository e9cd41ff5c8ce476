import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { isStoreRoot } from '../../contracts/store-marker.js';
import { fileKind } from './open-file.js';
import { expandStores, wantedBy, type AgentName } from '../agents/registry.js';

/** A file that may be a session, with what one stat says about it. */
export interface Candidate {
  path: string;
  size: number;
  mtimeMs: number;
  /** Named by the user (not found by a folder scan): not being a session is then an error. */
  explicit: boolean;
}

/**
 * Finds candidate files: each PATH that is a file, and every file below each PATH that is a folder
 * whose name one of `agents` wants (without agents: every `*.jsonl`). Only stats: reading headers is left to the caller, which can skip unchanged files.
 * A missing PATH is a usage error when `required`, else it is passed over. A file PATH counts as
 * named by the user unless `named` is false (the watcher names files it merely saw change).
 */
export function discover(paths: string[], options: { required: boolean; named?: boolean; agents?: readonly AgentName[] }): Candidate[] {
  const found = new Map<string, Candidate>();
  const wants = options.agents ? wantedBy(options.agents) : (name: string) => name.endsWith('.jsonl');
  for (const raw of paths) {
    const path = resolve(raw);
    let st;
    try {
      st = statSync(path);
    } catch (error) {
      if (!options.required && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new UsageError(`${raw}: no such file or folder`);
    }
    if (st.isDirectory()) walk(path, found, wants, true);
    else if (!st.isFile()) {
      // A FIFO, socket or device is never opened: reading a FIFO would wait for a writer for ever.
      if (options.named ?? true) throw new UsageError(`${raw}: not a regular file (${fileKind(st)})`);
    } else if (!found.has(path)) found.set(path, { path, size: st.size, mtimeMs: st.mtimeMs, explicit: options.named ?? true });
  }
  return [...found.values()];
}

function walk(dir: string, found: Map<string, Candidate>, wants: (name: string) => boolean, root = false): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // unreadable or vanished while scanning: nothing to find there
  }
  // A `--to DIR` store keeps copies of sessions: they are not sessions of this machine. A folder
  // the scan was asked for is read whatever it holds (a sessions dir marked by mistake stays visible).
  if (
    !root &&
    isStoreRoot(
      dir,
      entries.map((e) => e.name),
    )
  )
    return;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(path, found, wants);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && wants(entry.name) && !found.has(path)) {
      try {
        const st = statSync(path);
        if (st.isFile()) found.set(path, { path, size: st.size, mtimeMs: st.mtimeMs, explicit: false });
      } catch {
        // vanished between readdir and stat
      }
    }
  }
}

/**
 * `discover`, after every agent store among the paths (opencode's database) was exported to
 * session files under `exportRoot`: what every command that reads sessions starts from.
 */
export async function discoverSessions(
  paths: string[],
  options: {
    required: boolean;
    named?: boolean;
    agents: readonly AgentName[];
    exportRoot: string;
    /** A store that could not be read (the run goes on without it). */
    onProblem?: (path: string, reason: string) => void;
  },
): Promise<Candidate[]> {
  return discover(await expandStores(paths, options.agents, options.exportRoot, options.onProblem), options);
}
