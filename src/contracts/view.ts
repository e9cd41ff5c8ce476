/**
 * What the read API of `traces serve` answers and the web view shows: one shape for the server,
 * for `traces view` (which embeds the same data in one page) and for the browser client. JSON
 * only: no functions, no Dates (ISO 8601 strings), no undefined (null instead), so a value
 * round-trips through JSON.stringify unchanged.
 */

/** Tokens as billed, summed over a session's model calls (each call counted once, never cumulative). */
export interface ViewTokens {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  total: number;
}

/** One stored session, as the list shows it. */
export interface ViewSummary {
  session_id: string;
  trace_id: string;
  /** The parent's session id, or null for a root. */
  parent_session: string | null;
  kind: 'root' | 'sub-agent' | 'fork';
  /** The agent's label: prime-agent, claude-code, codex, gemini-cli, opencode. */
  agent: string;
  agent_version: string | null;
  title: string | null;
  cwd: string | null;
  /** The model of the last assistant message (else the last model change, else the one the file names up front). */
  model: string | null;
  /** First and last entry times, ISO 8601; duration_ms is their difference (null when unknown). */
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  /** User and assistant messages. */
  messages: number;
  tokens: ViewTokens;
  /** In USD, where the agent records a cost; null when none of its calls did. */
  cost: number | null;
  /** Direct children (sub-agents and forks) stored. */
  sub_agents: number;
  /** From the patch contract (title there wins over the file's). */
  tags: string[];
  bytes: number;
  /** When the stored file was last replaced. */
  updated: string;
  /** The file could not be read as a session (its error); the other fields are what the upload said. */
  problem: string | null;
}

/** `GET /api/v1/view/sessions`: one page of the list, newest first unless `sort` says otherwise. */
export interface ViewList {
  sessions: ViewSummary[];
  /** Sessions matching the filters, all pages. */
  total: number;
  /** Pass as `cursor` for the next page; null on the last. */
  next_cursor: string | null;
}

/** The list's filters, as query parameters (every one optional; repeated `tag` = all of them). */
export interface ViewQuery {
  q?: string;
  agent?: string;
  cwd?: string;
  model?: string;
  /** ISO 8601 date or time: sessions started at or after / before. */
  from?: string;
  to?: string;
  tag?: string[];
  /** Roots only (the default) or every session. */
  all?: boolean;
  sort?: 'started' | 'tokens' | 'cost' | 'duration';
  limit?: number;
  cursor?: string;
}

/** A node of the recursion tree: a session, its own figures, and the figures of its whole subtree. */
export interface ViewTreeNode {
  session_id: string;
  kind: ViewSummary['kind'];
  agent: string;
  title: string | null;
  tokens: ViewTokens;
  cost: number | null;
  duration_ms: number | null;
  /** This session and every session below it. */
  subtree: { tokens: ViewTokens; cost: number | null; duration_ms: number | null; sessions: number };
  children: ViewTreeNode[];
}

export interface ViewToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text (pretty-printed). */
  arguments: string;
  /** The result's text, when a result came back. */
  result: string | null;
  is_error: boolean;
}

/**
 * One item of the conversation, in file order. Text is the author's own (Markdown for user and
 * assistant messages), never HTML: the client renders it safely.
 */
export interface ViewItem {
  /** The entry's id: the anchor of a deep link (`#entry-<id>`). */
  id: string;
  parent_id: string | null;
  line: number;
  timestamp: string | null;
  type: 'user' | 'assistant' | 'tool' | 'bash' | 'compaction' | 'branch_summary' | 'model_change' | 'title' | 'other';
  /** Message text (Markdown), a compaction's or branch's summary, a bash command's output. */
  text: string | null;
  /** An assistant message's thinking, collapsed by default. */
  thinking: string | null;
  /** An assistant message's tool calls, each with its result when one came back. */
  tools: ViewToolCall[];
  model: string | null;
  usage: ViewTokens | null;
  cost: number | null;
  /** The message ended in an error (stopReason error), or the tool result is one. */
  error: string | null;
  /** On the branch the session ended on; other branches are shown on request. */
  active: boolean;
  /** Where another branch leaves this entry: the ids of the first entries of the other branches. */
  branches: string[];
}

/** `GET /api/v1/view/sessions/{id}`: the session, its place in the tree, its conversation. */
export interface ViewSession {
  summary: ViewSummary;
  /** The tree of the session's root, with this session somewhere in it. */
  tree: ViewTreeNode;
  items: ViewItem[];
  /** Items cut for size: a very long text is cut at `max_text` characters (the raw file has it whole). */
  max_text: number;
}

/** What `traces view` embeds in its page: the sessions it shows, the first one open. */
export interface ViewPage {
  generated_at: string;
  sessions: ViewSession[];
}
