import { afterEach, beforeEach, describe } from 'vitest';
import { spawnServe, type Served } from '../helpers/spawn.js';
import { bucketStoreKind, type StorePlace } from '../helpers/stores.js';
import { twoServerInvariants, type TwoServers } from '../helpers/two-servers.js';

// Two `traces serve --store s3://bucket/prefix` processes on one bucket, as behind a load
// balancer: the invariants of one server hold through both at once.
const kind = bucketStoreKind();
let place: StorePlace;
let processes: Served[] = [];
let current: TwoServers;

beforeEach(async () => {
  place = await kind.open();
  processes = await Promise.all([0, 1].map(() => spawnServe(['--no-auth', '--store', place.to], place.env)));
  current = { urls: [processes[0]!.url, processes[1]!.url], token: 'unused-with-no-auth', place };
});

afterEach(async () => {
  for (const served of processes) if (served.child.exitCode === null) served.child.kill('SIGTERM');
  await Promise.all(processes.map((served) => served.exited));
  await place.cleanup();
});

describe('two traces serve --store s3:// processes', () => {
  twoServerInvariants(() => current);
});
