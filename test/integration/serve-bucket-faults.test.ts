import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http.js';
import { useS3 } from '../helpers/s3.js';
import { useServed } from '../helpers/served.js';
import { bucketStoreKind } from '../helpers/stores.js';

/** traces serve over a bucket when the bucket misbehaves: what the clients are told. */
describe('traces serve on a bucket store that fails', () => {
  const s3 = useS3();
  const served = useServed(bucketStoreKind(s3));
  const bucketOf = () => /^s3:\/\/([^/]+)/.exec(served.place.to)![1]!;
  const put = (id: string, body: string) =>
    call(`${served.url}/api/v1/agent-traces/sessions/${id}`, {
      method: 'PUT',
      token: served.server.token,
      body,
      headers: { 'content-type': 'application/x-ndjson' },
    });

  it('answers 503 with Retry-After while the store slows down, and stores the repeat', async () => {
    // More SlowDowns than the store's client retries (2): the answer must tell the client to come back.
    await s3.faults([{ bucket: bucketOf(), method: 'PUT', key: 'index/sessions/', times: 3, status: 503, code: 'SlowDown' }]);
    const busy = await put('s1', '{"type":"session"}\n');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    const again = await put('s1', '{"type":"session"}\n');
    expect(again.status).toBe(200);
    expect(await served.place.read('index/sessions/s1.json')).toContain('"bytes":19');
  });

  it('answers 500 for a store that fails for good, and keeps the previous version', async () => {
    expect((await put('s2', '{"v":1}\n')).status).toBe(200);
    await s3.faults([{ bucket: bucketOf(), method: 'PUT', key: 'agent-traces/', times: 1, status: 500 }]);
    expect((await put('s2', '{"v":2}\n')).status).toBe(500);
    const back = await call(`${served.url}/api/v1/agent-traces/sessions/s2`, { token: served.server.token });
    expect(back.text).toBe('{"v":1}\n');
  });
});
