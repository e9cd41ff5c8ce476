import { isObject } from '../../../util/is-object.js';
export { isObject };
import type { ImageBlock, TextBlock, ThinkingBlock, ToolCallBlock, Usage } from '../types.js';

/**
 * Claude Code's record fields translated into the model's blocks, usage and stop reasons. Pure
 * functions of one record; the merging of rows lives in reader.ts.
 */

export type Json = Record<string, unknown>;

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** A model name Claude Code writes on rows no model produced (API errors, interruptions). */
export const SYNTHETIC_MODEL = '<synthetic>';

/**
 * One response's usage from a row's `message.usage`. `cache_creation` splits the same tokens as
 * `cache_creation_input_tokens` by TTL, so only the latter is read (adding both counts them twice).
 */
export function usageOf(message: Json): Usage {
  const u = isObject(message.usage) && message.model !== SYNTHETIC_MODEL ? message.usage : {};
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  const cacheRead = num(u.cache_read_input_tokens);
  const cacheWrite = num(u.cache_creation_input_tokens);
  return { input, output, cacheRead, cacheWrite, totalTokens: input + output + cacheRead + cacheWrite };
}

/** Per field, how much `later` adds to `counted` (never negative): the rows of a response are snapshots that only grow. */
export function usageBeyond(later: Usage, counted: Usage): Usage {
  const input = Math.max(0, later.input - counted.input);
  const output = Math.max(0, later.output - counted.output);
  const cacheRead = Math.max(0, later.cacheRead - counted.cacheRead);
  const cacheWrite = Math.max(0, later.cacheWrite - counted.cacheWrite);
  return { input, output, cacheRead, cacheWrite, totalTokens: input + output + cacheRead + cacheWrite };
}

export function usageMax(a: Usage, b: Usage): Usage {
  const input = Math.max(a.input, b.input);
  const output = Math.max(a.output, b.output);
  const cacheRead = Math.max(a.cacheRead, b.cacheRead);
  const cacheWrite = Math.max(a.cacheWrite, b.cacheWrite);
  return { input, output, cacheRead, cacheWrite, totalTokens: input + output + cacheRead + cacheWrite };
}

const STOP_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  tool_use: 'toolUse',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  refusal: 'error',
};

export const stopReasonOf = (reason: unknown): string | undefined => STOP_REASONS[str(reason) ?? ''];

/** An assistant row's content blocks: text, thinking and tool_use; anything else (redacted thinking, server tools) is left out. */
export function assistantBlocks(content: unknown): (TextBlock | ThinkingBlock | ToolCallBlock)[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const blocks: (TextBlock | ThinkingBlock | ToolCallBlock)[] = [];
  for (const b of content) {
    if (!isObject(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') blocks.push({ type: 'text', text: b.text });
    else if (b.type === 'thinking' && typeof b.thinking === 'string') blocks.push({ type: 'thinking', thinking: b.thinking });
    else if (b.type === 'tool_use' && typeof b.id === 'string') {
      blocks.push({ type: 'toolCall', id: b.id, name: str(b.name) ?? '', arguments: isObject(b.input) ? b.input : {} });
    }
  }
  return blocks;
}

/** Text and image blocks of a user message or a tool result (a string is one text block). */
export function userBlocks(content: unknown): (TextBlock | ImageBlock)[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: (TextBlock | ImageBlock)[] = [];
  for (const b of content) {
    if (!isObject(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') blocks.push({ type: 'text', text: b.text });
    else if (b.type === 'image' && isObject(b.source) && typeof b.source.data === 'string') {
      blocks.push({ type: 'image', data: b.source.data, mimeType: str(b.source.media_type) ?? 'application/octet-stream' });
    }
  }
  return blocks;
}

export const textOf = (blocks: (TextBlock | ImageBlock | ThinkingBlock | ToolCallBlock)[]): string =>
  blocks.map((b) => (b.type === 'text' ? b.text : '')).join('');

/** The `tool_result` blocks of a user record's content. */
export const toolResults = (content: unknown): Json[] =>
  Array.isArray(content) ? content.filter((b): b is Json => isObject(b) && b.type === 'tool_result') : [];

const tag = (text: string, name: string): string | undefined => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1];

/**
 * A `!command` the user ran in Claude Code's bash mode: the command is written as a user record
 * `<bash-input>…</bash-input>`, its output as the next one `<bash-stdout>…</bash-stdout><bash-stderr>…</bash-stderr>`.
 */
export function bashPart(text: string): { command?: string; output?: string } | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('<bash-input>') && !trimmed.startsWith('<bash-stdout>') && !trimmed.startsWith('<bash-stderr>')) {
    return undefined;
  }
  const command = tag(trimmed, 'bash-input');
  const stdout = tag(trimmed, 'bash-stdout');
  const stderr = tag(trimmed, 'bash-stderr');
  const output = stdout === undefined && stderr === undefined ? undefined : [stdout, stderr].filter(Boolean).join('\n');
  return { command, output };
}

/** Title sources by rank, as Anthropic's session listing ranks them (higher wins; within a rank the last wins). */
export const TITLE_RANK: Record<string, [field: string, rank: number]> = {
  'custom-title': ['customTitle', 5],
  'ai-title': ['aiTitle', 4],
  'last-prompt': ['lastPrompt', 3],
  summary: ['summary', 2],
};
export const FIRST_PROMPT_RANK = 1;

// Anthropic's session listing skips these when it looks for the first prompt to use as a title.
const NOT_A_PROMPT =
  /^(?:<local-command-stdout>|<local-command-caveat>|<command-name>|<command-message>|<session-start-hook>|<tick>|<goal>|<bash-(?:input|stdout|stderr)>|\[Request interrupted by user[^\]]*\]|\s*<ide_opened_file>[\s\S]*<\/ide_opened_file>\s*$|\s*<ide_selection>[\s\S]*<\/ide_selection>\s*$)/;

/** The title a first prompt gives (one line, at most 200 characters), or undefined when the text is harness output. */
export function promptTitle(text: string): string | undefined {
  const line = text.replace(/\n/g, ' ').trim();
  if (!line || NOT_A_PROMPT.test(line)) return undefined;
  return line.length > 200 ? `${line.slice(0, 200).trimEnd()}…` : line;
}

/** Which response an assistant row belongs to: its message.id, and its requestId (gateways may reuse one message.id). */
export function responseKey(message: Json, rec: Json): string | undefined {
  const messageId = str(message.id);
  return messageId === undefined ? undefined : `${messageId}\n${str(rec.requestId) ?? ''}`;
}

/**
 * Rows of one response: the same message.id, and the same requestId unless a row lacks one (some
 * paths write it on only some rows; a gateway that reuses message ids still differs in requestId).
 */
export function sameResponse(a: string, b: string): boolean {
  const [idA, reqA = ''] = a.split('\n');
  const [idB, reqB = ''] = b.split('\n');
  return idA === idB && (reqA === reqB || reqA === '' || reqB === '');
}
