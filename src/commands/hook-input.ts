import { homeDir, sessionsDir, stateDir } from '../config/paths.js';
import { readUrlSettings } from '../config/settings-file.js';
import { primeRoots } from '../core/agents/prime.js';
import { agentHomes, exportRootOf } from '../core/agents/registry.js';
import type { AgentName } from '../core/agents/types.js';
import { findSessionFile } from '../core/sessions/find.js';
import { UsageError } from '../errors.js';
import type { Io } from '../output/io.js';
import type { HookFlags } from './hook.def.js';

/**
 * What names the session a hook records, however the agent calls `traces hook`: prime-agent with
 * --session or PRIME_AGENT_SESSION_FILE, Claude Code and Gemini CLI with JSON on stdin, Codex with
 * its notify JSON as the last argument.
 */

const STDIN_FIELDS = ['session_file', 'sessionFile', 'transcript_path'] as const;

/**
 * The session to record, from the first of: --session; a JSON notification as the last argument
 * (Codex's `notify` program gets `{"type":"agent-turn-complete","thread-id":...}`); JSON on stdin
 * naming the file (prime-agent's session_file, Claude Code's and Gemini CLI's transcript_path) or
 * only the id (session_id); PRIME_AGENT_SESSION_FILE. An id is looked up in the agents' homes.
 */
export async function sessionInput(flags: HookFlags, args: string[], agents: readonly AgentName[], io: Io): Promise<string> {
  if (flags.session) return flags.session;
  const notice = parseObject(args.at(-1));
  if (args.length && !notice)
    throw new UsageError(`${args.at(-1)}: not a JSON notification`, 'Codex passes one JSON object as the last argument.');
  const fromNotice = notice && idIn(notice, ['thread-id', 'thread_id', 'session_id']);
  if (fromNotice) return findById(fromNotice, agents, io);
  if (!io.stdinIsTTY) {
    const value = parseObject(await readStdin(io, 1000));
    if (value) {
      for (const field of STDIN_FIELDS) if (typeof value[field] === 'string' && value[field]) return value[field];
      const id = idIn(value, ['session_id', 'sessionId', 'thread-id']);
      if (id) return findById(id, agents, io);
    }
  }
  if (io.env.PRIME_AGENT_SESSION_FILE) return io.env.PRIME_AGENT_SESSION_FILE;
  throw new UsageError(
    'no session to record',
    `Pass --session FILE, JSON on stdin with ${STDIN_FIELDS.join(', ')} or session_id, Codex's notification as the last argument, or set PRIME_AGENT_SESSION_FILE.`,
  );
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text?.trim()) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function idIn(value: Record<string, unknown>, fields: string[]): string | undefined {
  for (const field of fields) if (typeof value[field] === 'string' && value[field]) return value[field];
  return undefined;
}

/** The file of the session with this id under the agents' homes: a usage error when there is none. */
async function findById(id: string, agents: readonly AgentName[], io: Io): Promise<string> {
  const settings = readUrlSettings(io.env);
  const sessions = sessionsDir(undefined, io.env, settings.sessions_dir);
  const roots = agentHomes(agents, io.env, homeDir(io.env), primeRoots(sessions.dir));
  return findSessionFile(id, roots, agents, exportRootOf(stateDir(io.env)));
}

/**
 * Reads stdin until it holds one whole JSON value (an agent may write it and leave the pipe
 * open), until it ends, or for at most `ms`.
 */
function readStdin(io: Io, ms: number): Promise<string> {
  return new Promise((done) => {
    let text = '';
    const finish = () => {
      clearTimeout(timer);
      io.stdin.off('data', onData);
      io.stdin.off('end', finish);
      io.stdin.off('error', finish);
      io.stdin.pause();
      (io.stdin as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
      done(text);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      try {
        JSON.parse(text);
        finish();
      } catch {
        // not whole yet
      }
    };
    const timer = setTimeout(finish, ms);
    timer.unref();
    io.stdin.on('data', onData);
    io.stdin.once('end', finish);
    io.stdin.once('error', finish);
  });
}
