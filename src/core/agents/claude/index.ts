import { join } from 'node:path';
import { readJsonLines } from '../../sessions/lines.js';
import type { AgentAdapter, Entry, FirstLine } from '../types.js';
import { isObject, str } from './blocks.js';
import { describeClaude } from './describe.js';
import { ClaudeReader } from './reader.js';

export { claudeAgentSessionId } from './describe.js';

/** Record types Claude Code writes to a session file (the ones a file can start with among them). */
const RECORD_TYPES = new Set([
  'user',
  'assistant',
  'system',
  'progress',
  'attachment',
  'summary',
  'file-history-snapshot',
  'queue-operation',
  'custom-title',
  'ai-title',
  'last-prompt',
  'tag',
  'permission-mode',
  'mode',
  'agent-name',
  'agent-setting',
  'pr-link',
  'worktree-state',
  'content-replacement',
]);
/** Fields only Claude Code's records carry (a Gemini message has `type: "user"` too, but none of these). */
const CLAUDE_FIELDS = ['sessionId', 'uuid', 'leafUuid', 'messageId'];

/** Claude Code: `~/.claude/projects/<cwd, each non-alphanumeric character as ->/<sessionId>.jsonl`. */
export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  label: 'claude-code',

  homes(env, home) {
    const configDirs = (env.CLAUDE_CONFIG_DIR ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    const roots = configDirs.length ? configDirs : [join(home, '.claude'), join(env.XDG_CONFIG_HOME || join(home, '.config'), 'claude')];
    return [...new Set(roots.map((root) => join(root, 'projects')))];
  },

  // A workflow run's journal.jsonl (beside its agents' files) is the run's log, not a session.
  wants: (fileName) => fileName.endsWith('.jsonl') && fileName !== 'journal.jsonl',

  recognises(first: FirstLine) {
    const v = first.value;
    if (!isObject(v) || 'payload' in v || !RECORD_TYPES.has(str(v.type) ?? '')) return false;
    return CLAUDE_FIELDS.some((field) => typeof v[field] === 'string');
  },

  describe: (path, _first, scope) => describeClaude(path, scope),

  async *entries(path, info): AsyncGenerator<Entry> {
    const reader = new ClaudeReader(info.kind === 'fork' && info.parentPath ? await uuidsOf(info.parentPath) : undefined);
    let ordinal = 1;
    for await (const { value } of readJsonLines(path)) {
      for (const entry of reader.push(value)) yield { line: ++ordinal, value: entry };
    }
    for (const entry of reader.end()) yield { line: ++ordinal, value: entry };
  },
};

/** The record uuids of a session file (a resumed file's original, whose records it repeats). */
async function uuidsOf(path: string): Promise<Set<string>> {
  const uuids = new Set<string>();
  try {
    for await (const { value } of readJsonLines(path)) if (typeof value.uuid === 'string') uuids.add(value.uuid);
  } catch {
    // An original that cannot be read: nothing is known to be repeated.
  }
  return uuids;
}
