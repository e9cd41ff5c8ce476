import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { isolatedEnv, tempDir } from './cli.js';
import { RecordingServer } from './recording-server.js';
import type { StoreKind, StorePlace } from './stores.js';

/** What most integration tests start from: a temp folder, traces serve behind a recorder, an agent home. */
export interface World {
  tmp: ReturnType<typeof tempDir>;
  server: RecordingServer;
  home: ReturnType<typeof buildHome>;
  /** An isolated env with the server's URL and token and the home's sessions dir. */
  env: Record<string, string | undefined>;
  /** The store the server serves, when the world was made on a store kind. */
  place?: StorePlace;
}

export interface WorldOptions {
  turns?: number;
  /** Serve a store of this kind (a folder or a bucket); by default a folder in the world's temp folder. */
  store?: StoreKind;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const tmp = tempDir();
  const place = await options.store?.open();
  const server = new RecordingServer(place?.store ?? join(tmp.path, 'served'));
  await server.start();
  const home = buildHome(join(tmp.path, 'agent'), { turns: options.turns ?? 2 });
  const env = isolatedEnv(tmp.path, { TRACES_TOKEN: server.token, TRACES_API_URL: server.url, TRACES_SESSIONS_DIR: home.sessions });
  return { tmp, server, home, env, place };
}

export async function destroyWorld(world: World): Promise<void> {
  await world.server.stop();
  await world.place?.cleanup();
  world.tmp.cleanup();
}

/**
 * A fresh world for every test of the calling file: registers its own beforeEach/afterEach and
 * returns one object whose fields are replaced before each test (read them inside tests, not at
 * load time). An afterEach the file registers later runs before this one tears the world down.
 */
export function useWorld(options: WorldOptions = {}): World {
  const world = {} as World;
  beforeEach(async () => {
    Object.assign(world, await createWorld(options));
  });
  afterEach(async () => {
    await destroyWorld(world);
  });
  return world;
}
