import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { BIN, assertBuilt } from '../helpers/spawn.js';

// The login prompt on a real terminal: tmux gives the built CLI a pseudo-terminal, the keys are
// typed into it, and the screen is read back. Ctrl-C or Ctrl-D = "cancelled", exit 130, no stack,
// and the terminal settings (`stty -g`) are the same after as before.

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

let tmp: ReturnType<typeof tempDir>;
let socket: string;

beforeAll(() => assertBuilt());

beforeEach(() => {
  tmp = tempDir();
  // A server of our own, so no other tmux on the machine is touched.
  socket = `traces-test-${process.pid}-${Date.now()}`;
});

afterEach(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  tmp.cleanup();
});

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-100', '-t', 'login');

/** Polls the screen until `pattern` shows (the event), failing with the screen after `limitMs`. */
async function waitForScreen(pattern: RegExp, limitMs = 20_000): Promise<string> {
  const end = Date.now() + limitMs;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`never saw ${pattern} on the terminal:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `traces login` in an 80x24 terminal; the shell around it reports the exit code and whether stty changed. */
function startLogin(): void {
  const command = [
    'before=$(stty -g)',
    `"${process.execPath}" "${BIN}" login --to http://127.0.0.1:9`,
    'code=$?',
    'if [ "$before" = "$(stty -g)" ]; then restored=yes; else restored=no; fi',
    'echo "[exit=$code restored=$restored]"',
    'sleep 600',
  ].join('; ');
  execFileSync(
    'tmux',
    ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'login', '-x', '80', '-y', '24', `sh -c '${command}'`],
    {
      env: {
        PATH: process.env.PATH ?? '',
        TERM: 'xterm-256color',
        HOME: join(tmp.path, 'home'),
        TRACES_CONFIG_DIR: join(tmp.path, 'config'),
        TRACES_STATE_DIR: join(tmp.path, 'state'),
      },
    },
  );
}

describe.skipIf(!hasTmux)('the login prompt on a terminal', () => {
  it.each([
    ['Ctrl-C', 'C-c'],
    ['Ctrl-D', 'C-d'],
  ])('%s: "cancelled", exit 130, no stack, the terminal restored, nothing typed shown or stored', async (_name, key) => {
    startLogin();
    await waitForScreen(/Paste your token/);
    if (key === 'C-c') tmux('send-keys', '-t', 'login', '-l', 'half-typed-secret');
    tmux('send-keys', '-t', 'login', key);
    const text = await waitForScreen(/\[exit=\d+ restored=\w+\]/);
    expect(text).toContain('[exit=130 restored=yes]');
    expect(text).toContain('error: cancelled');
    expect(text).not.toMatch(/this is a bug|\n\s+at /);
    expect(text).not.toContain('half-typed-secret');
    expect(existsSync(join(tmp.path, 'config', 'credentials.json'))).toBe(false);
  });
});
