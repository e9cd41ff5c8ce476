import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header } from '../../fixtures/builder.mjs';
import { LocalStore } from '../../src/backend/store/index.js';
import type { ViewList, ViewSummary } from '../../src/contracts/view.js';
import { call } from '../helpers/http.js';
import { RecordingServer } from '../helpers/recording-server.js';

/**
 * The read API's list kept between runs of `traces serve`: a restarted server answers from the
 * figures it kept in the state folder for every file whose sha256 still matches, reads again a
 * file that changed, and takes a damaged cache file for none.
 */

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function sessionText(id: string, title: string, calls: number): string {
  const lines: object[] = [header({ id, cwd: '/work/cache', timestamp: '2026-11-01T10:00:00.000Z' })];
  let parentId: string | null = null;
  let n = 0;
  const push = (entry: object) => {
    const entryId = `${id.slice(-4)}${String(n).padStart(4, '0')}`;
    lines.push({ ...entry, id: entryId, parentId, timestamp: new Date(Date.parse('2026-11-01T10:00:00.000Z') + ++n * 1000).toISOString() });
    parentId = entryId;
  };
  for (let i = 0; i < calls; i++) {
    push({ type: 'message', message: { role: 'user', content: [{ type: 'text', text: `question ${i}` }] } });
    push({
      type: 'message',
      message: {
        role: 'assistant',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: `answer ${i}` }],
        usage: { input: 1000, output: 100, cacheRead: 0, cacheWrite: 0, totalTokens: 1100, cost: { total: 0.01 } },
        stopReason: 'stop',
      },
    });
  }
  push({ type: 'session_info', name: title });
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe('traces serve: the list kept between runs', () => {
  let data: string;
  let state: string;
  let server: RecordingServer | undefined;

  beforeEach(() => {
    data = mkdtempSync(join(tmpdir(), 'traces-view-cache-data-'));
    state = mkdtempSync(join(tmpdir(), 'traces-view-cache-state-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(data, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });

  /** A server (re)started on the same folder and state folder, as `traces serve` run again. */
  async function start(): Promise<string> {
    await server?.stop();
    server = new RecordingServer(data, { stateDir: state });
    return server.start();
  }

  async function list(url: string): Promise<ViewSummary[]> {
    const answer = await call(`${url}/api/v1/view/sessions`, { token: server!.token });
    expect(answer.status, answer.text).toBe(200);
    return answer.json<ViewList>().sessions.sort((a, b) => a.session_id.localeCompare(b.session_id));
  }

  async function storeThree(url: string): Promise<void> {
    for (const n of [1, 2, 3]) {
      const answer = await call(`${url}/api/v1/agent-traces/sessions/${uuid(n)}`, {
        method: 'PUT',
        token: server!.token,
        body: sessionText(uuid(n), `session ${n}`, n),
        headers: { 'x-trace-id': uuid(n) },
      });
      expect(answer.status).toBe(200);
    }
  }

  /** The store's session bodies on disk: removing them shows whether a server still reads them. */
  const bodies = () => readdirSync(data, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.jsonl'));

  const cacheFiles = () => readdirSync(join(state, 'view-cache')).filter((name) => name.endsWith('.json'));

  it('answers the first list after a restart from the kept figures, without reading the session files', async () => {
    let url = await start();
    await storeThree(url);
    const before = await list(url);
    expect(before.map((s) => [s.title, s.messages, s.problem])).toEqual([
      ['session 1', 2, null],
      ['session 2', 4, null],
      ['session 3', 6, null],
    ]);
    await server!.stop();
    expect(bodies()).toHaveLength(3);
    for (const body of bodies()) rmSync(join(data, body));

    url = await start();
    // A server that read the files again would find them gone and say so in `problem`.
    expect(await list(url)).toEqual(before);
  });

  it('reads again a file that changed while the server was stopped, and only that one', async () => {
    let url = await start();
    await storeThree(url);
    const before = await list(url);
    await server!.stop();
    const store = new LocalStore(data);
    const text = sessionText(uuid(2), 'session 2, again', 5);
    await store.sessions.put({ traceId: uuid(2), sessionId: uuid(2) }, Readable.from([Buffer.from(text)]), Buffer.byteLength(text));
    for (const body of bodies()) if (!body.includes(uuid(2))) rmSync(join(data, body));

    url = await start();
    const after = await list(url);
    expect(after[0]).toEqual(before[0]);
    expect(after[2]).toEqual(before[2]);
    expect(after[1]).toMatchObject({ session_id: uuid(2), title: 'session 2, again', messages: 10, problem: null });
  });

  it('ignores a damaged cache file and writes it again', async () => {
    let url = await start();
    await storeThree(url);
    const before = await list(url);
    await server!.stop();
    expect(cacheFiles()).toHaveLength(1);
    const cache = join(state, 'view-cache', cacheFiles()[0]!);
    for (const damaged of ['{"version": 1, "entries": {"', '{"version": 999, "entries": {}}', '[]', '']) {
      writeFileSync(cache, damaged);
      url = await start();
      expect(await list(url)).toEqual(before);
      await server!.stop();
      const rewritten = JSON.parse(readFileSync(cache, 'utf8')) as { version: number; entries: Record<string, { sha256: string }> };
      expect(Object.keys(rewritten.entries).sort()).toEqual([uuid(1), uuid(2), uuid(3)]);
    }
  });
});
