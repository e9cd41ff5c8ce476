import { afterEach, beforeEach } from 'vitest';
import { RecordingServer } from './recording-server.js';
import type { StoreKind, StorePlace } from './stores.js';

/** traces serve (behind the recorder) over a store, and the place that store is on. */
export interface Served {
  server: RecordingServer;
  url: string;
  place: StorePlace;
  /** Stops the server and serves the same place again, as a restarted process would (a new store on it). */
  restart(): Promise<void>;
}

/**
 * traces serve over a fresh store of `kind` for every test of the calling describe: registers
 * its own beforeEach/afterEach and returns one object whose fields are replaced before each test
 * (read them inside tests). For a folder, `place.to` is the folder.
 */
export function useServed(kind: StoreKind, options: ConstructorParameters<typeof RecordingServer>[1] = {}): Served {
  const served = {} as Served;
  const start = async (place: StorePlace, store = place.store) => {
    const server = new RecordingServer(store, options);
    Object.assign(served, { place, server, url: await server.start() });
  };
  served.restart = async () => {
    await served.server.stop();
    await start(served.place, await served.place.another());
  };
  beforeEach(async () => start(await kind.open()));
  afterEach(async () => {
    await served.server.stop();
    await served.place.cleanup();
  });
  return served;
}
