import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readFirstLines } from '../sessions/lines.js';
import { isDirectory } from '../../util/path-kind.js';
import { claudeAdapter } from './claude/index.js';
import { codexAdapter } from './codex/index.js';
import { geminiAdapter } from './gemini/index.js';
import { opencodeAdapter } from './opencode/index.js';
import { primeAdapter } from './prime.js';
import {
  AGENT_NAMES,
  Scope,
  type AgentAdapter,
  type AgentName,
  type DescribeResult,
  type Entry,
  type Exported,
  type FirstLine,
  type GitInfo,
  type SessionInfo,
} from './types.js';
import type { Snapshot } from '../sessions/snapshot.js';

/** Every adapter, in the order files are offered to them (the strictest first-line tests first). */
const ADAPTERS: Record<AgentName, AgentAdapter> = {
  prime: primeAdapter,
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
};

export { AGENT_NAMES, Scope };
export type { AgentName, SessionInfo };

export function adapterOf(name: AgentName): AgentAdapter {
  return ADAPTERS[name];
}

/** Where sessions exported from an agent's store (opencode's database) are kept, in the state dir. */
export function exportRootOf(stateDir: string): string {
  return join(stateDir, 'exports');
}

/** How a session's agent is named to backends (event `source`, metadata `agent`). */
export function agentLabel(name: AgentName): string {
  return adapterOf(name).label;
}

/** A line 1 longer than this is no agent's first record: it stops a binary file from being read whole. */
const FIRST_LINE_MAX = 32 * 1024 * 1024;

/** Reads line 1 once for every adapter to look at. */
export function readFirstLine(path: string): FirstLine | { error: string } {
  const lines = readFirstLines(path, 1, FIRST_LINE_MAX);
  if ('error' in lines) return lines;
  const line = lines[0];
  if (line === undefined) {
    const size = sizeOf(path);
    return { error: size ? `line 1 is longer than ${FIRST_LINE_MAX / 1024 / 1024} MiB: not a session` : 'empty file' };
  }
  let value: unknown;
  try {
    value = JSON.parse(line.text.replace(/^\uFEFF/, ''));
  } catch {
    value = undefined;
  }
  return { value, terminated: line.terminated };
}

/**
 * The session a file holds, read by the first of `agents` whose format line 1 is; a file none of
 * them recognises is not a session (with prime-agent among them, its header rules say why).
 */
export function describeSession(path: string, agents: readonly AgentName[], scope: Scope): DescribeResult {
  const first = readFirstLine(path);
  if ('error' in first) return { ok: false, reason: first.error };
  for (const name of AGENT_NAMES) {
    if (!agents.includes(name)) continue;
    const adapter = ADAPTERS[name];
    if (adapter.recognises(first, path)) return adapter.describe(path, first, scope);
  }
  // prime-agent alone keeps its own header messages; with others, say whose formats were tried.
  if (agents.length === 1 && agents[0] === 'prime') return ADAPTERS.prime.describe(path, first, scope);
  if (first.value === undefined)
    return { ok: false, reason: first.terminated ? 'line 1 is not JSON' : 'line 1 is incomplete (no newline yet)' };
  return { ok: false, reason: `line 1 is not how a session of ${agents.join(', ')} starts` };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The session's entries in the model vocabulary, read by its agent's adapter. */
export function readEntries(path: string, info: SessionInfo): AsyncGenerator<Entry> {
  return adapterOf(info.agent).entries(path, info);
}

/** The git facts to send with the bytes of `snapshot`. */
export async function sessionGit(snapshot: Snapshot, info: SessionInfo): Promise<GitInfo | undefined> {
  const adapter = adapterOf(info.agent);
  return adapter.gitOf ? adapter.gitOf(snapshot, info) : info.git;
}

/**
 * `paths` with every agent's store among them (opencode's database, a file of it, or its data
 * folder) replaced by the folder its sessions were exported to, under `exportRoot`. Any other
 * folder that holds a store is kept beside the export: its other files are sessions too. A store
 * that cannot be read is passed to `onProblem` (and left out), so the rest of the run goes on.
 */
export async function expandStores(
  paths: string[],
  agents: readonly AgentName[],
  exportRoot: string,
  onProblem: (path: string, reason: string) => void = () => {},
): Promise<string[]> {
  const exporters = agents.flatMap((name) => ADAPTERS[name].exportStore ?? []);
  if (exporters.length === 0) return paths;
  const out: string[] = [];
  for (const path of paths) {
    let exported: Exported | undefined;
    try {
      for (const exportStore of exporters) if ((exported = await exportStore(path, exportRoot)) !== undefined) break;
    } catch (error) {
      onProblem(path, error instanceof Error ? error.message : String(error));
      if (!isDirectory(path)) continue;
    }
    for (const reason of exported?.problems ?? []) onProblem(path, reason);
    if (exported === undefined || !exported.whole) out.push(path);
    if (exported !== undefined) out.push(exported.dir);
  }
  return out;
}

/** Whether a watcher should hand this file to the uploader: a session's, or one of an agent's store files. */
export function watchedBy(agents: readonly AgentName[]): (fileName: string) => boolean {
  const chosen = agents.map((name) => ADAPTERS[name]);
  return (fileName) => chosen.some((adapter) => adapter.wants(fileName) || adapter.changes?.(fileName) === true);
}

/** Whether a file met in a folder walk may be a session of one of `agents` (by its name). */
export function wantedBy(agents: readonly AgentName[]): (fileName: string) => boolean {
  const chosen = agents.map((name) => ADAPTERS[name]);
  return (fileName) => chosen.some((adapter) => adapter.wants(fileName));
}

/** The folders scanned when the user names no PATH: each chosen agent's homes (prime-agent's given). */
export function agentHomes(
  agents: readonly AgentName[],
  env: Record<string, string | undefined>,
  home: string,
  primeRoots: string[],
): string[] {
  return agents.flatMap((name) => (name === 'prime' ? primeRoots : ADAPTERS[name].homes(env, home)));
}
