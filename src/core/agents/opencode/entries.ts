import type { AssistantMessage, Entry, TextBlock, ThinkingBlock, ToolCallBlock, Usage } from '../types.js';
import type { JsonObject } from './dump.js';
import { stepUsage } from './usage.js';

/**
 * opencode's messages as entries of the session model. An assistant message of 1.x holds every
 * model call of one turn: its parts run step-start … step-finish once per call, and each such run
 * is one `assistant` entry with the usage of its step-finish. The message's own `tokens` are the
 * last step's only (opencode overwrites them each step), so they are used only for a message
 * with no step-finish at all (opencode before step parts), never beside its steps. A 2.x
 * assistant row is one call. Every tool with a result gets a `toolResult` entry after its call.
 */
export class EntryChain {
  private line = 1;
  private last: string | null = null;

  push(value: Record<string, unknown> & { id: string }): Entry {
    const entry: Entry = { line: ++this.line, value: { ...value, parentId: this.last } };
    this.last = value.id;
    return entry;
  }
}

interface Step {
  id: string;
  content: (TextBlock | ThinkingBlock | ToolCallBlock)[];
  tools: JsonObject[];
}

const ZERO: Usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0 };

export function messageEntries(message: JsonObject, parts: JsonObject[], chain: EntryChain, fallbackMs: number): Entry[] {
  const ms = timeOf(message.time) ?? fallbackMs;
  if (typeof message.role === 'string') {
    if (message.role === 'user') return userEntries(message, parts, chain, ms);
    if (message.role === 'assistant') return assistantV1(message, parts, chain, ms);
    return [];
  }
  switch (message.type) {
    case 'user':
      return typeof message.text === 'string' && message.text
        ? [chain.push(entry('message', String(message.id), ms, { role: 'user', content: [text(message.text)], timestamp: ms }))]
        : [];
    case 'assistant':
      return assistantV2(message, chain, ms);
    case 'compaction':
      return compactionV2(message, chain, ms);
    case 'shell':
      return [chain.push(entry('message', String(message.id), ms, shell(message, ms)))];
    default:
      return [];
  }
}

function userEntries(message: JsonObject, parts: JsonObject[], chain: EntryChain, ms: number): Entry[] {
  const content = parts.filter((p) => p.type === 'text' && !p.ignored && typeof p.text === 'string').map((p) => text(String(p.text)));
  if (content.length === 0) return [];
  return [chain.push(entry('message', String(message.id), ms, { role: 'user', content, timestamp: ms }))];
}

function assistantV1(message: JsonObject, parts: JsonObject[], chain: EntryChain, ms: number): Entry[] {
  const id = String(message.id);
  const hasFinish = parts.some((p) => p.type === 'step-finish');
  const out: Entry[] = [];
  let step: Step | undefined;
  let count = 0;
  const open = () => (step ??= { id: `${id}/${++count}`, content: [], tools: [] });
  const close = (finish: JsonObject | undefined) => {
    if (!step) return;
    if (finish || step.content.length > 0) {
      const usage = finish ? stepUsage(finish.tokens, finish.cost) : hasFinish ? ZERO : stepUsage(message.tokens, message.cost);
      const stop = finish ? stopReason(finish.reason) : errorStop(message.error);
      out.push(chain.push(entry('message', step.id, ms, assistantOf(message, step.content, usage, stop, ms))));
      for (const tool of step.tools) out.push(...toolResult(tool.id, tool.callID, tool.tool, tool.state, chain, ms));
    }
    step = undefined;
  };
  for (const part of parts) {
    if (part.type === 'step-start') {
      close(undefined);
      open();
    } else if (part.type === 'step-finish') {
      open();
      close(part);
    } else if (part.type === 'text' && typeof part.text === 'string' && !part.ignored) {
      open().content.push(text(part.text));
    } else if (part.type === 'reasoning' && typeof part.text === 'string') {
      open().content.push({ type: 'thinking', thinking: part.text });
    } else if (part.type === 'tool') {
      const state = (part.state ?? {}) as JsonObject;
      open().content.push(toolCall(part.callID, part.tool, state.input));
      open().tools.push(part);
    }
  }
  close(undefined);
  if (message.summary === true) {
    const summary = parts
      .filter((p) => p.type === 'text' && typeof p.text === 'string')
      .map((p) => String(p.text))
      .join('\n');
    out.push(chain.push(entry('compaction', `${id}/compaction`, ms, { summary })));
  }
  return out;
}

function assistantV2(message: JsonObject, chain: EntryChain, ms: number): Entry[] {
  const id = String(message.id);
  const content: (TextBlock | ThinkingBlock | ToolCallBlock)[] = [];
  const tools: JsonObject[] = [];
  for (const block of Array.isArray(message.content) ? (message.content as JsonObject[]) : []) {
    if (block.type === 'text' && typeof block.text === 'string') content.push(text(block.text));
    else if (block.type === 'reasoning' && typeof block.text === 'string') content.push({ type: 'thinking', thinking: block.text });
    else if (block.type === 'tool') {
      content.push(toolCall(block.id, block.name, ((block.state ?? {}) as JsonObject).input));
      tools.push(block);
    }
  }
  const usage = message.tokens ? stepUsage(message.tokens, message.cost) : ZERO;
  const stop = message.finish ? stopReason(message.finish) : errorStop(message.error);
  const out = [chain.push(entry('message', id, ms, assistantOf(message, content, usage, stop, ms)))];
  for (const tool of tools) out.push(...toolResult(`${id}/${String(tool.id)}`, tool.id, tool.name, tool.state, chain, ms));
  return out;
}

function compactionV2(message: JsonObject, chain: EntryChain, ms: number): Entry[] {
  const id = String(message.id);
  const summary = typeof message.summary === 'string' ? message.summary : '';
  const out: Entry[] = [];
  // A compaction that ran is a model call of its own, billed like any other.
  if (message.tokens) {
    const call = assistantOf(message, summary ? [text(summary)] : [], stepUsage(message.tokens, message.cost), { stopReason: 'stop' }, ms);
    out.push(chain.push(entry('message', `${id}/call`, ms, call)));
  }
  if (summary && message.status !== 'failed') out.push(chain.push(entry('compaction', id, ms, { summary })));
  return out;
}

function assistantOf(
  message: JsonObject,
  content: AssistantMessage['content'],
  usage: Usage,
  stop: { stopReason?: string; errorMessage?: string },
  ms: number,
): AssistantMessage {
  const model = (message.model ?? {}) as { id?: unknown; providerID?: unknown };
  const provider = message.providerID ?? model.providerID;
  const modelId = message.modelID ?? model.id;
  return {
    role: 'assistant',
    content,
    ...(typeof provider === 'string' ? { provider } : {}),
    ...(typeof modelId === 'string' ? { model: modelId } : {}),
    usage,
    ...stop,
    timestamp: ms,
  };
}

function toolResult(id: unknown, callId: unknown, name: unknown, rawState: unknown, chain: EntryChain, ms: number): Entry[] {
  const state = (rawState ?? {}) as JsonObject;
  if (state.status !== 'completed' && state.status !== 'error') return [];
  const isError = state.status === 'error';
  const end = timeOf(state.time, 'end') ?? ms;
  const value = {
    role: 'toolResult',
    toolCallId: String(callId),
    toolName: String(name),
    content: resultContent(state, isError),
    isError,
    timestamp: end,
  };
  return [chain.push(entry('message', `${String(id)}/result`, end, value))];
}

function resultContent(state: JsonObject, isError: boolean): TextBlock[] {
  if (isError) {
    const error = state.error as { message?: unknown } | string | undefined;
    const message = typeof error === 'string' ? error : error?.message;
    return [text(typeof message === 'string' ? message : 'error')];
  }
  if (typeof state.output === 'string') return [text(state.output)];
  // 2.x: the tool's content blocks.
  const blocks = Array.isArray(state.content) ? (state.content as JsonObject[]) : [];
  return blocks.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => text(String(b.text)));
}

function shell(message: JsonObject, ms: number) {
  const output = message.output as { output?: unknown; exit?: unknown } | string | undefined;
  const printed = typeof output === 'string' ? output : output?.output;
  return {
    role: 'bashExecution',
    command: typeof message.command === 'string' ? message.command : '',
    output: typeof printed === 'string' ? printed : '',
    ...(typeof output === 'object' && typeof output.exit === 'number' ? { exitCode: output.exit } : {}),
    timestamp: ms,
  };
}

function toolCall(id: unknown, name: unknown, input: unknown): ToolCallBlock {
  const args = input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  return { type: 'toolCall', id: String(id), name: String(name), arguments: args };
}

const STOP: Record<string, string> = { stop: 'stop', 'tool-calls': 'toolUse', length: 'length', error: 'error', 'content-filter': 'error' };

function stopReason(reason: unknown): { stopReason?: string } {
  const mapped = typeof reason === 'string' ? STOP[reason] : undefined;
  return mapped ? { stopReason: mapped } : {};
}

function errorStop(error: unknown): { stopReason?: string; errorMessage?: string } {
  if (!error || typeof error !== 'object') return {};
  const e = error as { name?: unknown; type?: unknown; message?: unknown; data?: { message?: unknown } };
  const aborted = e.name === 'MessageAbortedError' || e.type === 'aborted';
  const message = e.data?.message ?? e.message;
  return { stopReason: aborted ? 'aborted' : 'error', ...(typeof message === 'string' ? { errorMessage: message } : {}) };
}

function entry(type: string, id: string, ms: number, body: object): Record<string, unknown> & { id: string } {
  return type === 'message' ? { type, id, timestamp: iso(ms), message: body } : { type, id, timestamp: iso(ms), ...body };
}

function text(value: string): TextBlock {
  return { type: 'text', text: value };
}

export function timeOf(time: unknown, key = 'created'): number | undefined {
  const value = time && typeof time === 'object' ? (time as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}
