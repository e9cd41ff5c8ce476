import type { ViewItem, ViewSummary, ViewTokens } from '../../contracts/view.js';
import { SessionFileError, TracesError, describeError } from '../../errors.js';
import { AGENT_NAMES, agentLabel, describeSession, readEntries, Scope } from '../agents/registry.js';
import type { SessionInfo } from '../agents/types.js';
import { isObject } from '../events/context.js';
import { MetadataTally } from '../metadata.js';
import { scanEntryTree, timeOf } from '../sessions/entry-tree.js';
import { InfoCache, resolveLineage } from '../sessions/tree.js';
import { addCost, addTokens, costOfUsage, isoOf, noTokens, tokensOfUsage } from './figures.js';
import { ViewItems } from './items.js';

/** What a session file says of the figures the list shows (the rest of a summary comes from the store). */
export type ViewFacts = Pick<
  ViewSummary,
  | 'session_id'
  | 'parent_session'
  | 'kind'
  | 'agent'
  | 'agent_version'
  | 'title'
  | 'cwd'
  | 'model'
  | 'started_at'
  | 'ended_at'
  | 'duration_ms'
  | 'messages'
  | 'tokens'
  | 'cost'
>;

export interface SessionView {
  facts: ViewFacts;
  /** The conversation, in file order (empty unless asked for). */
  items: ViewItem[];
}

export interface SessionViewOptions {
  /** Texts longer than this many characters are cut (the cut says so). */
  maxText: number;
  /** Build the conversation too (a second read of the file), not only the facts. */
  items: boolean;
}

/**
 * A session file as the view shows it, read through its agent's adapter. Tokens are summed over
 * the model calls (one assistant message's usage each, every branch included: each was billed);
 * cost only over the calls that record one. A file that cannot be read as a session throws
 * SessionFileError naming the file (and the line, where one is at fault).
 */
export async function readSessionView(path: string, info: SessionInfo, options: SessionViewOptions): Promise<SessionView> {
  try {
    const tree = options.items ? await scanEntryTree(path, info) : undefined;
    const items = tree ? new ViewItems(tree, options.maxText) : undefined;
    const tally = new MetadataTally();
    const tokens = noTokens();
    let cost: number | null = null;
    let conversation = 0;
    // The session's own start, as its file states it; else its first entry's time.
    const start = Date.parse(info.timestamp);
    let first = Number.isNaN(start) ? undefined : start;
    let last = first;
    for await (const entry of readEntries(path, info)) {
      // What was appended after the tree was read waits for the next read, so facts and items agree.
      if (tree && entry.line > tree.lastLine) break;
      const { value } = entry;
      tally.add(value);
      items?.push(entry);
      const at = timeOf(value);
      if (at !== undefined) {
        first ??= at;
        last = last === undefined ? at : Math.max(last, at);
      }
      const message = isObject(value.message) ? value.message : undefined;
      if (value.type !== 'message' || !message) continue;
      if (message.role === 'user' || message.role === 'assistant') conversation++;
      if (message.role === 'assistant' && isObject(message.usage)) {
        addTokens(tokens, tokensOfUsage(message.usage));
        cost = addCost(cost, costOfUsage(message.usage));
      }
    }
    const facts: ViewFacts = {
      session_id: info.id,
      parent_session: parentOf(path, info),
      kind: info.kind,
      agent: agentLabel(info.agent),
      agent_version: info.agentVersion ?? null,
      title: tally.title ?? null,
      cwd: info.cwd || null,
      model: tally.model(info) ?? null,
      started_at: isoOf(first),
      ended_at: isoOf(last),
      duration_ms: first !== undefined && last !== undefined ? last - first : null,
      messages: conversation,
      tokens: tokens satisfies ViewTokens,
      cost,
    };
    return { facts, items: items?.finish() ?? [] };
  } catch (error) {
    if (error instanceof TracesError) throw error;
    throw new SessionFileError(`${path}: ${describeError(error)}`, error);
  }
}

/** The parent's id: as the file states it, else from the parent's file where the adapter located one (prime-agent). */
function parentOf(path: string, info: SessionInfo): string | null {
  if (info.parentId !== undefined || info.parentPath === undefined) return info.parentId ?? null;
  return resolveLineage(path, info, new InfoCache([info.agent], new Scope())).parentId ?? null;
}

/** Reads a file as a session of any agent, then as {@link readSessionView} does. */
export async function readSessionFileView(path: string, options: SessionViewOptions): Promise<SessionView & { info: SessionInfo }> {
  const described = describeSession(path, AGENT_NAMES, new Scope());
  if (!described.ok) throw new SessionFileError(`${path}: ${described.reason}`);
  return { info: described.info, ...(await readSessionView(path, described.info, options)) };
}
