import type { AssistantMessage, Usage } from '../types.js';
import {
  assistantBlocks,
  bashPart,
  FIRST_PROMPT_RANK,
  isObject,
  promptTitle,
  responseKey,
  sameResponse,
  stopReasonOf,
  str,
  SYNTHETIC_MODEL,
  textOf,
  TITLE_RANK,
  toolResults,
  usageBeyond,
  usageMax,
  usageOf,
  userBlocks,
  type Json,
} from './blocks.js';

/** One API response while its rows are still arriving. */
interface OpenResponse {
  key: string | undefined;
  id: string;
  parentUuid: string | null;
  timestamp: string;
  rows: string[];
  message: AssistantMessage;
  /** Tool-result records that arrived between its rows (streamed tool execution), emitted after it. */
  held: Json[];
}

const ms = (iso: string): number => Date.parse(iso) || 0;

/**
 * Turns Claude Code's records, one at a time, into model entries. A record's `uuid` is the entry's
 * id unless the record is folded into another entry (a later row of a split response, a compact
 * summary) or is not a message (meta text, progress, system notes); those names resolve to the
 * entry that stands for them, so every `parentUuid` still lands on an entry.
 */
export class ClaudeReader {
  /**
   * @param seen records already counted elsewhere: the uuids of the session a resumed file
   *   continues, which it repeats before its own messages. They are passed over, not counted again.
   */
  constructor(private readonly seen = new Set<string>()) {}

  /** uuid → the entry id standing for that record. */
  private readonly standsFor = new Map<string, string>();
  /** uuid of a record that is no entry → its parentUuid. */
  private readonly passedOver = new Map<string, string | null>();
  private readonly toolNames = new Map<string, string>();
  /** Usage already emitted per response key (message.id + requestId). */
  private readonly counted = new Map<string, Usage>();
  private open: OpenResponse | undefined;
  private compaction: { id: string; parentUuid: string | null; timestamp: string; preTokens?: number } | undefined;
  private bash: { id: string; parentUuid: string | null; timestamp: string; command: string } | undefined;
  private title = { rank: 0, name: '' };
  private lastId: string | null = null;
  private titles = 0;
  private lastTimestamp = '';

  push(rec: Json): Json[] {
    const out: Json[] = [];
    const type = str(rec.type) ?? '';
    // A record without a readable time takes the last one seen, never the epoch.
    const own = str(rec.timestamp);
    const timestamp = own !== undefined && !Number.isNaN(Date.parse(own)) ? own : this.lastTimestamp;
    this.lastTimestamp = timestamp;
    const titleSource = TITLE_RANK[type];
    if (titleSource) return this.retitle(str(rec[titleSource[0]]), titleSource[1], timestamp);
    const uuid = str(rec.uuid);
    if (uuid === undefined) return out; // bookkeeping: snapshots, queue operations, modes, tags, ...
    if (this.seen.has(uuid)) return out; // a resumed file repeating an earlier message
    this.seen.add(uuid);
    const parentUuid = str(rec.parentUuid) ?? null;
    const message = isObject(rec.message) ? rec.message : undefined;

    if (type === 'user' && message) {
      const results = toolResults(message.content);
      if (results.length && this.open) {
        this.open.held.push(rec);
        return out;
      }
      if (results.length) return this.flushPending(out, rec).concat(this.toolResultEntries(rec, results));
      if (rec.isCompactSummary === true && this.compaction) {
        const summary = textOf(userBlocks(message.content));
        out.push(...this.closeResponse(), this.compactionEntry(summary));
        this.standsFor.set(uuid, this.lastId!);
        return out;
      }
      if (rec.isMeta === true) {
        this.passedOver.set(uuid, parentUuid);
        return out;
      }
      const blocks = userBlocks(message.content);
      const bash = bashPart(textOf(blocks));
      if (bash) return this.bashRecord(out, uuid, parentUuid, timestamp, bash);
      out.push(...this.closeResponse());
      this.flushPending(out, rec);
      out.push(
        this.emit({
          type: 'message',
          id: uuid,
          parentId: this.resolve(parentUuid),
          timestamp,
          message: { role: 'user', content: typeof message.content === 'string' ? message.content : blocks, timestamp: ms(timestamp) },
        }),
      );
      if (this.title.rank < FIRST_PROMPT_RANK) out.push(...this.retitle(promptTitle(textOf(blocks)), FIRST_PROMPT_RANK, timestamp));
      return out;
    }
    if (type === 'assistant' && message) return this.assistantRow(out, rec, message, uuid, parentUuid, timestamp);
    if (type === 'system' && rec.subtype === 'compact_boundary') {
      this.flushPending(out, rec);
      out.push(...this.closeResponse());
      const meta = isObject(rec.compactMetadata) ? rec.compactMetadata : {};
      const preTokens = typeof meta.preTokens === 'number' ? meta.preTokens : undefined;
      this.compaction = { id: uuid, parentUuid: str(rec.logicalParentUuid) ?? parentUuid, timestamp, preTokens };
      return out;
    }
    // system notes, progress, attachments and record types not known here: no entry, tree kept.
    this.passedOver.set(uuid, parentUuid);
    return out;
  }

  /** What is still held when the file ends. */
  end(): Json[] {
    const out = this.flushPending([], undefined);
    return out.concat(this.closeResponse());
  }

  private assistantRow(out: Json[], rec: Json, message: Json, uuid: string, parentUuid: string | null, timestamp: string): Json[] {
    const key = responseKey(message, rec);
    const blocks = assistantBlocks(message.content);
    for (const b of blocks) if (b.type === 'toolCall') this.toolNames.set(b.id, b.name);
    const usage = usageOf(message);
    const open = this.open;
    if (open && key !== undefined && open.key !== undefined && sameResponse(open.key, key)) {
      // Each row carries the whole response's usage as of that moment (output grows): keep the largest, never add.
      open.rows.push(uuid);
      // A first row without the requestId: the response is the one the later rows name.
      if (open.key.endsWith('\n')) open.key = key;
      open.message.content.push(...blocks);
      open.message.usage = usageMax(open.message.usage, usage);
      open.message.stopReason = stopReasonOf(message.stop_reason) ?? open.message.stopReason;
      return out;
    }
    this.flushPending(out, rec);
    out.push(...this.closeResponse());
    const model = str(message.model);
    const error = rec.isApiErrorMessage === true;
    const already = key === undefined ? undefined : this.counted.get(key);
    this.open = {
      key,
      id: uuid,
      parentUuid,
      timestamp,
      rows: [uuid],
      held: [],
      message: {
        role: 'assistant',
        content: blocks,
        provider: 'anthropic',
        ...(model && model !== SYNTHETIC_MODEL ? { model } : {}),
        // A late row of a response already emitted adds only what its snapshot has beyond the counted one.
        usage: already ? usageBeyond(usage, already) : usage,
        stopReason: error ? 'error' : stopReasonOf(message.stop_reason),
        ...(error ? { errorMessage: textOf(blocks) } : {}),
        timestamp: ms(timestamp),
      },
    };
    return out;
  }

  private closeResponse(): Json[] {
    const open = this.open;
    if (!open) return [];
    this.open = undefined;
    if (open.message.stopReason === undefined) delete open.message.stopReason;
    const entry = this.emit({
      type: 'message',
      id: open.id,
      parentId: this.resolve(open.parentUuid),
      timestamp: open.timestamp,
      message: open.message,
    });
    for (const row of open.rows) this.standsFor.set(row, open.id);
    if (open.key !== undefined) {
      const before = this.counted.get(open.key);
      this.counted.set(open.key, before ? usageMax(before, open.message.usage) : open.message.usage);
    }
    const out = [entry];
    for (const rec of open.held) out.push(...this.toolResultEntries(rec, toolResults((rec.message as Json).content)));
    return out;
  }

  private toolResultEntries(rec: Json, results: Json[]): Json[] {
    const uuid = rec.uuid as string;
    // A record without a readable time takes the last one seen, never the epoch.
    const own = str(rec.timestamp);
    const timestamp = own !== undefined && !Number.isNaN(Date.parse(own)) ? own : this.lastTimestamp;
    let parentId = this.resolve(str(rec.parentUuid) ?? null);
    return results.map((block, i) => {
      const toolCallId = str(block.tool_use_id) ?? '';
      const id = i === 0 ? uuid : `${uuid}:${i}`;
      const entry = this.emit({
        type: 'message',
        id,
        parentId,
        timestamp,
        message: {
          role: 'toolResult',
          toolCallId,
          toolName: this.toolNames.get(toolCallId) ?? '',
          content: userBlocks(block.content),
          isError: block.is_error === true,
          timestamp: ms(timestamp),
        },
      });
      parentId = id;
      this.standsFor.set(uuid, id);
      return entry;
    });
  }

  private bashRecord(
    out: Json[],
    uuid: string,
    parentUuid: string | null,
    timestamp: string,
    part: { command?: string; output?: string },
  ): Json[] {
    out.push(...this.closeResponse());
    if (part.command === undefined) {
      // The output record of the command held just before.
      if (!this.bash) {
        this.passedOver.set(uuid, parentUuid);
        return out;
      }
      out.push(this.bashEntry(part.output ?? ''));
      this.standsFor.set(uuid, this.lastId!);
      return out;
    }
    this.flushPending(out, undefined);
    this.bash = { id: uuid, parentUuid, timestamp, command: part.command };
    if (part.output !== undefined) out.push(this.bashEntry(part.output));
    return out;
  }

  private bashEntry(output: string): Json {
    const bash = this.bash!;
    this.bash = undefined;
    const entry = this.emit({
      type: 'message',
      id: bash.id,
      parentId: this.resolve(bash.parentUuid),
      timestamp: bash.timestamp,
      message: { role: 'bashExecution', command: bash.command, output, timestamp: ms(bash.timestamp) },
    });
    this.standsFor.set(bash.id, bash.id);
    return entry;
  }

  private compactionEntry(summary: string): Json {
    const c = this.compaction!;
    this.compaction = undefined;
    const entry = this.emit({
      type: 'compaction',
      id: c.id,
      parentId: this.resolve(c.parentUuid),
      timestamp: c.timestamp,
      summary,
      ...(c.preTokens === undefined ? {} : { tokensBefore: c.preTokens }),
    });
    this.standsFor.set(c.id, c.id);
    return entry;
  }

  /** A held bash command or compaction whose follow-up record did not come: emitted as it is. */
  private flushPending(out: Json[], next: Json | undefined): Json[] {
    if (this.bash) out.push(this.bashEntry(''));
    if (this.compaction && !(next?.type === 'user' && next.isCompactSummary === true)) out.push(this.compactionEntry(''));
    return out;
  }

  private retitle(name: string | undefined, rank: number, timestamp: string): Json[] {
    const trimmed = name?.trim();
    if (!trimmed || rank < this.title.rank) return [];
    const changed = trimmed !== this.title.name;
    this.title = { rank, name: trimmed };
    if (!changed) return [];
    return [this.emit({ type: 'session_info', id: `title-${++this.titles}`, parentId: this.lastId, timestamp, name: trimmed })];
  }

  private emit(entry: Json): Json {
    this.lastId = entry.id as string;
    return entry;
  }

  /** The entry a record's parentUuid lands on: itself, or the nearest ancestor that is an entry (null when none is in this file). */
  private resolve(uuid: string | null): string | null {
    for (let hops = 0; uuid !== null && hops < 10_000; hops++) {
      const id = this.standsFor.get(uuid);
      if (id !== undefined) return id;
      if (!this.passedOver.has(uuid)) return null;
      uuid = this.passedOver.get(uuid)!;
    }
    return null;
  }
}
