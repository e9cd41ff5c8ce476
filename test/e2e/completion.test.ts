import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { BIN, assertBuilt } from '../helpers/spawn.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

function script(shell: string): string {
  return execFileSync(process.execPath, [BIN, 'completion', shell], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir.path } });
}

function installed(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0;
}

describe('traces completion', () => {
  let bashScript: string;
  beforeAll(() => {
    assertBuilt();
    bashScript = join(dir.path, 'traces.bash');
    writeFileSync(bashScript, script('bash'));
  });

  /** What bash offers after `line` (the last word is the one being completed). */
  function complete(line: string): string[] {
    const words = line.split(' ');
    const program = `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _traces; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['-c', program, 'bash', bashScript], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  }

  it.each([
    ['traces up', ['upload']],
    ['traces upload --ma', ['--max-bytes']],
    ['traces sessions s', ['save']],
    ['traces sessions save --origin ', ['user', 'worker', 'eval']],
    ['traces sessions save --visibility ', ['private', 'workspace']],
    ['traces completion ', ['bash', 'zsh', 'fish']],
    ['traces help sessions p', ['patch']],
    ['traces config ', ['get', 'set', 'unset', 'list', 'path', 'help']],
    ['traces --ver', ['--version']],
    ['traces events push --to ./store --cross', ['--cross-session']],
  ])('bash completes %j to %j', (line, expected) => {
    expect(complete(line)).toEqual(expected);
  });

  it('bash leaves the value of --to and a path argument to file-name completion', () => {
    expect(complete('traces upload --to ')).toEqual([]);
    expect(complete('traces upload ')).toEqual([]);
    expect(complete('traces upload --concurrency ')).toEqual([]);
    // A number is not a file name: there the shell's default (file names) is turned off.
    expect(script('bash')).toMatch(/\|--concurrency\|[^)]*\) compopt \+o default/);
    expect(execFileSync('bash', ['-c', 'source "$1"; complete -p traces', 'bash', bashScript], { encoding: 'utf8' })).toContain(
      '-o default -F _traces traces',
    );
  });

  it('zsh: a compdef script naming every command, with flags and their choices', () => {
    const text = script('zsh');
    expect(text.startsWith('#compdef traces\n')).toBe(true);
    expect(text).toContain("'upload:upload session files");
    expect(text).toContain("'--max-bytes:largest file to send, e.g. 20M'");
    expect(text).toContain('--origin) compadd -- user worker eval');
    if (installed('zsh')) {
      const file = join(dir.path, '_traces');
      writeFileSync(file, text);
      expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
    }
  });

  it('fish: complete lines for every command, with flags and their choices', () => {
    const text = script('fish');
    expect(text).toMatch(/^complete -c traces -n 'test \(__traces_node\) = \\'traces\\'' -a upload -d /m);
    expect(text).toMatch(/-n 'test \(__traces_node\) = \\'traces sessions save\\'' -l origin -x -a 'user worker eval' -d /);
    expect(text).toMatch(/-n 'test \(__traces_node\) = \\'traces upload\\'' -l sessions-dir -r -F -d /);
    expect(text).toMatch(/-n 'test \(__traces_node\) = \\'traces upload\\'' -l max-bytes -x -d /);
    if (installed('fish')) {
      const file = join(dir.path, 'traces.fish');
      writeFileSync(file, text);
      expect(spawnSync('fish', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
    }
  });

  it('refuses a shell it does not know, with exit 2', () => {
    const result = spawnSync(process.execPath, [BIN, 'completion', 'tcsh'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir.path },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('bash, zsh, fish');
  });
});
