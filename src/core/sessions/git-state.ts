import type { Snapshot } from './snapshot.js';
import type { GitInfo } from '../agents/types.js';

const MARKER = Buffer.from('"git_state"');
// Searched for instead of the whole marker: a pattern this short makes Buffer.indexOf use memchr on
// its first byte, and '_' is rare in JSON; a hit is then checked for the '"git' before it.
const PROBE = Buffer.from('_state"');
const PROBE_AT = MARKER.length - PROBE.length;
const NL = 10;

interface GitStateEntry {
  id?: string;
  git: GitInfo;
}

/**
 * The git facts to send with a session (X-Git-Repo, X-Git-Commit): the last `git_state` entry on the active
 * branch, else `fallback` (the header's `git`). The file is read from its end: the search for the marker stops
 * at the first `git_state` that answers, and the active branch is followed back only as far as
 * that entry. A file without any `git_state` costs one memchr-speed pass.
 */
export async function lastGitState(snapshot: Snapshot, fallback: GitInfo | undefined): Promise<GitInfo | undefined> {
  const branch = new ActiveBranch(snapshot);
  // Entries without ids (version 1 files) predate branches: the last one simply wins.
  for await (const state of gitStatesFromTheEnd(snapshot)) {
    if (state.id === undefined || (await branch.has(state.id))) return state.git;
  }
  return fallback;
}

/** The file's `git_state` entries, last first. */
async function* gitStatesFromTheEnd(snapshot: Snapshot): AsyncGenerator<GitStateEntry> {
  for (let limit = snapshot.length; ;) {
    const found = lastMarker(snapshot, limit);
    if (found === undefined) return;
    const entry = await readJsonLine(snapshot, found.lineStart);
    if (entry?.type === 'git_state') {
      const git = pickGit(entry);
      if (git) yield { id: typeof entry.id === 'string' ? entry.id : undefined, git };
    }
    // Any other marker on this line belongs to the entry just read.
    limit = found.lineStart;
  }
}

/** The last `"git_state"` that starts before `limit`, and where its line starts. */
function lastMarker(snapshot: Snapshot, limit: number): { lineStart: number } | undefined {
  let at = -1;
  let lineStart = -1;
  let searched = limit; // markers starting at or after this were looked for in a later piece
  snapshot.scanBackward(
    (chunk, offset) => {
      if (at < 0) {
        for (let probe = chunk.indexOf(PROBE, PROBE_AT); probe >= 0; probe = chunk.indexOf(PROBE, probe + PROBE.length)) {
          const start = probe - PROBE_AT;
          if (offset + start >= searched) break;
          if (chunk.compare(MARKER, 0, PROBE_AT, start, probe) === 0) at = offset + start;
        }
        searched = offset;
        if (at < 0) return false;
      }
      // The line of the marker starts after the last newline before it, in this piece or an earlier one.
      const from = Math.min(at, offset + chunk.length) - offset - 1;
      const nl = from >= 0 ? chunk.lastIndexOf(NL, from) : -1;
      if (nl >= 0 || offset === 0) {
        lineStart = nl >= 0 ? offset + nl + 1 : 0;
        return true;
      }
      return false;
    },
    { end: Math.min(snapshot.length, limit + MARKER.length - 1), overlap: MARKER.length - 1 },
  );
  return at < 0 ? undefined : { lineStart: Math.max(lineStart, 0) };
}

async function readJsonLine(snapshot: Snapshot, start: number): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  for (let position = start; position < snapshot.length;) {
    const chunk = await snapshot.read(position, Math.min(64 * 1024, snapshot.length - position));
    if (chunk.length === 0) break;
    const nl = chunk.indexOf(NL);
    if (nl >= 0) {
      parts.push(chunk.subarray(0, nl));
      break;
    }
    parts.push(chunk);
    position += chunk.length;
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function pickGit(entry: Record<string, unknown>): GitInfo | undefined {
  for (const source of [entry, entry.git, entry.state, entry.data]) {
    if (typeof source !== 'object' || source === null) continue;
    const s = source as Record<string, unknown>;
    const str = (...names: string[]) => {
      for (const n of names) if (typeof s[n] === 'string' && s[n] !== '') return s[n];
      return undefined;
    };
    const git: GitInfo = {
      repoUrl: str('repoUrl', 'repo_url', 'remoteUrl', 'remote'),
      commit: str('commit', 'sha', 'head'),
      branch: str('branch'),
    };
    if (git.repoUrl || git.commit) return git;
  }
  return undefined;
}

/**
 * The ids on the path from the last entry back to the root, following `parentId` (each id's last
 * line decides its parent), learnt lazily: lines are read from the end only until the question
 * asked is answered. An entry on the branch near the end costs a few lines; one that is not on it
 * costs the whole path, back to its root.
 */
class ActiveBranch {
  private readonly members = new Set<string>();
  private readonly parents = new Map<string, string | undefined>();
  private readonly lines: AsyncGenerator<{ id: string; parent: string | undefined }>;
  /** The next id on the path, not yet a member; undefined once the path has ended. */
  private next: string | undefined;
  private started = false;

  constructor(snapshot: Snapshot) {
    this.lines = entriesFromTheEnd(snapshot);
  }

  async has(id: string): Promise<boolean> {
    if (!this.started) {
      this.started = true;
      const leaf = await this.lines.next();
      if (!leaf.done) {
        this.parents.set(leaf.value.id, leaf.value.parent);
        this.next = leaf.value.id;
      }
    }
    while (!this.members.has(id) && this.next !== undefined && !this.members.has(this.next)) {
      const current = this.next;
      this.members.add(current);
      this.next = await this.parentOf(current);
    }
    return this.members.has(id);
  }

  /** Reads back until the last line of `id` is seen (undefined when the file has none). */
  private async parentOf(id: string): Promise<string | undefined> {
    while (!this.parents.has(id)) {
      const line = await this.lines.next();
      if (line.done) return undefined;
      // Read from the end, the first line seen for an id is its last one in the file.
      if (!this.parents.has(line.value.id)) this.parents.set(line.value.id, line.value.parent);
    }
    return this.parents.get(id);
  }
}

/**
 * The usual start of an entry's line: type, id and parentId come first, in that order (message,
 * git_state and most other entries). Lines that start otherwise (the agent's `custom` entries put
 * customType and data first, where a nested "id" may appear) are parsed whole instead.
 */
const FIRST_FIELDS = /^\{"type":"(?:[^"\\]|\\.)*","id":"((?:[^"\\]|\\.)*)","parentId":(?:"((?:[^"\\]|\\.)*)"|null)[,}]/;
const HEAD_BYTES = 256;
const BACK_CHUNK = 256 * 1024;

/** Each line's id and parent, last line first; lines that are not entries with an id are skipped. */
async function* entriesFromTheEnd(snapshot: Snapshot): AsyncGenerator<{ id: string; parent: string | undefined }> {
  // A window of the file, moved back as lines are consumed: [windowStart, windowStart + window.length).
  let window: Buffer = Buffer.alloc(0);
  let windowStart = snapshot.length;
  for (let lineEnd = snapshot.length; lineEnd >= 0;) {
    let nl = -1;
    // The newline that ends the previous line: search back from this line's end, moving the window as needed.
    for (let from = lineEnd - 1; from >= 0;) {
      if (from < windowStart) {
        const start = Math.max(0, from + 1 - BACK_CHUNK);
        window = await snapshot.read(start, from + 1 - start);
        windowStart = start;
        if (window.length === 0) break;
      }
      const at = window.lastIndexOf(NL, from - windowStart);
      if (at >= 0) {
        nl = windowStart + at;
        break;
      }
      from = windowStart - 1;
    }
    const lineStart = nl + 1;
    if (lineEnd > lineStart) {
      const headEnd = Math.min(lineEnd, lineStart + HEAD_BYTES);
      const head =
        lineStart >= windowStart && headEnd <= windowStart + window.length
          ? window.subarray(lineStart - windowStart, headEnd - windowStart)
          : await snapshot.read(lineStart, headEnd - lineStart);
      const entry = await lineEntry(snapshot, head, lineStart);
      if (entry) yield entry;
    }
    lineEnd = nl;
  }
}

/** A line's id and parent from its first bytes, or from the whole line when it starts otherwise. */
async function lineEntry(snapshot: Snapshot, head: Buffer, start: number): Promise<{ id: string; parent: string | undefined } | undefined> {
  const match = FIRST_FIELDS.exec(head.toString('utf8'));
  if (match) return { id: unescape(match[1]!), parent: match[2] ? unescape(match[2]) : undefined };
  const value = await readJsonLine(snapshot, start);
  if (value?.type === 'session' || typeof value?.id !== 'string') return undefined;
  return { id: value.id, parent: typeof value.parentId === 'string' && value.parentId !== '' ? value.parentId : undefined };
}

/** A JSON string's contents as matched above, unescaped (ids rarely hold escapes). */
function unescape(text: string): string {
  return text.includes('\\') ? (JSON.parse(`"${text}"`) as string) : text;
}
