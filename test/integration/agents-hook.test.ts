import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useAgentWorld } from '../helpers/agent-world.js';
import { writeClaudeHome } from '../helpers/agent-files/claude.js';
import { CHILD_ID, ROOT_ID, writeCodexHome } from '../helpers/agent-files/codex.js';
import { writeGeminiHome } from '../helpers/agent-files/gemini.js';

/**
 * `traces hook` as each agent calls it: Claude Code's Stop/SubagentStop and Gemini CLI's
 * AfterAgent hooks write JSON on stdin naming the transcript; Codex's `notify` program gets one
 * JSON argument naming the thread. `--wait` runs the upload in the foreground, so the test sees
 * what reached `traces serve`.
 */
const world = useAgentWorld();

const sent = () => world.sent();

describe('traces hook, wired into each agent', () => {
  it("Claude Code's Stop hook: the session and every sub-agent of it", async () => {
    const claude = writeClaudeHome(world.home);
    const stdin = JSON.stringify({
      session_id: claude.main.id,
      transcript_path: claude.main.path,
      cwd: claude.cwd,
      permission_mode: 'default',
      hook_event_name: 'Stop',
      stop_hook_active: false,
    });
    const result = await runCli(['hook', '--wait'], { env: world.env, stdin });
    expect(result.code, result.stderr).toBe(0);
    expect(sent().sort()).toEqual([claude.main.id, claude.subagent.id, claude.nested.id].sort());
  });

  it("Claude Code's older layout: sub-agents beside the session are found by their parent", async () => {
    const claude = writeClaudeHome(world.home);
    const stdin = JSON.stringify({ session_id: claude.oldMain.id, transcript_path: claude.oldMain.path, hook_event_name: 'SubagentStop' });
    const result = await runCli(['hook', '--wait'], { env: world.env, stdin });
    expect(result.code, result.stderr).toBe(0);
    expect(sent().sort()).toEqual([claude.oldMain.id, claude.oldSubagent.id].sort());
  });

  it("Codex's notify: the thread named by thread-id, found in CODEX_HOME's dated folders", async () => {
    writeCodexHome(world.home);
    const notice = JSON.stringify({
      type: 'agent-turn-complete',
      'thread-id': CHILD_ID,
      'turn-id': '1',
      cwd: '/home/ann/web.app',
      'input-messages': ['go'],
      'last-assistant-message': 'done',
    });
    const result = await runCli(['hook', '--wait', '--agent', 'codex', notice], { env: world.env });
    expect(result.code, result.stderr).toBe(0);
    expect(sent()).toContain(CHILD_ID);
    expect(sent()).not.toContain(ROOT_ID);
  });

  it('a notification naming a thread nobody has is a usage error (exit 2)', async () => {
    writeCodexHome(world.home);
    const notice = JSON.stringify({ type: 'agent-turn-complete', 'thread-id': '019da1a0-0000-7000-8000-00000000dead' });
    const result = await runCli(['hook', '--wait', '--agent', 'codex', notice], { env: world.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('019da1a0-0000-7000-8000-00000000dead');
  });

  it('an argument that is not JSON is a usage error naming it', async () => {
    const result = await runCli(['hook', '--wait', 'not-json'], { env: world.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not-json');
  });

  it("Gemini CLI's AfterAgent hook: the chat and its sub-agent chat", async () => {
    const gemini = writeGeminiHome(world.home);
    const stdin = JSON.stringify({
      session_id: gemini.expected.main.id,
      transcript_path: gemini.main,
      cwd: gemini.projectRoot,
      hook_event_name: 'AfterAgent',
      prompt: 'p',
      prompt_response: 'r',
      stop_hook_active: false,
    });
    const result = await runCli(['hook', '--wait'], { env: world.env, stdin });
    expect(result.code, result.stderr).toBe(0);
    expect(sent().sort()).toEqual([gemini.expected.main.id, gemini.expected.sub.id].sort());
  });

  it('Gemini CLI may leave transcript_path empty: the session id is looked up among the chosen agents', async () => {
    const gemini = writeGeminiHome(world.home);
    const stdin = JSON.stringify({ session_id: gemini.expected.main.id, transcript_path: '', hook_event_name: 'AfterAgent' });
    const result = await runCli(['hook', '--wait', '--agent', 'gemini'], { env: world.env, stdin });
    expect(result.code, result.stderr).toBe(0);
    expect(sent()).toContain(gemini.expected.main.id);
  });
});
