import type { TraceEvent } from '../../backend/schemas.js';
import { uuidV5 } from '../../util/uuid-v5.js';
import type { Entry } from '../sessions/entries.js';
import { cutStrings } from './truncate.js';

/** An event and the file line it came from (a chain event: its user message's line). */
export interface MappedEvent {
  line: number;
  event: TraceEvent & { event_id: string };
}

type Message = Record<string, unknown> & { role?: string; content?: unknown };

interface Turn {
  id: string;
  line: number;
  content: unknown;
  start?: number;
  end?: number;
  lastText?: string;
}

/**
 * Turns a session's entries into the events of DESIGN §2.4 (the mapping is in the README):
 * a user message opens a `chain` turn, each assistant message is a `model` event, each tool
 * result or bash execution a `tool` event. Ids are UUIDv5 of (session id, entry id or line, role),
 * so every run, anywhere, produces the same ids.
 */
export class EventMapper {
  private turn: Turn | undefined;
  private history: Message[] = [];
  private lastTime: number | undefined;
  /** toolCallId → what the model asked for, and which model event asked. */
  private readonly calls = new Map<string, { name: string; arguments: unknown; modelEventId: string; at?: number }>();

  constructor(
    private readonly sessionId: string,
    private readonly maxStringBytes: number,
  ) {}

  /** The events that `entry` completes (usually one; a user message also closes the previous turn). */
  push(entry: Entry): MappedEvent[] {
    const { value, line } = entry;
    const at = timeOf(value);
    const out: MappedEvent[] = [];
    if (value.type === 'message' && isObject(value.message)) {
      const message = value.message as Message;
      const key = typeof value.id === 'string' ? value.id : `L${line}`;
      switch (message.role) {
        case 'user':
          out.push(...this.closeTurn());
          this.turn = { id: this.id(key, 'chain'), line, content: message.content, start: at, end: at };
          this.history = [simplify(message)];
          break;
        case 'assistant':
          out.push(this.model(message, key, line, at));
          this.history = [];
          break;
        case 'toolResult':
          out.push(this.tool(message, key, line, at));
          this.history.push(simplify(message));
          break;
        case 'bashExecution':
          out.push(this.bash(message, key, line, at));
          this.history.push(simplify(message));
          break;
        default:
          this.history.push(simplify(message));
      }
    }
    if (at !== undefined) {
      this.lastTime = at;
      if (this.turn) this.turn.end = at;
    }
    return out;
  }

  /** The last turn, closed as of now. */
  finish(): MappedEvent[] {
    return this.closeTurn();
  }

  private id(key: string, role: string): string {
    return uuidV5(`${this.sessionId}\u0000${key}\u0000${role}`);
  }

  private emit(line: number, event: TraceEvent & { event_id: string }): MappedEvent {
    return { line, event: cutStrings(event, this.maxStringBytes) };
  }

  private closeTurn(): MappedEvent[] {
    const turn = this.turn;
    if (!turn) return [];
    this.turn = undefined;
    return [
      this.emit(turn.line, {
        event_id: turn.id,
        event_type: 'chain',
        event_name: 'turn',
        source: 'prime-agent',
        inputs: { content: turn.content },
        outputs: { content: turn.lastText ?? null },
        ...span(turn.start, turn.end),
      }),
    ];
  }

  private model(message: Message, key: string, line: number, at: number | undefined): MappedEvent {
    const eventId = this.id(key, 'assistant');
    const blocks = Array.isArray(message.content) ? (message.content as Record<string, unknown>[]) : [];
    const text = blocks.filter((b) => b?.type === 'text').map((b) => String(b.text ?? '')).join('');
    const thinking = blocks.filter((b) => b?.type === 'thinking').map((b) => String(b.thinking ?? '')).join('');
    const toolCalls = blocks
      .filter((b) => b?.type === 'toolCall')
      .map((b) => ({ id: String(b.id ?? ''), name: String(b.name ?? ''), arguments: b.arguments ?? {} }));
    for (const call of toolCalls) this.calls.set(call.id, { name: call.name, arguments: call.arguments, modelEventId: eventId, at });
    if (this.turn && text) this.turn.lastText = text;
    const usage = isObject(message.usage) ? (message.usage as Record<string, unknown>) : {};
    const cost = isObject(usage.cost) ? (usage.cost as Record<string, unknown>).total : usage.cost;
    const stop = message.stopReason;
    const failed = stop === 'error' || stop === 'aborted';
    const outputs: Record<string, unknown> = { text, tool_calls: toolCalls };
    if (thinking) outputs.thinking = thinking;
    return this.emit(line, {
      event_id: eventId,
      event_type: 'model',
      event_name: typeof message.model === 'string' ? message.model : 'model',
      source: 'prime-agent',
      parent_id: this.turn?.id ?? null,
      config: { model: message.model ?? null, provider: message.provider ?? null, api: message.api ?? null },
      inputs: { chat_history: this.history },
      outputs,
      metrics: {
        input_tokens: num(usage.input),
        output_tokens: num(usage.output),
        cache_read_tokens: num(usage.cacheRead),
        cache_write_tokens: num(usage.cacheWrite),
        total_tokens: num(usage.totalTokens),
        cost: num(cost),
      },
      error: failed ? String(message.errorMessage ?? stop) : null,
      metadata: { stop_reason: stop ?? null, entry: key },
      ...span(this.lastTime, at),
    });
  }

  private tool(message: Message, key: string, line: number, at: number | undefined): MappedEvent {
    const callId = String(message.toolCallId ?? '');
    const call = this.calls.get(callId);
    const isError = message.isError === true;
    return this.emit(line, {
      event_id: this.id(key, 'toolResult'),
      event_type: 'tool',
      event_name: String(message.toolName ?? call?.name ?? 'tool'),
      source: 'prime-agent',
      parent_id: call?.modelEventId ?? this.turn?.id ?? null,
      inputs: isObject(call?.arguments) ? (call!.arguments as Record<string, unknown>) : { arguments: call?.arguments ?? null },
      outputs: { content: message.content ?? null },
      error: isError ? textOf(message.content) || 'tool reported an error' : null,
      metadata: { tool_call_id: callId, entry: key },
      ...span(call?.at ?? this.lastTime, at),
    });
  }

  private bash(message: Message, key: string, line: number, at: number | undefined): MappedEvent {
    const exitCode = message.exitCode;
    return this.emit(line, {
      event_id: this.id(key, 'bashExecution'),
      event_type: 'tool',
      event_name: 'bash',
      source: 'prime-agent',
      parent_id: this.turn?.id ?? null,
      inputs: { command: message.command ?? null },
      outputs: { output: message.output ?? null, exit_code: exitCode ?? null, cancelled: message.cancelled ?? false, truncated: message.truncated ?? false },
      error: typeof exitCode === 'number' && exitCode !== 0 ? `exit code ${exitCode}` : message.cancelled === true ? 'cancelled' : null,
      metadata: { entry: key },
      ...span(at, at),
    });
  }
}

/** Milliseconds of an entry: its ISO timestamp, else the message's numeric one. */
export function timeOf(value: Record<string, unknown>): number | undefined {
  if (typeof value.timestamp === 'string') {
    const t = Date.parse(value.timestamp);
    if (!Number.isNaN(t)) return t;
  }
  const inner = isObject(value.message) ? (value.message as Record<string, unknown>).timestamp : undefined;
  return typeof inner === 'number' ? inner : undefined;
}

function span(start: number | undefined, end: number | undefined): { start_time?: number; end_time?: number; duration?: number } {
  const out: { start_time?: number; end_time?: number; duration?: number } = {};
  if (start !== undefined) out.start_time = start;
  if (end !== undefined) out.end_time = end;
  if (start !== undefined && end !== undefined) out.duration = Math.max(0, end - start);
  return out;
}

function simplify(message: Message): Message {
  const { timestamp: _t, usage: _u, ...rest } = message;
  return rest;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b) => isObject(b) && (b as Record<string, unknown>).type === 'text')
    .map((b) => String((b as Record<string, unknown>).text ?? ''))
    .join('');
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
