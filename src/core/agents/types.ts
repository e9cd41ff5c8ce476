/**
 * The one session model every agent's files are read into. An adapter (one per agent) knows one
 * agent's files; everything else in traces (upload, tree, status, events, metadata, watch, hook)
 * sees only what is declared here, so no command knows which agent wrote a file.
 *
 * Two levels:
 * - {@link SessionInfo}: the cheap facts of a session (id, parent, cwd, start, ...), read from the
 *   first lines of a file. Discovery, the tree, upload headers and status use only these.
 * - entries: the session's content as a stream of entries in one vocabulary (see
 *   {@link ModelEntry}), read by events and metadata. The vocabulary is prime-agent's own entry
 *   format, the richest of the five: a tree of entries by `id`/`parentId`, messages with roles
 *   `user`, `assistant` (with usage), `toolResult`, `bashExecution`, plus compactions, branch
 *   summaries, titles and model changes. Adapters of other agents translate into it.
 */

import type { Snapshot } from '../sessions/snapshot.js';

export { AGENT_NAMES, type AgentName } from '../../contracts/agents.js';
import type { AgentName } from '../../contracts/agents.js';

export type SessionKind = 'root' | 'sub-agent' | 'fork';

export interface GitInfo {
  repoUrl?: string;
  commit?: string;
  branch?: string;
}

/** What a session file says about itself, without reading it whole. */
export interface SessionInfo {
  agent: AgentName;
  /**
   * Unique and stable: the same file always gives the same id, and no two sessions share one. It
   * names the upload, the metadata save and the events session. A UUID wherever the agent's own id
   * is one (a Claude Code sub-agent, which shares its parent's session id, gets a UUIDv5 of it;
   * so does a session whose agent's id is no UUID), because the metadata and events contracts take UUIDs.
   */
  id: string;
  /** The agent's own id, when `id` had to be derived from it (opencode's `ses_…` ids are not UUIDs). */
  nativeId?: string;
  /** Start of the session, ISO 8601. */
  timestamp: string;
  cwd: string;
  /** The agent's version as the file records it. */
  agentVersion?: string;
  /** A model the file names before any message (prime-agent's header modelId, Codex's first turn). */
  modelId?: string;
  git?: GitInfo;
  /** root, or how this session came from its parent. */
  kind: SessionKind;
  /** The parent's file, when the session has a parent and the adapter could locate it. */
  parentPath?: string;
  /** The parent's id as this file states it (also when the parent's file is not found). */
  parentId?: string;
  /**
   * The file is one JSON document (Gemini CLI's older chats), not NDJSON: it is sent whole, and
   * the torn-line rule (hold back an unfinished last line) does not apply to it.
   */
  document?: boolean;
}

export type DescribeResult = { ok: true; info: SessionInfo } | { ok: false; reason: string };

/** Line 1 of a file, as read once for every adapter to look at. */
export interface FirstLine {
  /** The parsed line, or undefined when it is not JSON. */
  value: unknown;
  /** Whether the line ended with a newline (false: the whole file is one unterminated line). */
  terminated: boolean;
}

/**
 * Memo for one run (one upload, one tree, one watch pass): adapters keep folder listings and
 * id→file indexes here instead of in module state, so a long-running watch never sees stale ones.
 */
export class Scope {
  private readonly memos = new Map<string, unknown>();
  memo<T>(key: string, make: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = make();
    this.memos.set(key, value);
    return value;
  }
}

/** One entry of the model, and its position in the entry stream (see {@link AgentAdapter.entries}). */
export interface Entry {
  line: number;
  value: Record<string, unknown>;
}

export interface AgentAdapter {
  readonly name: AgentName;
  /** How the agent is named to backends: event `source`, metadata `agent` (e.g. "claude-code"). */
  readonly label: string;
  /**
   * The folders holding this agent's sessions when the user names no PATH, from the environment
   * (e.g. CLAUDE_CONFIG_DIR, CODEX_HOME) and the home folder. Missing folders are fine.
   */
  homes: (env: Record<string, string | undefined>, home: string) => string[];
  /** Whether a file met in a folder walk may hold one of this agent's sessions (by name only). */
  wants: (fileName: string) => boolean;
  /** Whether line 1 is this agent's. Cheap: no more reading. */
  recognises: (first: FirstLine, path: string) => boolean;
  /**
   * The session's facts. May read a little more of the file (sync, bounded), and look around it
   * (a parent's file, a sidecar) through `scope`. A file that is this agent's but unusable gives
   * `{ok: false, reason}` naming what is wrong (the line or field).
   */
  describe: (path: string, first: FirstLine, scope: Scope) => DescribeResult;
  /**
   * The session's entries in the model vocabulary, streamed (never the whole file in memory
   * beyond what merging needs). `line` is strictly increasing: prime-agent's file line; for the
   * other agents the ordinal of the entry in this stream (counting from 2, after the session
   * itself). A torn last line is passed over; a bad line elsewhere throws SessionFileError naming
   * the file and its line; a record of a type the adapter does not know is skipped, never fatal.
   */
  entries: (path: string, info: SessionInfo) => AsyncGenerator<Entry>;
  /**
   * The git facts of the bytes about to be uploaded, when the file records git state as it goes
   * (prime-agent's `git_state` entries); without it, `info.git` is sent.
   */
  gitOf?: (snapshot: Snapshot, info: SessionInfo) => Promise<GitInfo | undefined>;
  /**
   * When two files a scan found hold the same session id, the file with the lower rank is the
   * session and the other a copy (e.g. Codex: `sessions/` before `archived_sessions/`). Default 0.
   */
  rank?: (path: string) => number;
  /**
   * For an agent that keeps its sessions in a store rather than one file each (opencode's
   * database): when `path` is such a store (or a file of one), write its sessions as files into
   * a folder under `exportRoot` and say where; else undefined. The files are rewritten
   * only when a session changed, so an unchanged session costs the uploader one stat.
   */
  exportStore?: (path: string, exportRoot: string) => Promise<Exported | undefined>;
  /**
   * Files whose change means the agent's store changed (opencode's database and its WAL): a
   * watcher hands them to the uploader, which exports the store again.
   */
  changes?: (fileName: string) => boolean;
}

/** Where a store's sessions were exported; `whole`: the path was the store itself, nothing else is in it. */
export interface Exported {
  dir: string;
  whole: boolean;
  /** Parts of the store that could not be read (a damaged file, one database of several); the rest was exported. */
  problems?: string[];
}

// ---------------------------------------------------------------------------------------------
// The entry vocabulary. Every entry has `type`, `id` (unique in the session), `parentId` (the
// entry it follows, null for a root) and `timestamp` (ISO). Types and fields consumers read:

export interface EntryBase {
  type: string;
  id: string;
  parentId: string | null;
  timestamp: string;
}

export type TextBlock = { type: 'text'; text: string };
export type ImageBlock = { type: 'image'; data: string; mimeType: string };
export type ThinkingBlock = { type: 'thinking'; thinking: string };
export type ToolCallBlock = { type: 'toolCall'; id: string; name: string; arguments: Record<string, unknown> };

/**
 * Token usage of ONE model call (one API response), never cumulative:
 * - input: input tokens not read from a cache (Gemini's and OpenAI's `input` include cached
 *   tokens: subtract them); cacheRead: input read from a cache; cacheWrite: input written to one;
 * - output: output tokens, thinking/reasoning included (billed as output);
 * - totalTokens: input + output + cacheRead + cacheWrite;
 * - cost.total: in USD when the file records it (else absent).
 */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
  cost?: { total: number };
}

export interface UserMessage {
  role: 'user';
  content: string | (TextBlock | ImageBlock)[];
  timestamp: number;
}

export interface AssistantMessage {
  role: 'assistant';
  content: (TextBlock | ThinkingBlock | ToolCallBlock)[];
  provider?: string;
  model?: string;
  usage: Usage;
  /** 'stop' | 'length' | 'toolUse' | 'error' | 'aborted' */
  stopReason?: string;
  errorMessage?: string;
  timestamp: number;
}

export interface ToolResultMessage {
  role: 'toolResult';
  toolCallId: string;
  toolName: string;
  content: (TextBlock | ImageBlock)[];
  isError: boolean;
  timestamp: number;
}

/** A shell command the user ran directly (not a tool call of the model). */
export interface BashMessage {
  role: 'bashExecution';
  command: string;
  output: string;
  exitCode?: number;
  cancelled?: boolean;
  truncated?: boolean;
  timestamp: number;
}

export interface MessageEntry extends EntryBase {
  type: 'message';
  message: UserMessage | AssistantMessage | ToolResultMessage | BashMessage;
}

/** The context was cut: `summary` stands for what came before; `firstKeptEntryId` the first entry kept. */
export interface CompactionEntry extends EntryBase {
  type: 'compaction';
  summary: string;
  firstKeptEntryId?: string;
  tokensBefore?: number;
}

/** The user went back to `fromId` and went on from there; `summary` says what the abandoned branch did. */
export interface BranchSummaryEntry extends EntryBase {
  type: 'branch_summary';
  fromId: string;
  summary: string;
}

/** The session's title from here on (the last one wins; an empty name clears it). */
export interface SessionInfoEntry extends EntryBase {
  type: 'session_info';
  name: string;
}

export interface ModelChangeEntry extends EntryBase {
  type: 'model_change';
  provider?: string;
  modelId: string;
}

export type ModelEntry = MessageEntry | CompactionEntry | BranchSummaryEntry | SessionInfoEntry | ModelChangeEntry;
