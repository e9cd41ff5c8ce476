import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Snapshot } from '../../src/core/sessions/snapshot.js';
import { uploadSessions } from '../../src/core/upload.js';
import type { SessionToUpload, StoredSession, UploadTarget } from '../../src/core/upload-target.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'traces-upload-snapshot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const head = JSON.stringify({
  type: 'session',
  version: 3,
  id: '7a1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  timestamp: '2026-11-01T10:00:00Z',
  cwd: '/w',
});
const version = (commit: string) =>
  `${head}\n${JSON.stringify({ type: 'git_state', id: 'g1', parentId: null, timestamp: 't', repoUrl: 'https://example.com/r.git', commit })}\n`;

describe('an upload sends the git facts of the very bytes it sends', () => {
  it('even when the agent rewrites the file between reading its git state and sending it', async () => {
    const file = join(dir, 's.jsonl');
    writeFileSync(file, version('1'.repeat(40)));
    const sent: { git?: string; body: string }[] = [];
    // A backend at which the agent's atomic rewrite lands just before the body is read.
    const target: UploadTarget = {
      id: 'test',
      endpoint: () => 'test',
      async put(session: SessionToUpload, open: () => Promise<Snapshot>): Promise<StoredSession> {
        writeFileSync(`${file}.new`, version('2'.repeat(40)));
        renameSync(`${file}.new`, file);
        const snapshot = await open();
        try {
          const chunks: Buffer[] = [];
          for await (const chunk of snapshot.stream() as AsyncIterable<Buffer>) chunks.push(chunk);
          sent.push({ git: session.git?.commit, body: Buffer.concat(chunks).toString('utf8') });
          return { key: 'k', bytes: snapshot.length, hash: 'h', size: snapshot.size, mtimeMs: snapshot.mtimeMs };
        } finally {
          await snapshot.close();
        }
      },
      close: async () => {},
      abort: async () => {},
    };
    const report = await uploadSessions(
      {
        paths: [file],
        roots: [],
        force: true,
        dryRun: false,
        concurrency: 1,
        maxBytes: 1024 * 1024,
        agents: { scan: ['prime'], paths: ['prime'] },
        exportRoot: join(dir, 'exports'),
      },
      { target, ledger: Ledger.load(dir), logger: silentLogger },
    );
    expect(report.uploaded).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toContain(`"commit":"${sent[0]!.git}"`);
  });
});
