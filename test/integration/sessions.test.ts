import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { header, uuidFrom, writeSession, entries } from '../../fixtures/builder.mjs';
import { runCli } from '../helpers/cli.js';
import { useWorld, type World } from '../helpers/world.js';
import { useShortBackoff } from '../helpers/backoff.js';
import { storeKinds } from '../helpers/stores.js';
import { layout } from '../../src/backend/store/layout.js';

useShortBackoff();
/** The running test's world: traces serve over a store of its describe's kind. */
let world: World;

const cli = (...args: string[]) => runCli(args, { env: world.env });
const patchId = (uuid: string) => `session_${uuid.replace(/-/g, '')}`;

describe.each(storeKinds())('on a $name store', (kind) => {
  const served = useWorld({ store: kind });
  beforeEach(() => {
    world = served;
  });

  describe('traces sessions save', () => {
    it('derives id, model, message count and title from the file, and flags add labels', async () => {
      const id = uuidFrom('titled');
      const file = join(world.home.sessions, `${id}.jsonl`);
      writeSession(file, header({ id }), [
        ...entries('titled', 2),
        { type: 'model_change', id: 'mc000001', parentId: null, timestamp: 't', provider: 'openai', modelId: 'gpt-5' },
        { type: 'session_info', id: 'si000001', parentId: null, timestamp: 't', name: 'Fix the flaky test' },
      ]);
      const result = await cli(
        'sessions',
        'save',
        file,
        '--org',
        'acme',
        '--workspace',
        'ml',
        '--label',
        'run=42',
        '--label',
        'run=43',
        '--label',
        'ci=yes',
        '--origin',
        'eval',
        '--json',
      );
      expect(result.code).toBe(0);
      const out = result.json();
      expect(out).toMatchObject({ total: 1, saved: 1, failed: 0 });
      expect(out.sessions[0]).toMatchObject({
        status: 'saved',
        session_id: id,
        model: 'claude-sonnet-4-5', // the last assistant message wins over a later model_change
        message_count: 8,
        title: 'Fix the flaky test',
        agent: 'prime-agent',
        origin: 'eval',
        visibility: 'private',
        labels: { run: ['42', '43'], ci: ['yes'] },
      });
      const post = world.server.requests.find((r) => r.method === 'POST')!;
      expect(post.url).toBe('/api/v1/org/acme/ws/ml/sessions');
    });

    it('reports a second save as exists with exit 0', async () => {
      await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml');
      const again = await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml', '--json');
      expect(again.code).toBe(0);
      expect(again.json().sessions[0].status).toBe('exists');
    });

    it('treats a 409 after a lost answer as success', async () => {
      world.server.fail({ kind: 'lost' });
      const result = await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml', '--json');
      expect(result.code).toBe(0);
      expect(result.json().sessions[0].status).toBe('exists');
      expect(world.server.requests.filter((r) => r.method === 'POST').length).toBe(2);
    });

    it('--all saves every session under the sessions dir; config org/workspace are used', async () => {
      expect((await cli('config', 'set', 'org', 'acme')).code).toBe(0);
      expect((await cli('config', 'set', 'workspace', 'ml')).code).toBe(0);
      const result = await cli('sessions', 'save', '--all', '--json');
      expect(result.json()).toMatchObject({ total: 4, saved: 4 });
    });

    it('says which of --org and --workspace is missing (exit 2)', async () => {
      const result = await cli('sessions', 'save', world.home.root, '--org', 'acme');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('needs --workspace');
      expect(result.stderr).toContain('traces config set workspace');
    });

    it('--dry-run prints the body and sends nothing', async () => {
      const result = await cli('sessions', 'save', world.home.childId, '--dry-run', '--json');
      expect(result.code).toBe(0);
      expect(result.json().sessions[0]).toMatchObject({
        status: 'pending',
        id: world.home.childId,
        model: 'claude-sonnet-4-5',
        message_count: 8,
      });
      expect(world.server.requests.length).toBe(0);
    });

    it('refuses a session whose id is not a UUID, naming the file', async () => {
      const file = join(world.home.sessions, 'odd.jsonl');
      writeSession(file, header({ id: 'not-a-uuid' }), entries('odd', 1));
      const result = await cli('sessions', 'save', file, '--org', 'a', '--workspace', 'b', '--json');
      expect(result.code).toBe(1);
      expect(result.json().sessions[0].error).toContain('odd.jsonl');
      expect(result.json().sessions[0].error).toContain('not a UUID');
    });

    it('shows every error envelope as a sentence', async () => {
      const cases: [number, unknown, string][] = [
        [
          422,
          {
            status: 422,
            message: 'validation failed',
            type: 'validation_error',
            details: [{ loc: ['body', 'model'], msg: 'field required', type: 'missing' }],
          },
          '422 Unprocessable Entity: validation failed; body.model: field required',
        ],
        [
          400,
          { detail: [{ loc: ['body', 'labels', 'x'], msg: 'not a list', type: 'type_error' }] },
          '400 Bad Request: body.labels.x: not a list',
        ],
        [403, { error: { message: 'workspace is read-only' } }, '403 Forbidden: workspace is read-only'],
        [404, { title: 'Not Found', status: 404, detail: 'no workspace ml in org acme' }, '404 Not Found: no workspace ml in org acme'],
        [500, 'upstream exploded', '500 Internal Server Error: upstream exploded'],
      ];
      for (const [status, body, message] of cases) {
        world.server.fail({ kind: 'status', status, body: typeof body === 'string' ? body : JSON.stringify(body) });
        const result = await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml', '--retries', '0', '--json');
        if (status === 403) {
          expect(result.code).toBe(4);
          expect(result.stderr).toContain(message);
        } else {
          expect(result.code).toBe(1);
          expect(result.json().sessions[0].error).toBe(message);
        }
        expect(result.stdout + result.stderr).not.toContain('[object Object]');
      }
    });

    it('says the client is too old on a 426, and retries a 429 after Retry-After', async () => {
      world.server.fail({ kind: 'status', status: 426, body: JSON.stringify({ message: 'upgrade required' }) });
      const old = await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml', '--json');
      expect(old.json().sessions[0].error).toContain('426');
      world.server.fail({ kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: '{"detail":"slow down"}' });
      const later = await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml', '--json');
      expect(later.code).toBe(0);
      expect(later.json().sessions[0].status).toBe('saved');
    });
  });

  describe('traces sessions patch', () => {
    beforeEach(async () => {
      expect((await cli('sessions', 'save', world.home.root, '--org', 'acme', '--workspace', 'ml')).code).toBe(0);
    });

    it('patches by UUID, by session_<hex> and by file; tags replace, title is kept', async () => {
      const first = await cli('sessions', 'patch', world.home.rootId, '--title', 'Nightly', '--tag', 'ci', '--tag', 'nightly', '--json');
      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({ id: patchId(world.home.rootId), title: 'Nightly', tags: ['ci', 'nightly'], status: 'patched' });
      const second = await cli('sessions', 'patch', patchId(world.home.rootId), '--tag', 'rerun');
      expect(second.stdout).toContain('title: Nightly');
      expect(second.stdout).toContain('tags:  rerun');
      const third = await cli('sessions', 'patch', world.home.root, '--clear-title', '--clear-tags', '--json');
      expect(third.json()).toMatchObject({ title: null, tags: [] });
      expect(world.server.requests.filter((r) => r.method === 'PATCH').map((r) => r.url)).toEqual(
        Array(3).fill(`/v1/sessions/${patchId(world.home.rootId)}`),
      );
    });

    it('refuses a malformed id or no change before any request (exit 2)', async () => {
      const before = world.server.requests.length;
      expect((await cli('sessions', 'patch', 'session_xyz', '--title', 't')).code).toBe(2);
      expect((await cli('sessions', 'patch', world.home.rootId)).code).toBe(2);
      expect((await cli('sessions', 'patch', world.home.rootId, '--title', 'a', '--clear-title')).code).toBe(2);
      expect(world.server.requests.length).toBe(before);
    });

    it('reports an unknown session readably, with status failed in --json', async () => {
      const result = await cli('sessions', 'patch', uuidFrom('never-seen'), '--title', 't', '--json');
      expect(result.code).toBe(1);
      expect(result.json()).toMatchObject({ status: 'failed' });
      expect(result.json().error).toContain('404');
      expect(result.json().error).toContain('not found');
    });

    it('works against a --to store too', async () => {
      const archive = await kind.open();
      try {
        const to = (...args: string[]) => runCli([...args, '--to', archive.to], { env: { ...world.env, ...archive.env } });
        expect((await to('upload', world.home.root)).code).toBe(0);
        const result = await to('sessions', 'patch', world.home.rootId, '--tag', 'local', '--json');
        expect(result.code, result.stderr).toBe(0);
        expect(result.json()).toMatchObject({ tags: ['local'] });
        expect(JSON.parse((await archive.read(layout.patch(patchId(world.home.rootId))))!)).toMatchObject({ tags: ['local'] });
      } finally {
        await archive.cleanup();
      }
    });
  });
});
