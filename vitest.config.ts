import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __TRACES_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most of the suite's time is spent waiting on other processes, servers' timeouts and sockets,
    // not on this CPU: run more files at once than there are cores (vitest's default on two cores
    // is one file at a time) so that those waits overlap.
    maxWorkers: 4,
    // Threads start faster than forks, and one module graph per worker (no isolation) saves
    // importing src/ again for every file. Each file undoes what it changes: temp folders,
    // servers, fake timers, the retry policy (useShortBackoff).
    pool: 'threads',
    isolate: false,
    // One S3-compatible server (s3rver behind a layer with conditional writes) for every S3 test.
    globalSetup: ['test/global-s3.ts'],
  },
});
