import type { ViewItem, ViewToolCall } from '../../contracts/view.js';
import type { Entry } from '../agents/types.js';
import { isObject } from '../events/context.js';
import { entryKey, timeOf, type EntryTree } from '../sessions/entry-tree.js';
import { asText } from '../../util/text.js';
import { costOfUsage, isoOf, tokensOfUsage } from './figures.js';
import { contentText, cutText, jsonText } from './text.js';

/**
 * A session's conversation as view items, built entry by entry along the entry tree read
 * beforehand (its keys, parents and active path). A tool result that answers a call of an
 * assistant message is folded into that message's `tools` and is no item of its own: its key
 * stands for the call's item, so parents and branches name items that exist. A result no call
 * asked for (or a second answer to one) is a `tool` item.
 */
export class ViewItems {
  private readonly items: ViewItem[] = [];
  /** Folded tool results: entry key -> the key of the item that shows them. */
  private readonly folded = new Map<string, string>();
  /** Calls still waiting for their result, by tool call id (the latest call with an id wins). */
  private readonly waiting = new Map<string, { call: ViewToolCall; item: string }>();

  constructor(
    private readonly tree: EntryTree,
    private readonly maxText: number,
  ) {}

  push({ value, line }: Entry): void {
    const key = entryKey(value, line);
    const node = this.tree.nodes.get(key);
    // An entry the tree did not see was written after it was read: it is not part of this view.
    if (!node || node.line !== line) return;
    const message = isObject(value.message) ? value.message : {};
    if (value.type === 'message' && message.role === 'toolResult' && this.answer(key, message)) return;
    const item = this.item(key, node.parent, line, value);
    switch (value.type) {
      case 'message':
        this.message(item, message);
        break;
      case 'compaction':
      case 'branch_summary':
        item.type = value.type;
        item.text = this.cut(asText(value.summary));
        break;
      case 'model_change':
        item.type = 'model_change';
        item.model = asText(value.modelId ?? value.model) || null;
        break;
      case 'session_info':
        item.type = 'title';
        item.text = this.cut(asText(value.name ?? value.title));
        break;
      case 'custom_message':
        item.text = this.cut(contentText(value.content)) || null;
        break;
      default:
    }
    this.items.push(item);
  }

  /** The items in file order, each with the branches that leave it. */
  finish(): ViewItem[] {
    const children = new Map<string, ViewItem[]>();
    for (const item of this.items) {
      if (item.parent_id === null) continue;
      const list = children.get(item.parent_id);
      if (list) list.push(item);
      else children.set(item.parent_id, [item]);
    }
    for (const item of this.items) {
      const kids = children.get(item.id);
      if (!kids || kids.length < 2) continue;
      // The branch this item's own line goes on: the active one, else the first child in file order.
      const own = kids.find((k) => k.active) ?? kids[0]!;
      item.branches = kids.filter((k) => k !== own).map((k) => k.id);
    }
    return this.items;
  }

  private item(key: string, parent: string | undefined, line: number, value: Record<string, unknown>): ViewItem {
    return {
      id: key,
      parent_id: parent === undefined ? null : (this.folded.get(parent) ?? parent),
      line,
      timestamp: isoOf(timeOf(value)),
      type: 'other',
      text: null,
      thinking: null,
      tools: [],
      model: null,
      usage: null,
      cost: null,
      error: null,
      active: this.tree.active.has(key),
      branches: [],
    };
  }

  private message(item: ViewItem, message: Record<string, unknown>): void {
    switch (message.role) {
      case 'user':
        item.type = 'user';
        item.text = this.cut(contentText(message.content));
        break;
      case 'assistant':
        this.assistant(item, message);
        break;
      case 'toolResult': {
        item.type = 'tool';
        const isError = message.isError === true;
        const result = this.cut(contentText(message.content));
        const call = { id: asText(message.toolCallId), name: asText(message.toolName, 'tool'), arguments: '', result, is_error: isError };
        item.tools = [call];
        item.error = isError ? result || 'tool reported an error' : null;
        break;
      }
      case 'bashExecution': {
        // The command is the call, its output the text; an exit code other than 0 is the error.
        item.type = 'bash';
        item.text = this.cut(asText(message.output));
        const exit = message.exitCode;
        item.error = typeof exit === 'number' && exit !== 0 ? `exit code ${exit}` : message.cancelled === true ? 'cancelled' : null;
        const args = {
          command: message.command ?? null,
          exit_code: exit ?? null,
          cancelled: message.cancelled === true,
          truncated: message.truncated === true,
        };
        item.tools = [{ id: item.id, name: 'bash', arguments: jsonText(args, this.maxText), result: null, is_error: item.error !== null }];
        break;
      }
      default:
        item.text = this.cut(contentText(message.content)) || null;
    }
  }

  private assistant(item: ViewItem, message: Record<string, unknown>): void {
    item.type = 'assistant';
    const blocks = Array.isArray(message.content) ? message.content.filter(isObject) : [];
    const text = typeof message.content === 'string' ? [message.content] : [];
    const thinking: string[] = [];
    for (const block of blocks) {
      if (block.type === 'text') text.push(asText(block.text));
      else if (block.type === 'thinking') thinking.push(asText(block.thinking));
      else if (block.type === 'toolCall') {
        const call: ViewToolCall = {
          id: asText(block.id),
          name: asText(block.name, 'tool'),
          arguments: jsonText(block.arguments ?? {}, this.maxText),
          result: null,
          is_error: false,
        };
        item.tools.push(call);
        this.waiting.set(call.id, { call, item: item.id });
      }
    }
    item.text = text.length ? this.cut(text.join('\n\n')) : null;
    item.thinking = thinking.length ? this.cut(thinking.join('\n\n')) : null;
    item.model = typeof message.model === 'string' && message.model ? message.model : null;
    if (isObject(message.usage)) {
      item.usage = tokensOfUsage(message.usage);
      item.cost = costOfUsage(message.usage);
    }
    const stop = message.stopReason;
    const failed = stop === 'error' || stop === 'aborted';
    const said = typeof message.errorMessage === 'string' && message.errorMessage ? message.errorMessage : undefined;
    item.error = failed || said ? this.cut(said ?? asText(stop)) : null;
  }

  /** Folds a tool result into the call it answers; false when no call is waiting for it. */
  private answer(key: string, message: Record<string, unknown>): boolean {
    const id = asText(message.toolCallId);
    const waiting = this.waiting.get(id);
    if (!waiting) return false;
    this.waiting.delete(id);
    waiting.call.result = this.cut(contentText(message.content));
    waiting.call.is_error = message.isError === true;
    this.folded.set(key, waiting.item);
    return true;
  }

  private cut(text: string): string {
    return cutText(text, this.maxText);
  }
}
