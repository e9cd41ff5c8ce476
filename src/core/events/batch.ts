/** How many events, and how many bytes, one batch request may carry. */
export const MAX_BATCH_EVENTS = 100;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;

/**
 * Splits events into batches of at most `maxEvents` and `maxBytes` of JSON. An event larger than
 * `maxBytes` on its own travels alone (its strings are already cut to size).
 */
export function toBatches<T>(events: T[], maxEvents = MAX_BATCH_EVENTS, maxBytes = MAX_BATCH_BYTES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  const overhead = 16; // {"events":[ ... ]}
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (current.length && (current.length >= maxEvents || bytes + size + overhead > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}
