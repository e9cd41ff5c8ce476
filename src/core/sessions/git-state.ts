import type { Snapshot } from './snapshot.js';
import { headerGit, type GitInfo, type SessionHeader } from './header.js';

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
 * The git facts to send with a session (DESIGN §2.1): the last `git_state` entry on the active
 * branch, else the header's `git`. Files without any `git_state` cost one memchr-speed pass.
 */
export async function resolveGit(snapshot: Snapshot, header: SessionHeader): Promise<GitInfo | undefined> {
  const states = await findGitStates(snapshot);
  if (states.length === 0) return headerGit(header);
  const withIds = states.filter((s) => s.id !== undefined);
  if (withIds.length === 0) return states[states.length - 1]!.git;
  const branch = await activeBranch(snapshot);
  for (let i = states.length - 1; i >= 0; i--) {
    const state = states[i]!;
    if (state.id === undefined || branch.has(state.id)) return state.git;
  }
  return headerGit(header);
}

async function findGitStates(snapshot: Snapshot): Promise<GitStateEntry[]> {
  const lineStarts: number[] = [];
  const note = (start: number) => {
    if (lineStarts[lineStarts.length - 1] !== start) lineStarts.push(start);
  };
  let offset = 0;
  let lastNewline = -1;
  let carry: Buffer = Buffer.alloc(0);
  snapshot.scan((chunk) => {
    // A marker split across two chunks: search only the few bytes around the seam (no copy of the chunk).
    if (carry.length) {
      const seam = Buffer.concat([carry, chunk.subarray(0, MARKER.length - 1)]);
      const at = seam.indexOf(MARKER);
      if (at >= 0 && at < carry.length) note(lastNewline + 1);
    }
    for (let probe = chunk.indexOf(PROBE, PROBE_AT); probe >= 0; probe = chunk.indexOf(PROBE, probe + PROBE.length)) {
      const at = probe - PROBE_AT;
      if (chunk.compare(MARKER, 0, PROBE_AT, at, probe) !== 0) continue;
      const nl = chunk.lastIndexOf(NL, at);
      note(nl >= 0 ? offset + nl + 1 : lastNewline + 1);
    }
    const nl = chunk.lastIndexOf(NL);
    if (nl >= 0) lastNewline = offset + nl;
    offset += chunk.length;
    carry = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (MARKER.length - 1))));
  });
  const states: GitStateEntry[] = [];
  for (const start of lineStarts) {
    const entry = await readJsonLine(snapshot, start);
    if (entry?.type !== 'git_state') continue;
    const git = pickGit(entry);
    if (git) states.push({ id: typeof entry.id === 'string' ? entry.id : undefined, git });
  }
  return states;
}

async function readJsonLine(snapshot: Snapshot, start: number): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  for (let position = start; position < snapshot.length; ) {
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
      for (const n of names) if (typeof s[n] === 'string' && s[n] !== '') return s[n] as string;
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
 * The usual start of an entry's line: type, id and parentId come first, in that order (message,
 * git_state and most other entries). Lines that start otherwise (the agent's `custom` entries put
 * customType and data first, where a nested "id" may appear) are parsed whole instead.
 */
const FIRST_FIELDS = /^\{"type":"(?:[^"\\]|\\.)*","id":"((?:[^"\\]|\\.)*)","parentId":(?:"((?:[^"\\]|\\.)*)"|null)[,}]/;
const HEAD_BYTES = 256;

/** Ids on the path from the last entry back to the root, following `parentId`. */
async function activeBranch(snapshot: Snapshot): Promise<Set<string>> {
  // One slot per line, in file order: its id and parent, or the offset of a line to parse whole.
  const lines: ({ id: string; parent: string | undefined } | number)[] = [];
  const take = (head: Buffer, start: number) => {
    const match = FIRST_FIELDS.exec(head.toString('utf8'));
    lines.push(match ? { id: unescape(match[1]!), parent: match[2] ? unescape(match[2]) : undefined } : start);
  };
  // Only the first HEAD_BYTES of each line are looked at here; the few lines that do not start the
  // usual way are read again whole afterwards.
  let head: Buffer[] = [];
  let headLength = 0;
  let taken = false;
  let lineStart = 0;
  snapshot.scan((chunk, offset) => {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(NL, pos);
      const end = nl >= 0 ? nl : chunk.length;
      if (!taken) {
        const piece = Buffer.from(chunk.subarray(pos, Math.min(end, pos + HEAD_BYTES - headLength)));
        head.push(piece);
        headLength += piece.length;
        if (headLength >= HEAD_BYTES || nl >= 0) {
          take(Buffer.concat(head), lineStart);
          taken = true;
        }
      }
      if (nl < 0) break;
      head = [];
      headLength = 0;
      taken = false;
      pos = nl + 1;
      lineStart = offset + pos;
    }
  });
  if (!taken && headLength > 0) take(Buffer.concat(head), lineStart);
  const parents = new Map<string, string | undefined>();
  let leaf: string | undefined;
  for (const slot of lines) {
    let entry = slot;
    if (typeof entry === 'number') {
      const value = await readJsonLine(snapshot, entry);
      if (value?.type === 'session' || typeof value?.id !== 'string') continue;
      entry = { id: value.id, parent: typeof value.parentId === 'string' && value.parentId !== '' ? value.parentId : undefined };
    }
    parents.set(entry.id, entry.parent);
    leaf = entry.id;
  }
  const branch = new Set<string>();
  for (let id = leaf; id !== undefined && !branch.has(id); id = parents.get(id)) branch.add(id);
  return branch;
}

/** A JSON string's contents as matched above, unescaped (ids rarely hold escapes). */
function unescape(text: string): string {
  return text.includes('\\') ? (JSON.parse(`"${text}"`) as string) : text;
}
