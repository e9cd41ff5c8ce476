import type { Usage } from '../types.js';
import { isObject, textOf, type History, type Item, type Json } from './history.js';

type Block = Json;

/**
 * The folded chat as entries of the session model, in tree order: a parent before its children,
 * and at every fork the branches left behind before the one still active, so the last entry is
 * the leaf of the active path. One Gemini message gives at most one model call: a `gemini` message
 * is one API response (its `tokens` are that response's usage).
 */
export function toEntries(history: History): Json[] {
  const out: Json[] = [];
  const children = new Map<string | undefined, Item[]>();
  for (const item of history.items.values()) {
    const list = children.get(item.parent) ?? [];
    list.push(item);
    children.set(item.parent, list);
  }
  const onPath = new Set<string>();
  for (let k = history.tail; k !== undefined; k = history.items.get(k)?.parent) onPath.add(k);
  /** The entry a child of each item hangs from (an item that gives no entry passes its parent's on). */
  const hangFrom = new Map<string, string | null>();
  const firstEntry = new Map<string, string>();
  const called = new Set<string>();
  const answered = new Set<string>();

  const visit = (item: Item, parentId: string | null): void => {
    const made =
      item.kind === 'compaction' ? [compactionEntry(item, parentId, firstEntry)] : messageEntries(item.record, parentId, called, answered);
    if (made.length) firstEntry.set(item.key, made[0]!.id as string);
    out.push(...made);
    hangFrom.set(item.key, made.length ? (made.at(-1)!.id as string) : parentId);
  };
  // Iterative (a long chat must not overflow the stack): children pushed in reverse, popped in order.
  const stack: { item: Item; parentId: string | null }[] = [];
  const pushAll = (items: Item[] | undefined, parentId: string | null) => {
    for (const item of ordered(items, onPath).reverse()) stack.push({ item, parentId });
  };
  pushAll(children.get(undefined), null);
  for (let next = stack.pop(); next; next = stack.pop()) {
    visit(next.item, next.parentId);
    pushAll(children.get(next.item.key), hangFrom.get(next.item.key)!);
  }

  const title = history.summary?.trim() || firstPrompt(history);
  if (title) {
    const leaf = history.tail === undefined ? null : (hangFrom.get(history.tail) ?? null);
    out.push({ type: 'session_info', id: 'session-info', parentId: leaf, timestamp: history.lastUpdated ?? lastTime(out), name: title });
  }
  return out;
}

/** Branches left behind first (oldest first), the active one last. */
function ordered(items: Item[] | undefined, onPath: Set<string>): Item[] {
  if (!items) return [];
  return [...items.filter((i) => !onPath.has(i.key)), ...items.filter((i) => onPath.has(i.key))];
}

function compactionEntry(item: Extract<Item, { kind: 'compaction' }>, parentId: string | null, firstEntry: Map<string, string>): Json {
  const kept = item.firstKept === undefined ? undefined : firstEntry.get(item.firstKept);
  return {
    type: 'compaction',
    id: item.key,
    parentId,
    timestamp: item.timestamp,
    summary: item.summary,
    ...(kept ? { firstKeptEntryId: kept } : {}),
  };
}

function messageEntries(record: Json, parentId: string | null, called: Set<string>, answered: Set<string>): Json[] {
  const id = record.id as string;
  const timestamp = typeof record.timestamp === 'string' ? record.timestamp : '';
  const at = Date.parse(timestamp) || 0;
  const out: Json[] = [];
  const push = (message: Json, entryId: string, time = timestamp) => {
    out.push({ type: 'message', id: entryId, parentId: out.length ? out.at(-1)!.id : parentId, timestamp: time, message });
  };
  const parts = partsOf(record.content);
  if (record.type === 'user') {
    // Tool responses are recorded as user messages too (for the CLI's resume); a response already
    // given by its call's `result` is not repeated.
    for (const p of parts) {
      const response = isObject(p.functionResponse) ? p.functionResponse : undefined;
      const callId = typeof response?.id === 'string' ? response.id : undefined;
      if (!response || !callId || !called.has(callId) || answered.has(callId)) continue;
      answered.add(callId);
      const isError = isObject(response.response) && 'error' in response.response;
      push(toolResult(callId, str(response.name), [p], isError, at), `${id}/${callId}`);
    }
    const content = parts.flatMap(userBlock);
    if (content.length) push({ role: 'user', content, timestamp: at }, id);
    return out;
  }
  if (record.type !== 'gemini' || !isModelCall(record)) return out;
  const calls = (Array.isArray(record.toolCalls) ? record.toolCalls : []).filter((c): c is Json => isObject(c) && typeof c.id === 'string');
  const content: Block[] = [];
  const thoughtParts = parts.filter((p) => p.thought === true && typeof p.text === 'string');
  // The CLI's own rule: thoughts inside `content` are the source of truth; else the `thoughts` list.
  if (thoughtParts.length) for (const p of thoughtParts) content.push({ type: 'thinking', thinking: p.text });
  else
    for (const t of Array.isArray(record.thoughts) ? record.thoughts : [])
      if (isObject(t)) content.push({ type: 'thinking', thinking: thoughtText(t) });
  const text = textOf(record.content);
  if (text) content.push({ type: 'text', text });
  const callIds = new Set(calls.map((c) => c.id as string));
  for (const c of calls) content.push({ type: 'toolCall', id: c.id, name: str(c.name), arguments: isObject(c.args) ? c.args : {} });
  for (const p of parts) {
    const fc = isObject(p.functionCall) ? p.functionCall : undefined;
    if (!fc || typeof fc.id !== 'string' || callIds.has(fc.id)) continue;
    callIds.add(fc.id);
    content.push({ type: 'toolCall', id: fc.id, name: str(fc.name), arguments: isObject(fc.args) ? fc.args : {} });
  }
  for (const callId of callIds) called.add(callId);
  push(
    {
      role: 'assistant',
      content,
      ...(typeof record.model === 'string' ? { model: record.model } : {}),
      usage: usageOf(record.tokens),
      stopReason: callIds.size ? 'toolUse' : 'stop',
      timestamp: at,
    },
    id,
  );
  for (const c of calls) {
    if (c.result === undefined || c.result === null || answered.has(c.id as string)) continue;
    answered.add(c.id as string);
    // A cancelled call's result tells the model it did not run: an error for it, as for 'error'.
    const isError = c.status === 'error' || c.status === 'cancelled';
    const time = typeof c.timestamp === 'string' ? c.timestamp : timestamp;
    push(toolResult(c.id as string, str(c.name), partsOf(c.result), isError, Date.parse(time) || at), `${id}/${c.id as string}`, time);
  }
  return out;
}

/**
 * A gemini message is a model response when it names its model or carries usage. Messages the CLI
 * adds to its history without a model call (a compression's acknowledgement, "binary content
 * received") have neither.
 */
function isModelCall(record: Json): boolean {
  return typeof record.model === 'string' || isObject(record.tokens);
}

/**
 * Gemini's usage of one response. `input` (promptTokenCount) includes the cached tokens; tool-use
 * prompt tokens and thoughts are not in `input`/`output` but are billed (Google's usage docs:
 * total = prompt + candidates + tool-use prompt + thoughts), as input and output respectively.
 * `total` is never added to the parts.
 */
export function usageOf(tokens: unknown): Usage {
  const t = isObject(tokens) ? tokens : {};
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const cacheRead = n(t.cached);
  const input = Math.max(0, n(t.input) - cacheRead) + n(t.tool);
  const output = n(t.output) + n(t.thoughts);
  return { input, output, cacheRead, cacheWrite: 0, totalTokens: input + cacheRead + output };
}

function toolResult(toolCallId: string, toolName: string, parts: Json[], isError: boolean, timestamp: number): Json {
  return { role: 'toolResult', toolCallId, toolName, content: parts.flatMap(resultBlock), isError, timestamp };
}

/** A `PartListUnion` as a list of part objects (strings become text parts). */
function partsOf(content: unknown): Json[] {
  const list = Array.isArray(content) ? content : content === undefined || content === null ? [] : [content];
  return list.flatMap((p) => (typeof p === 'string' ? [{ text: p }] : isObject(p) ? [p] : []));
}

function userBlock(p: Json): Block[] {
  if (typeof p.text === 'string' && p.thought !== true) return p.text ? [{ type: 'text', text: p.text }] : [];
  return imageBlock(p);
}

function resultBlock(p: Json): Block[] {
  if (isObject(p.functionResponse)) {
    const response = p.functionResponse.response;
    if (isObject(response) && typeof response.output === 'string') return [{ type: 'text', text: response.output }];
    if (isObject(response) && typeof response.error === 'string') return [{ type: 'text', text: response.error }];
    return response === undefined ? [] : [{ type: 'text', text: JSON.stringify(response) }];
  }
  return userBlock(p);
}

function imageBlock(p: Json): Block[] {
  const data = isObject(p.inlineData) ? p.inlineData : undefined;
  if (data && typeof data.data === 'string' && typeof data.mimeType === 'string' && data.mimeType.startsWith('image/')) {
    return [{ type: 'image', data: data.data, mimeType: data.mimeType }];
  }
  return [];
}

function thoughtText(t: Json): string {
  const description = typeof t.description === 'string' ? t.description : '';
  return typeof t.subject === 'string' && t.subject ? `**${t.subject}** ${description}` : description;
}

/**
 * The first prompt the user typed (the CLI's title when no summary was set): slash commands,
 * `?` help and injected context are not prompts.
 */
function firstPrompt(history: History): string | undefined {
  for (const item of history.items.values()) {
    if (item.kind !== 'message' || item.record.type !== 'user') continue;
    const text = textOf(item.record.content).trim();
    if (text && !/^(\/|\?|<session_context>|<hook_context>)/.test(text)) return text;
  }
  return undefined;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function lastTime(entries: Json[]): string {
  return (entries.at(-1)?.timestamp as string | undefined) ?? '';
}
