import { closeSync, readSync } from 'node:fs';
import type { GitInfo } from '../agents/types.js';
import { openRegularFile } from './open-file.js';

/** Line 1 of a prime-agent session file. Unknown fields are kept. */
export interface SessionHeader {
  type: 'session';
  id: string;
  timestamp: string;
  cwd: string;
  version?: number;
  parentSession?: string;
  rlmDepth?: number;
  git?: GitInfo;
  agentVersion?: string;
  modelId?: string;
  [field: string]: unknown;
}

export type { GitInfo } from '../agents/types.js';

export type HeaderResult = { ok: true; header: SessionHeader; headerBytes: number } | { ok: false; reason: string };

/** A header line longer than this is not a header: it stops a binary file from being read whole. */
const MAX_HEADER_BYTES = 1024 * 1024;
const CHUNK = 16 * 1024;

/** Reads and validates line 1 of a file, reading no more than the line itself (in 16 KiB steps). */
export function readHeader(path: string): HeaderResult {
  const opened = openRegularFile(path);
  if (!opened.ok) return opened;
  const fd = opened.fd;
  try {
    return readHeaderFd(fd);
  } catch (error) {
    return { ok: false, reason: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  } finally {
    closeSync(fd);
  }
}

export function readHeaderFd(fd: number): HeaderResult {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(CHUNK);
    const n = readSync(fd, buf, 0, CHUNK, total);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) {
      chunks.push(buf.subarray(0, nl));
      return parseHeaderLine(Buffer.concat(chunks).toString('utf8'), true);
    }
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > MAX_HEADER_BYTES) return { ok: false, reason: 'line 1 is longer than 1 MiB: not a session header' };
  }
  if (total === 0) return { ok: false, reason: 'empty file' };
  return parseHeaderLine(Buffer.concat(chunks).toString('utf8'), false);
}

/** A header is valid when its type is "session" and its id, timestamp and cwd are strings. */
export function parseHeaderLine(line: string, terminated: boolean): HeaderResult {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: terminated ? 'line 1 is not JSON' : 'line 1 is incomplete (no newline yet)' };
  }
  const checked = validateHeader(value);
  if (!checked.ok) return checked;
  const headerBytes = Buffer.byteLength(line) + (terminated ? 1 : 0);
  return { ok: true, header: checked.header, headerBytes };
}

/** Line 1, parsed, as a prime-agent header: or why it is not one. */
export function validateHeader(value: unknown): { ok: true; header: SessionHeader } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'line 1 is not a JSON object' };
  }
  const header = value as Record<string, unknown>;
  if (header.type !== 'session') return { ok: false, reason: 'line 1 is not a session header (type is not "session")' };
  for (const field of ['id', 'timestamp', 'cwd'] as const) {
    if (typeof header[field] !== 'string' || header[field] === '') {
      return { ok: false, reason: `session header field "${field}" is missing or not a string` };
    }
  }
  return { ok: true, header: header as SessionHeader };
}

/** The header's git block, when it has one with string fields. */
export function headerGit(header: SessionHeader): GitInfo | undefined {
  const git = header.git;
  if (typeof git !== 'object' || git === null) return undefined;
  const pick = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const info: GitInfo = { repoUrl: pick(git.repoUrl), commit: pick(git.commit), branch: pick(git.branch) };
  return info.repoUrl || info.commit || info.branch ? info : undefined;
}
