import { readLines } from '../../sessions/lines.js';

type Json = Record<string, unknown>;

/**
 * Where a child's copy of its parent's history ends. Codex writes no marker, so the rule comes
 * from how the copy is made:
 * - A fork (`/fork`, a rollback fork) writes its own session_meta, then, in the same write, every
 *   item of the parent's rollout up to the fork point as it is (the parent's session_meta first,
 *   its token_counts too), each line stamped with the time of that write, and seeds its running
 *   totals from the last copied token_count. So line 2 is a session_meta of another thread, and
 *   the copy is the parent's own lines in order: it ends at the first line that differs from the
 *   parent's next line (compared by what identifies a line: types, role, call and turn ids,
 *   totals, text), or where the parent's lines run out. A mid-turn fork adds an interruption
 *   marker and a turn_aborted: they differ from the parent and so count as the fork's own (they
 *   hold no usage).
 * - When the parent's file cannot be found, the fork's copy is told by its write time: the lines
 *   stamped within {@link BURST_MS} of line 1, which was written in the same flush.
 * - A spawned sub-agent with a copy of the parent's history keeps no turn_context of it (Codex
 *   filters them out so the child sets up its own context): its copy ends at its first
 *   turn_context, which its first own turn writes.
 */
export const BURST_MS = 2000;

export interface ReplayJudge {
  /** Whether this line (from line 2 on, in order) is still part of the copied history. */
  replayed(value: Json, line: number): Promise<boolean>;
  close(): Promise<void>;
}

export function replayJudge(
  kind: 'root' | 'sub-agent' | 'fork',
  parentPath: string | undefined,
  ownId: string,
  line1Ms: number,
): ReplayJudge {
  let inReplay = kind !== 'root';
  let parent: AsyncGenerator<{ text: string; terminated: boolean }> | undefined;
  const end = (): false => {
    inReplay = false;
    return false;
  };
  return {
    async replayed(value, line) {
      if (!inReplay) return false;
      // No copy at all: line 2 is not the session_meta of another thread.
      if (line === 2 && !(value.type === 'session_meta' && idOf(value) !== ownId)) return end();
      if (kind === 'sub-agent') return value.type === 'turn_context' ? end() : true;
      if (!parentPath) return Date.parse(String(value.timestamp)) - line1Ms <= BURST_MS || end();
      parent ??= readLines(parentPath);
      const next = await nextParsed(parent);
      return (next !== undefined && signature(next) === signature(value)) || end();
    },
    async close() {
      await parent?.return(undefined);
    },
  };
}

const idOf = (value: Json): unknown => (value.payload as Json | undefined)?.id;

/** The record types Codex reads back; a line of any other type is not copied. */
const ROLLOUT_TYPES = new Set<unknown>(['session_meta', 'response_item', 'compacted', 'turn_context', 'event_msg']);

/** The parent's next line as Codex reads it when it copies (blank and unparsable lines are skipped). */
async function nextParsed(lines: AsyncGenerator<{ text: string; terminated: boolean }>): Promise<Json | undefined> {
  for (;;) {
    let next;
    try {
      next = await lines.next();
    } catch {
      return undefined;
    }
    if (next.done) return undefined;
    if (!next.value.terminated || !next.value.text.trim()) continue;
    try {
      const value = JSON.parse(next.value.text) as unknown;
      if (typeof value === 'object' && value !== null && ROLLOUT_TYPES.has((value as Json).type)) return value as Json;
    } catch {
      continue;
    }
  }
}

/** What identifies a rollout line apart from its write time. */
function signature(value: Json): string {
  const p = (value.payload ?? {}) as Json;
  const info = p.info as Json | null | undefined;
  const content = Array.isArray(p.content) ? (p.content[0] as Json | undefined)?.text : undefined;
  return JSON.stringify([value.type, p.type, p.role, p.id, p.call_id, p.turn_id, info?.total_token_usage, p.message, content, p.arguments]);
}
