import type { TraceEvent } from '../../contracts/wire.js';
import { uuidV5 } from '../../util/uuid-v5.js';
import { agentLabel, readEntries } from '../agents/registry.js';
import type { Entry } from '../agents/types.js';
import { entryKey, historyKeys, timeOf, type EntryTree, type TreeNode } from '../sessions/entry-tree.js';
import { contextMessage, isObject, num, span, textOf, type Message } from './context.js';
import { cutStrings } from './truncate.js';
import type { Redactor } from '../redact/redactor.js';
import { redactValue } from '../redact/value.js';
import { asText } from '../../util/text.js';

/** An event and the file line it came from (a chain event: its user message's line). */
export interface MappedEvent {
  line: number;
  event: TraceEvent & { event_id: string };
}

interface Turn {
  content: unknown;
  line: number;
  start?: number;
  end?: number;
  lastText?: string;
}

interface Calls {
  eventId: string;
  at?: number;
  byId: Map<string, { name: string; arguments: unknown }>;
}

/**
 * Turns a session's entries into events (the mapping is in the README), following the entry tree
 * read beforehand: a user message opens a `chain` turn, each assistant message is a `model` event
 * under the turn on its own path, each tool result or bash execution a `tool` event, each
 * compaction and branch summary a `chain` event. Every event's metadata says where its entry sits
 * in the tree (entry, parent_entry, branch, depth) and whether it is on the active path as of this
 * read. Ids are UUIDv5 of (session id, entry id or line, role), so every run produces the same ids.
 *
 * Only what a later event still needs is held: the context messages until the last model call
 * that sees them, a model call's tool calls until its last result, a turn until its last entry.
 */
export class EventMapper {
  private readonly held = new Map<string, Message>();
  private readonly calls = new Map<string, Calls>();
  private readonly turns = new Map<string, Turn>();
  private lastTime: number | undefined;
  /** The agent that wrote the session, as backends know it. */
  private readonly source: string;

  constructor(
    private readonly sessionId: string,
    private readonly maxStringBytes: number,
    private readonly tree: EntryTree,
    /** Secrets are redacted before long strings are cut, so that a cut never leaves half a secret. */
    private readonly redactor?: Redactor,
  ) {
    this.source = agentLabel(tree.info.agent);
  }

  /** The events that `entry` completes (a turn's chain event comes with the turn's last entry). */
  push(entry: Entry): MappedEvent[] {
    const { value, line } = entry;
    const key = entryKey(value, line);
    const node = this.tree.nodes.get(key);
    // An entry the tree did not see was written after it was read: the next push takes it.
    if (!node || node.line !== line) return [];
    const at = timeOf(value);
    const message = (isObject(value.message) ? value.message : {}) as Message;
    const out: MappedEvent[] = [];
    if (node.neededUntil !== undefined) this.held.set(key, contextMessage(value));
    switch (node.kind) {
      case 'user':
        this.turns.set(key, { content: message.content, line, start: at, end: at });
        break;
      case 'assistant':
        out.push(this.model(message, key, node, at));
        break;
      case 'toolResult':
        out.push(this.tool(message, key, node, at));
        break;
      case 'bashExecution':
        out.push(this.bash(message, key, node, at));
        break;
      case 'compaction':
      case 'branch_summary':
        out.push(this.summary(value, key, node, at));
        break;
      default:
    }
    if (at !== undefined) this.lastTime = at;
    const turn = node.turn === undefined ? undefined : this.turns.get(node.turn);
    if (turn && at !== undefined) turn.end = at;
    if (turn && this.tree.nodes.get(node.turn!)!.turnEnd === line) out.push(this.closeTurn(node.turn!));
    return out;
  }

  /** Turns still open (their last entries were not read). */
  finish(): MappedEvent[] {
    return [...this.turns.keys()].map((key) => this.closeTurn(key));
  }

  private id(key: string, role: string): string {
    return uuidV5(`${this.sessionId}\u0000${key}\u0000${role}`);
  }

  private emit(line: number, event: TraceEvent & { event_id: string }): MappedEvent {
    try {
      return { line, event: cutStrings(redactValue(event, this.redactor), this.maxStringBytes) };
    } catch (error) {
      // Nested too deep to serialize whole: cut first (that bounds the depth too), then redact.
      if (!(error instanceof RangeError)) throw error;
      return { line, event: redactValue(cutStrings(event, this.maxStringBytes), this.redactor) };
    }
  }

  /** Where the entry sits in the tree, and whether it is on the active path as of this read. */
  private place(key: string, node: TreeNode): Record<string, unknown> {
    return { entry: key, parent_entry: node.parent ?? null, branch: node.branch, depth: node.depth, active: this.tree.active.has(key) };
  }

  private turnId(node: TreeNode): string | null {
    return node.turn === undefined ? null : this.id(node.turn, 'chain');
  }

  private closeTurn(key: string): MappedEvent {
    const turn = this.turns.get(key)!;
    this.turns.delete(key);
    return this.emit(turn.line, {
      event_id: this.id(key, 'chain'),
      event_type: 'chain',
      event_name: 'turn',
      source: this.source,
      parent_id: null,
      inputs: { content: turn.content },
      outputs: { content: turn.lastText ?? null },
      metadata: this.place(key, this.tree.nodes.get(key)!),
      ...span(turn.start, turn.end),
    });
  }

  private model(message: Message, key: string, node: TreeNode, at: number | undefined): MappedEvent {
    const eventId = this.id(key, 'assistant');
    const blocks = Array.isArray(message.content) ? (message.content as Record<string, unknown>[]) : [];
    const text = blocks
      .filter((b) => b?.type === 'text')
      .map((b) => asText(b.text))
      .join('');
    const thinking = blocks
      .filter((b) => b?.type === 'thinking')
      .map((b) => asText(b.thinking))
      .join('');
    const toolCalls = blocks
      .filter((b) => b?.type === 'toolCall')
      .map((b) => ({ id: asText(b.id), name: asText(b.name), arguments: b.arguments ?? {} }));
    if (node.callsUntil !== undefined) this.calls.set(key, { eventId, at, byId: new Map(toolCalls.map((c) => [c.id, c])) });
    const turn = node.turn === undefined ? undefined : this.turns.get(node.turn);
    if (turn && text) turn.lastText = text;
    const keys = historyKeys(this.tree.nodes, node.parent);
    const history = keys.flatMap((k) => this.held.get(k) ?? []);
    for (const k of keys) if ((this.tree.nodes.get(k)!.neededUntil ?? 0) <= node.line) this.held.delete(k);
    const usage = isObject(message.usage) ? message.usage : {};
    const cost = isObject(usage.cost) ? usage.cost.total : usage.cost;
    const stop = message.stopReason;
    const failed = stop === 'error' || stop === 'aborted';
    const outputs: Record<string, unknown> = { text, tool_calls: toolCalls };
    if (thinking) outputs.thinking = thinking;
    return this.emit(node.line, {
      event_id: eventId,
      event_type: 'model',
      event_name: typeof message.model === 'string' ? message.model : 'model',
      source: this.source,
      parent_id: this.turnId(node),
      config: {
        model: message.model ?? null,
        provider: message.provider ?? null,
        api: message.api ?? null,
        thinking_level: node.thinking ?? null,
      },
      inputs: { chat_history: history },
      outputs,
      metrics: {
        input_tokens: num(usage.input),
        output_tokens: num(usage.output),
        cache_read_tokens: num(usage.cacheRead),
        cache_write_tokens: num(usage.cacheWrite),
        total_tokens: num(usage.totalTokens),
        // Only where the file records it (prime-agent, opencode): an unknown cost is not zero.
        ...(cost === undefined ? {} : { cost: num(cost) }),
      },
      error: failed ? asText(message.errorMessage ?? stop) : null,
      metadata: { ...this.place(key, node), stop_reason: stop ?? null },
      ...span(this.lastTime, at),
    });
  }

  private tool(message: Message, key: string, node: TreeNode, at: number | undefined): MappedEvent {
    const callId = asText(message.toolCallId);
    const calls = node.caller === undefined ? undefined : this.calls.get(node.caller);
    const call = calls?.byId.get(callId);
    if (calls && this.tree.nodes.get(node.caller!)!.callsUntil === node.line) this.calls.delete(node.caller!);
    const isError = message.isError === true;
    return this.emit(node.line, {
      event_id: this.id(key, 'toolResult'),
      event_type: 'tool',
      event_name: asText(message.toolName ?? call?.name, 'tool'),
      source: this.source,
      parent_id: call ? calls!.eventId : this.turnId(node),
      inputs: isObject(call?.arguments) ? call.arguments : { arguments: call?.arguments ?? null },
      outputs: { content: message.content ?? null },
      error: isError ? textOf(message.content) || 'tool reported an error' : null,
      metadata: { ...this.place(key, node), tool_call_id: callId },
      ...span(call ? calls!.at : this.lastTime, at),
    });
  }

  private bash(message: Message, key: string, node: TreeNode, at: number | undefined): MappedEvent {
    const exitCode = message.exitCode;
    return this.emit(node.line, {
      event_id: this.id(key, 'bashExecution'),
      event_type: 'tool',
      event_name: 'bash',
      source: this.source,
      parent_id: this.turnId(node),
      inputs: { command: message.command ?? null },
      outputs: {
        output: message.output ?? null,
        exit_code: exitCode ?? null,
        cancelled: message.cancelled ?? false,
        truncated: message.truncated ?? false,
      },
      error: typeof exitCode === 'number' && exitCode !== 0 ? `exit code ${exitCode}` : message.cancelled === true ? 'cancelled' : null,
      metadata: { ...this.place(key, node), exclude_from_context: message.excludeFromContext === true },
      ...span(at, at),
    });
  }

  /** A compaction (where and why the context was cut) or a branch summary (what an abandoned branch did). */
  private summary(value: Record<string, unknown>, key: string, node: TreeNode, at: number | undefined): MappedEvent {
    const compaction = node.kind === 'compaction';
    const outputs: Record<string, unknown> = { summary: value.summary ?? null };
    if (value.details !== undefined) outputs.details = value.details;
    return this.emit(node.line, {
      event_id: this.id(key, node.kind),
      event_type: 'chain',
      event_name: node.kind,
      source: this.source,
      parent_id: this.turnId(node),
      inputs: compaction
        ? { first_kept_entry: value.firstKeptEntryId ?? node.firstKept ?? null, tokens_before: value.tokensBefore ?? null }
        : { from_entry: value.fromId ?? null },
      outputs,
      ...(compaction ? { metrics: { tokens_before: num(value.tokensBefore) } } : {}),
      metadata: { ...this.place(key, node), from_hook: value.fromHook === true },
      ...span(at, at),
    });
  }
}

/** The events of the lines after `afterLine`, mapped along `tree` (read from the same file just before). */
export async function mapSessionEvents(
  path: string,
  tree: EntryTree,
  afterLine: number,
  maxStringBytes: number,
  redactor?: Redactor,
): Promise<MappedEvent[]> {
  const entries = readEntries(path, tree.info);
  const mapper = new EventMapper(tree.info.id, maxStringBytes, tree, redactor);
  const events: MappedEvent[] = [];
  for await (const entry of entries) {
    if (entry.line > tree.lastLine) break;
    for (const mapped of mapper.push(entry)) if (mapped.line > afterLine) events.push(mapped);
  }
  for (const mapped of mapper.finish()) if (mapped.line > afterLine) events.push(mapped);
  return events;
}
