import type { Redactor } from '../redact/redactor.js';
import { redactedJson } from '../redact/value.js';

/** How many events, and how many bytes, one batch request may carry. */
export const MAX_BATCH_EVENTS = 100;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;
/** `{"events":[` and `]}` around the events. */
const OVERHEAD = 16;

/** A batch and its request body, `{"events":[...]}`, each event serialized once. */
export interface JsonBatch<T> {
  events: T[];
  json: string;
}

export interface BatchOptions {
  maxEvents?: number;
  maxBytes?: number;
  /**
   * Every event's JSON is redacted as it is serialized: the batch carries the redacted JSON, and
   * (only where it changed) the event parsed back from it, for backends that take the objects.
   */
  redactor?: Redactor;
}

/** `toBatches`, keeping the JSON each event was measured by (the body is sent as it is), made as they are taken. */
export function* jsonBatches<T>(events: T[], options: BatchOptions = {}): Generator<JsonBatch<T>> {
  const maxEvents = options.maxEvents ?? MAX_BATCH_EVENTS;
  const maxBytes = options.maxBytes ?? MAX_BATCH_BYTES;
  let current: T[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const event of events) {
    const { json, value } = redactedJson(event, options.redactor);
    const size = Buffer.byteLength(json) + 1;
    if (current.length && (current.length >= maxEvents || bytes + size + OVERHEAD > maxBytes)) {
      yield { events: current, json: `{"events":[${parts.join(',')}]}` };
      current = [];
      parts = [];
      bytes = 0;
    }
    current.push(value);
    parts.push(json);
    bytes += size;
  }
  if (current.length) yield { events: current, json: `{"events":[${parts.join(',')}]}` };
}

/**
 * Splits events into batches of at most `maxEvents` and `maxBytes` of JSON. An event larger than
 * `maxBytes` on its own travels alone (its strings are already cut to size).
 */
export function toBatches<T>(events: T[], options: BatchOptions = {}): T[][] {
  return [...jsonBatches(events, options)].map((batch) => batch.events);
}
