import type { TestProject } from 'vitest/node';
import { startS3 } from './helpers/s3.js';

/** One S3 server for the whole run; test files reach it through `useS3()` (test/helpers/s3.ts). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startS3();
  project.provide('s3', { endpoint: server.endpoint, raw: server.raw });
  return async () => {
    // Anything the server had to say (an uncaught error in a request) is worth seeing once.
    if (server.stderr().trim()) process.stderr.write(`s3 test server:\n${server.stderr()}\n`);
    await server.close();
  };
}
