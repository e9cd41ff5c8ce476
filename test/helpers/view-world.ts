import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { entries, header, hex8, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { isolatedEnv, runCli, tempDir } from './cli.js';
import { RecordingServer } from './recording-server.js';

/** traces serve (the built web client at `/`) over a folder store, for every test of the calling file. */
export interface ViewWorld {
  tmp: ReturnType<typeof tempDir>;
  server: RecordingServer;
  url: string;
  /** HOME for the agents' homes the tests write; uploads run with it. */
  home: string;
  /** `traces upload ...args` as a user would run it, against this server; fails the test unless it exits 0. */
  upload(...args: string[]): Promise<void>;
}

/**
 * One server for the whole file (filled in its beforeAll; the browser tests only read, except the
 * title editor, which edits a session no other test looks at). `auth: false` is `--no-auth`.
 */
export function useViewWorld(options: { auth?: boolean } = {}): ViewWorld {
  const world = {} as ViewWorld;
  beforeAll(async () => {
    world.tmp = tempDir('traces-browser-');
    world.home = join(world.tmp.path, 'home');
    world.server = new RecordingServer(join(world.tmp.path, 'served'), { auth: options.auth ?? false });
    world.url = await world.server.start();
    world.upload = async (...args) => {
      const env = isolatedEnv(world.tmp.path, { HOME: world.home, TRACES_TOKEN: world.server.token, TRACES_API_URL: world.url });
      const result = await runCli(['upload', ...args], { env });
      expect(result.code, result.stdout + result.stderr).toBe(0);
    };
  });
  afterAll(async () => {
    await world.server.stop();
    world.tmp.cleanup();
  });
  return world;
}

/** The id of the `i`th bulk session. */
export const bulkId = (i: number) => uuidFrom(`bulk:${i}`);

/**
 * `count` prime-agent root sessions in `dir`, each with a title "bulk session <i>", its own cwd,
 * two turns of realistic messages (at 10:00 that day), started ten seconds apart (the last is the newest).
 */
export function writeBulkSessions(dir: string, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = bulkId(i);
    const at = new Date(Date.parse('2026-11-01T09:00:00.000Z') + i * 10_000).toISOString();
    const title = {
      type: 'session_info',
      name: `bulk session ${i}`,
      id: hex8(`bulk:${i}:title`),
      parentId: null,
      timestamp: '2026-11-01T10:00:30.000Z',
    };
    writeSession(join(dir, `${id}.jsonl`), header({ id, cwd: `/work/bulk/${i}`, timestamp: at }), [...entries(`bulk:${i}`, 2), title]);
    ids.push(id);
  }
  return ids;
}
