import { isObject } from '../../util/is-object.js';
export { isObject };
import { asText } from '../../util/text.js';
/** A message as the model's context holds it (the agent's AgentMessage, without its timestamp). */
export type Message = Record<string, unknown> & { role?: string; content?: unknown };

/**
 * The message an entry puts in the model's context, shaped as the agent's own reader shapes it:
 * `message` entries as written, `custom_message` as role `custom`, `branch_summary` as role
 * `branchSummary`, a compaction as role `compactionSummary`. Times and usage are left out: the
 * events carry them.
 */
export function contextMessage(value: Record<string, unknown>): Message {
  switch (value.type) {
    case 'custom_message':
      return { role: 'custom', customType: value.customType, content: value.content, display: value.display, details: value.details };
    case 'branch_summary':
      return { role: 'branchSummary', summary: value.summary, fromId: value.fromId };
    case 'compaction':
      return { role: 'compactionSummary', summary: value.summary, tokensBefore: value.tokensBefore };
    default: {
      const { timestamp: _t, usage: _u, ...rest } = (isObject(value.message) ? value.message : {}) as Message;
      return rest;
    }
  }
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b) => isObject(b) && b.type === 'text')
    .map((b) => asText((b as Record<string, unknown>).text))
    .join('');
}

export function span(start: number | undefined, end: number | undefined): { start_time?: number; end_time?: number; duration?: number } {
  const out: { start_time?: number; end_time?: number; duration?: number } = {};
  if (start !== undefined) out.start_time = start;
  if (end !== undefined) out.end_time = end;
  if (start !== undefined && end !== undefined) out.duration = Math.max(0, end - start);
  return out;
}

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
