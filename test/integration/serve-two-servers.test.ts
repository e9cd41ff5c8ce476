import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TracesServer } from '../../src/server/server.js';
import { call } from '../helpers/http.js';
import { bucketStoreKind, storeKinds, type StoreKind } from '../helpers/stores.js';
import { heldIds, overlappingBatches, twoServerInvariants, type TwoServers } from '../helpers/two-servers.js';

/**
 * Two `traces serve` (in-process, real HTTP on port 0) on one store, each over its own store
 * object, as two processes behind a load balancer would be: the invariants of one server hold.
 */
const token = 'two-servers-token';

function twoServers(kind: StoreKind, options: { raw?: boolean } = {}): () => TwoServers {
  let current: TwoServers;
  let running: TracesServer[] = [];
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const place = await kind.open(options);
    cleanup = () => place.cleanup();
    running = [new TracesServer({ store: place.store, tokens: [token], maxBytes: 1024 ** 2 })];
    running.push(new TracesServer({ store: await place.another(), tokens: [token], maxBytes: 1024 ** 2 }));
    const urls = (await Promise.all(running.map((s) => s.listen('127.0.0.1', 0)))) as [string, string];
    current = { urls, token, place };
  });
  afterEach(async () => {
    await Promise.all(running.map((s) => s.close()));
    await cleanup();
  });
  return () => current;
}

describe.each(storeKinds())('two traces serve on one $name store', (kind) => {
  twoServerInvariants(twoServers(kind));
});

describe('two traces serve on one bucket store that ignores conditional writes', () => {
  const servers = twoServers(bucketStoreKind(), { raw: true });

  it('lose no event of overlapping batches and list each once (one may be stored twice: exactly-once storage is not guaranteed)', async () => {
    const { urls, place } = servers();
    const sid = '00000000-0000-4000-8000-000000000007';
    const batches = overlappingBatches(20, 50);
    const answers = await Promise.all(
      batches.map((ids, i) =>
        call(`${urls[i % 2]}/v1/sessions/${sid}/events/batch`, {
          method: 'POST',
          token,
          json: { events: ids.map((id) => ({ event_id: id, event_type: 'tool', inputs: {} })) },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(batches.map(() => 200));
    const all = [...new Set(batches.flat())].sort();
    expect([...(await heldIds(place, sid)).keys()].sort()).toEqual(all);
    const listed = (await (await place.another()).events.list(sid)).map((e) => e.event_id);
    expect(listed.sort()).toEqual(all);
  });
});
