import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { eventSchema, type TraceEvent } from '../../contracts/wire.js';
import { uuidV5 } from '../../util/uuid-v5.js';
import { plural } from '../../util/plural.js';

/**
 * Parses and validates events written by someone else (one JSON object a line) with the schema
 * the server applies. Every problem is reported with its line number before anything is sent.
 * An event without `event_id` gets a deterministic one, so sending the file again adds nothing.
 */
export function parseEventLines(text: string, sessionId: string, source: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      problems.push(`${source}:${line}: not valid JSON`);
      return;
    }
    const parsed = eventSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? '' : 'event';
        const keys = issue.code === 'unrecognized_keys' ? ` (${(issue as { keys?: string[] }).keys?.join(', ')})` : '';
        problems.push(`${source}:${line}: ${field ? `${field}: ` : ''}${issue.message}${keys}`);
      }
      return;
    }
    const event = parsed.data;
    event.event_id ??= uuidV5(`${sessionId}\u0000send\u0000${line}\u0000${createHash('sha256').update(trimmed).digest('hex')}`);
    events.push(event);
  });
  if (problems.length) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? `\n… and ${problems.length - shown.length} more` : '';
    throw new UsageError(`${plural(problems.length, 'invalid event line')}; nothing was sent:\n${shown.join('\n')}${more}`);
  }
  return events;
}
