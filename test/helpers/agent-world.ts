import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { isolatedEnv, tempDir } from './cli.js';
import { RecordingServer } from './recording-server.js';

/** A temp HOME for agents' homes (written by test/helpers/agent-files/), and traces serve on port 0. */
export interface AgentWorld {
  tmp: ReturnType<typeof tempDir>;
  server: RecordingServer;
  /** The HOME every agent's default home is found under. */
  home: string;
  env: Record<string, string | undefined>;
  /** The session ids the server got a PUT for, in order. */
  sent(): string[];
}

/** A fresh AgentWorld for every test of the calling file (read its fields inside tests). */
export function useAgentWorld(): AgentWorld {
  const world = {
    sent: () => world.server.puts().map((p) => decodeURIComponent(p.url.split('/').pop()!)),
  } as AgentWorld;
  beforeEach(async () => {
    world.tmp = tempDir();
    world.home = join(world.tmp.path, 'home');
    world.server = new RecordingServer(join(world.tmp.path, 'served'));
    await world.server.start();
    world.env = isolatedEnv(world.tmp.path, { TRACES_TOKEN: world.server.token, TRACES_API_URL: world.server.url, HOME: world.home });
  });
  afterEach(async () => {
    await world.server.stop();
    world.tmp.cleanup();
  });
  return world;
}
