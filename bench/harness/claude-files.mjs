// Claude Code session files for the benchmark, laid out and written as Claude Code writes them:
// `<home>/.claude/projects/<cwd with every non-alphanumeric character as ->/<sessionId>.jsonl`;
// each API response streamed as one `assistant` row per content block (same message.id, usage
// on every row), tool results as `tool_result` blocks in `user` rows. Deterministic: the same
// seed gives the same bytes.
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { uuidFrom } from '../../fixtures/builder.mjs';

export const claudeProjectDir = (home, cwd) => join(home, '.claude', 'projects', cwd.replace(/[^a-zA-Z0-9]/g, '-'));

/** One turn: a prompt, a response with thinking + a tool call (two rows), its result, a final text response. */
function* turn(seed, i, ctx, pad) {
  const at = () => new Date((ctx.clock += 1000)).toISOString();
  const common = { isSidechain: false, userType: 'external', cwd: ctx.cwd, sessionId: ctx.id, version: '2.1.50', gitBranch: 'main' };
  const u = uuidFrom(`${seed}:u:${i}`);
  yield {
    ...common,
    type: 'user',
    uuid: u,
    parentUuid: ctx.last,
    timestamp: at(),
    message: { role: 'user', content: `Step ${i}: look at src/file-${i}.ts and fix the bug. ${pad}` },
  };
  const msg = `msg_${uuidFrom(`${seed}:m:${i}`).replace(/-/g, '').slice(0, 24)}`;
  const req = `req_${uuidFrom(`${seed}:r:${i}`).replace(/-/g, '').slice(0, 24)}`;
  const usage = (out) => ({
    input_tokens: 12 + i,
    cache_creation_input_tokens: 300,
    cache_read_input_tokens: 9000 + i * 40,
    output_tokens: out,
    service_tier: 'standard',
  });
  const a1 = uuidFrom(`${seed}:a1:${i}`);
  const a2 = uuidFrom(`${seed}:a2:${i}`);
  const tool = `toolu_${uuidFrom(`${seed}:t:${i}`).replace(/-/g, '').slice(0, 24)}`;
  const assistant = (uuid, parent, block, out, stop) => ({
    ...common,
    type: 'assistant',
    uuid,
    parentUuid: parent,
    timestamp: at(),
    requestId: req,
    message: {
      id: msg,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [block],
      stop_reason: stop,
      stop_sequence: null,
      usage: usage(out),
    },
  });
  yield assistant(a1, u, { type: 'thinking', thinking: `I should read file ${i} first. ${pad}`, signature: 'c2lnbmF0dXJl' }, 3, null);
  yield assistant(a2, a1, { type: 'tool_use', id: tool, name: 'Read', input: { file_path: `/src/file-${i}.ts` } }, 140, 'tool_use');
  const r = uuidFrom(`${seed}:res:${i}`);
  const output = `export function f${i}() {\n  return ${i};\n}\n${pad}`;
  yield {
    ...common,
    type: 'user',
    uuid: r,
    parentUuid: a2,
    timestamp: at(),
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: tool, content: output }] },
    toolUseResult: { type: 'text', file: { filePath: `/src/file-${i}.ts`, content: output } },
  };
  const msg2 = `msg_${uuidFrom(`${seed}:m2:${i}`).replace(/-/g, '').slice(0, 24)}`;
  const t = uuidFrom(`${seed}:txt:${i}`);
  yield {
    ...common,
    type: 'assistant',
    uuid: t,
    parentUuid: r,
    timestamp: at(),
    requestId: `${req}b`,
    message: {
      id: msg2,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: `Fixed file ${i}. ${pad}` }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: usage(60),
    },
  };
  ctx.last = t;
}

/**
 * Writes one session of `turns` turns to `path`; `padBytes` of text in each prompt, thinking,
 * tool output and answer set its size. Returns the bytes written and the model calls it bills.
 */
export function writeClaudeSession(
  path,
  { seed, cwd = '/home/bench/project', turns = 3, padBytes = 0, startMs = Date.parse('2026-11-01T00:00:00Z') },
) {
  const id = uuidFrom(seed);
  const ctx = { id, cwd, clock: startMs, last: null };
  const pad = 'x'.repeat(padBytes);
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const chunk = [];
    for (let i = 0; i < turns; i++) {
      for (const record of turn(seed, i, ctx, pad)) chunk.push(JSON.stringify(record));
      if (chunk.length >= 400 || i === turns - 1) {
        const text = `${chunk.join('\n')}\n`;
        bytes += writeSync(fd, text);
        chunk.length = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { id, bytes, modelCalls: turns * 2 };
}

/** `count` sessions spread over `projects` project folders under `home`. */
export function writeClaudeHome(home, { count, projects = 100, turns = 3 }) {
  for (let p = 0; p < projects; p++) mkdirSync(claudeProjectDir(home, `/home/bench/project-${p}`), { recursive: true });
  for (let i = 0; i < count; i++) {
    const p = i % projects;
    const seed = `bench:claude:${i}`;
    writeClaudeSession(join(claudeProjectDir(home, `/home/bench/project-${p}`), `${uuidFrom(seed)}.jsonl`), {
      seed,
      cwd: `/home/bench/project-${p}`,
      turns,
      startMs: Date.parse('2026-11-01T00:00:00Z') + i * 1000,
    });
  }
}
