import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuidV5 } from '../../../src/util/uuid-v5.js';

/**
 * The pieces Claude Code's records are built from in the fixtures (claude.ts): the fields every
 * record repeats, usage as Anthropic's API reports it, and the expected facts' shapes.
 */

export interface ExpectedUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
}

export interface ExpectedSession {
  path: string;
  id: string;
  kind: 'root' | 'sub-agent' | 'fork';
  parentId?: string;
  parentPath?: string;
  timestamp: string;
  cwd: string;
  agentVersion: string;
  branch?: string;
  /** Entries per kind: message roles, plus `compaction` and `session_info`. */
  counts: Record<string, number>;
  /** The sum over assistant entries: what was billed, each response once. */
  usage: ExpectedUsage;
  title?: string;
}

export const CWD = '/home/ann/web.app';
export const PROJECT = '-home-ann-web-app'; // every character outside [a-zA-Z0-9] becomes '-'
export const S = 'b7e2c1d0-4a5f-4e8b-9c3d-2f1e0a9b8c7d';
export const S_OLD = '0c4d9a2e-1b3f-4c5d-8e6f-7a8b9c0d1e2f';
export const S_CONT = '3240e317-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
export const AGENT = 'a3f9c2e';
export const NESTED = 'b81d0aa';
export const OLD_AGENT = '5d1e7f0a';
export const agentSessionId = (sessionId: string, agentId: string) => uuidV5(`claude-code:${sessionId}:agent-${agentId}`);

let clock = 0;
/** Starts the fixture clock again, so every build writes the same times. */
export const resetClock = () => {
  clock = Date.parse('2026-06-01T09:00:00.000Z');
};
export const at = () => new Date((clock += 1000)).toISOString();

export const usage = (input: number, cacheWrite: number, cacheRead: number, output: number) => ({
  input_tokens: input,
  cache_creation_input_tokens: cacheWrite,
  cache_read_input_tokens: cacheRead,
  cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
  output_tokens: output,
  service_tier: 'standard',
});
export const sum = (...us: ExpectedUsage[]): ExpectedUsage =>
  us.reduce((a, u) => ({
    input: a.input + u.input,
    output: a.output + u.output,
    cacheRead: a.cacheRead + u.cacheRead,
    cacheWrite: a.cacheWrite + u.cacheWrite,
    totalTokens: a.totalTokens + u.totalTokens,
  }));
export const billed = (input: number, cacheWrite: number, cacheRead: number, output: number): ExpectedUsage => ({
  input,
  output,
  cacheRead,
  cacheWrite,
  totalTokens: input + output + cacheRead + cacheWrite,
});

export type Rec = Record<string, unknown>;

export function writer(sessionId: string, version: string, extra: Rec = {}) {
  const common = { isSidechain: false, userType: 'external', cwd: CWD, sessionId, version, gitBranch: 'main', ...extra };
  const user = (uuid: string, parentUuid: string | null, content: unknown, more: Rec = {}): Rec => ({
    parentUuid,
    ...common,
    type: 'user',
    message: { role: 'user', content },
    uuid,
    timestamp: at(),
    ...more,
  });
  const assistant = (
    uuid: string,
    parentUuid: string,
    id: string,
    requestId: string | undefined,
    block: Rec,
    u: Rec,
    stop: string | null,
    more: Rec = {},
  ): Rec => ({
    parentUuid,
    ...common,
    type: 'assistant',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-7',
      content: [block],
      stop_reason: stop,
      stop_sequence: null,
      usage: u,
    },
    ...(requestId ? { requestId } : {}),
    uuid,
    timestamp: at(),
    ...more,
  });
  const result = (uuid: string, parentUuid: string, toolUseId: string, content: unknown, toolUseResult: unknown, isError = false): Rec =>
    user(uuid, parentUuid, [{ tool_use_id: toolUseId, type: 'tool_result', content, is_error: isError }], { toolUseResult });
  return { user, assistant, result };
}

export const jsonl = (records: Rec[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

export function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export const text = (t: string) => ({ type: 'text', text: t });
