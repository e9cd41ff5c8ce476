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

/** `toBatches`, keeping the JSON each event was measured by (the body is sent as it is), made as they are taken. */
export function* jsonBatches<T>(events: T[], maxEvents = MAX_BATCH_EVENTS, maxBytes = MAX_BATCH_BYTES): Generator<JsonBatch<T>> {
  let current: T[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const event of events) {
    const json = JSON.stringify(event);
    const size = Buffer.byteLength(json) + 1;
    if (current.length && (current.length >= maxEvents || bytes + size + OVERHEAD > maxBytes)) {
      yield { events: current, json: `{"events":[${parts.join(',')}]}` };
      current = [];
      parts = [];
      bytes = 0;
    }
    current.push(event);
    parts.push(json);
    bytes += size;
  }
  if (current.length) yield { events: current, json: `{"events":[${parts.join(',')}]}` };
}

/**
 * Splits events into batches of at most `maxEvents` and `maxBytes` of JSON. An event larger than
 * `maxBytes` on its own travels alone (its strings are already cut to size).
 */
export function toBatches<T>(events: T[], maxEvents = MAX_BATCH_EVENTS, maxBytes = MAX_BATCH_BYTES): T[][] {
  return [...jsonBatches(events, maxEvents, maxBytes)].map((batch) => batch.events);
}
