import { isObject } from '../../../util/is-object.js';
import { readJsonLines } from '../../sessions/lines.js';
import type { Entry, ImageBlock, SessionInfo, ThinkingBlock, TextBlock, ToolCallBlock, Usage } from '../types.js';
import { replayJudge, type ReplayJudge } from './replay.js';
import { TokenCounter } from './usage.js';

type Json = Record<string, unknown>;
type Block = TextBlock | ThinkingBlock | ToolCallBlock;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The output items of one model call, gathered until the token_count that bills it. */
interface OpenCall {
  id: string;
  timestamp: string;
  content: Block[];
}

/**
 * A rollout's entries. Codex records a model call as its output items (reasoning, assistant
 * message, tool calls), then, when the response completes, a token_count; the tool outputs come
 * after that, once the tools ran. So the items since the last call are gathered into one
 * `assistant` entry and closed by the next token_count that adds usage; anything else that
 * cannot belong to the call (a tool output, a prompt, a new turn) closes it without usage (an
 * aborted or failed call). A token_count that adds usage with no items open (a compaction's
 * call) is an assistant entry without content, so the usage of the file adds up to what Codex
 * billed. Prompts are the `user_message` events (the response_item user messages also hold the
 * injected environment context and instructions); ids are `L<line>` of the line an entry starts on.
 */
export async function* codexEntries(path: string, info: SessionInfo): AsyncGenerator<Entry> {
  const tokens = new TokenCounter();
  const toolNames = new Map<string, string>();
  let ordinal = 1;
  let lastId: string | null = null;
  let model: string | undefined;
  let open: OpenCall | undefined;
  let titled = false;
  let line1Ms = 0;
  let judge: ReplayJudge | undefined;

  const entry = (id: string, timestamp: string, fields: Json): Entry => {
    const value = { ...fields, id, parentId: lastId, timestamp };
    lastId = id;
    return { line: ++ordinal, value };
  };
  const assistant = (call: OpenCall, usage: Usage | undefined): Entry => {
    const stopReason = call.content.some((b) => b.type === 'toolCall') ? 'toolUse' : usage ? 'stop' : 'aborted';
    const message: Json = {
      role: 'assistant',
      content: call.content,
      usage: usage ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0 },
      stopReason,
      timestamp: Date.parse(call.timestamp),
    };
    if (model) message.model = model;
    return entry(call.id, call.timestamp, { type: 'message', message });
  };
  function* close(): Generator<Entry> {
    if (open) yield assistant(open, undefined);
    open = undefined;
  }
  const add = (id: string, timestamp: string, block: Block | undefined): void => {
    open ??= { id, timestamp, content: [] };
    if (block) open.content.push(block);
  };

  try {
    for await (const { value, line } of readJsonLines(path)) {
      if (line === 1) {
        line1Ms = Date.parse(String(value.timestamp));
        judge = replayJudge(info.kind, info.parentPath, info.id, line1Ms);
        continue;
      }
      const payload = isObject(value.payload) ? value.payload : {};
      const ts = typeof value.timestamp === 'string' ? value.timestamp : new Date(line1Ms).toISOString();
      const id = `L${line}`;
      if (await judge?.replayed(value, line)) {
        // The parent's history: its totals are this file's starting point and its last model
        // the one in use; nothing of it is this session's own.
        if (value.type === 'event_msg' && payload.type === 'token_count') tokens.next(payload);
        if (value.type === 'turn_context' && typeof payload.model === 'string') model = payload.model;
        continue;
      }
      switch (value.type) {
        case 'turn_context':
          yield* close();
          if (typeof payload.model === 'string' && payload.model) model = payload.model;
          break;
        case 'compacted':
          yield* close();
          yield entry(id, ts, { type: 'compaction', summary: typeof payload.message === 'string' ? payload.message : '' });
          break;
        case 'response_item':
          yield* responseItem(payload, id, ts);
          break;
        case 'event_msg':
          yield* eventMsg(payload, id, ts);
          break;
        default:
          // session_meta (copied ones included) and record types of later Codex versions.
          break;
      }
    }
    yield* close();
  } finally {
    await judge?.close();
  }

  function* responseItem(p: Json, id: string, ts: string): Generator<Entry> {
    switch (p.type) {
      case 'reasoning': {
        const thinking = reasoningText(p);
        add(id, ts, thinking ? { type: 'thinking', thinking } : undefined);
        return;
      }
      case 'message':
        if (p.role === 'assistant') add(id, ts, { type: 'text', text: contentText(p.content) });
        return;
      case 'function_call':
      case 'custom_tool_call':
      case 'local_shell_call': {
        const callId = str(p.call_id) ?? str(p.id) ?? id;
        const name = p.type === 'local_shell_call' ? 'local_shell' : (str(p.name) ?? String(p.type));
        toolNames.set(callId, name);
        add(id, ts, { type: 'toolCall', id: callId, name, arguments: toolArguments(p) });
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        yield* close();
        const callId = str(p.call_id) ?? '';
        const output = isObject(p.output) && 'content' in p.output ? p.output.content : p.output;
        const isError = isObject(p.output) && p.output.success === false;
        yield entry(id, ts, {
          type: 'message',
          message: {
            role: 'toolResult',
            toolCallId: callId,
            toolName: toolNames.get(callId) ?? str(p.name) ?? '',
            content: outputBlocks(output),
            isError,
            timestamp: Date.parse(ts),
          },
        });
        return;
      }
      case 'compaction':
      case 'compaction_summary':
        yield* close();
        yield entry(id, ts, { type: 'compaction', summary: '' });
        return;
      default:
        // User/developer messages (prompts come from user_message events), web searches run by
        // the API, ghost snapshots, and item types of later versions.
        return;
    }
  }

  function* eventMsg(p: Json, id: string, ts: string): Generator<Entry> {
    switch (p.type) {
      case 'token_count': {
        const usage = tokens.next(p);
        if (!usage) return;
        const call = open ?? { id, timestamp: ts, content: [] };
        open = undefined;
        yield assistant(call, usage);
        return;
      }
      case 'user_message': {
        const prompt = typeof p.message === 'string' ? p.message : '';
        if (isInjected(prompt)) return;
        yield* close();
        yield entry(id, ts, { type: 'message', message: { role: 'user', content: prompt, timestamp: Date.parse(ts) } });
        if (!titled && prompt.trim()) {
          titled = true;
          yield entry(`${id}:title`, ts, { type: 'session_info', name: firstLine(prompt) });
        }
        return;
      }
      case 'thread_name_updated':
        // A copied parent's rename names the parent, not this thread.
        if (p.thread_id !== undefined && p.thread_id !== info.id) return;
        titled = true;
        yield* close();
        yield entry(id, ts, { type: 'session_info', name: typeof p.thread_name === 'string' ? p.thread_name : '' });
        return;
      case 'task_complete':
      case 'turn_aborted':
        yield* close();
        return;
      default:
        return;
    }
  }
}

/** Harness text Codex may pass as a user message: the environment, instructions, AGENTS.md. */
function isInjected(text: string): boolean {
  const start = text.trimStart();
  return (
    /^<(environment_context|user_instructions|user_shell_command|turn_aborted)>/.test(start) || start.startsWith('# AGENTS.md instructions')
  );
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function reasoningText(p: Json): string {
  const parts = (list: unknown) =>
    Array.isArray(list) ? list.map((x) => (isObject(x) && typeof x.text === 'string' ? x.text : '')).filter(Boolean) : [];
  const summary = parts(p.summary);
  return (summary.length ? summary : parts(p.content)).join('\n\n');
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c) => (isObject(c) && typeof c.text === 'string' ? c.text : '')).join('');
}

/** A function call's `arguments` is a JSON string; custom tools take free text (`input`). */
function toolArguments(p: Json): Record<string, unknown> {
  if (p.type === 'local_shell_call') return isObject(p.action) ? p.action : {};
  const raw = p.type === 'custom_tool_call' ? p.input : p.arguments;
  if (typeof raw !== 'string') return isObject(raw) ? raw : {};
  if (p.type === 'function_call') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON: kept as text below.
    }
  }
  return { input: raw };
}

/** A tool output: a string, or content items (`input_text`, `input_image` with a data URL). */
function outputBlocks(output: unknown): (TextBlock | ImageBlock)[] {
  if (typeof output === 'string') return [{ type: 'text', text: output }];
  if (!Array.isArray(output)) return output === undefined || output === null ? [] : [{ type: 'text', text: JSON.stringify(output) }];
  return output.flatMap((item): (TextBlock | ImageBlock)[] => {
    if (!isObject(item)) return [];
    if (typeof item.text === 'string') return [{ type: 'text' as const, text: item.text }];
    const url = typeof item.image_url === 'string' ? /^data:([^;,]+);base64,(.*)$/s.exec(item.image_url) : null;
    return url ? [{ type: 'image' as const, data: url[2]!, mimeType: url[1]! }] : [];
  });
}
