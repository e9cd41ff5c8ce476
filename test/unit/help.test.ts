import { readFileSync, readdirSync } from 'node:fs';
import type { Command } from 'commander';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wrapText } from '../../src/commands/help.js';
import { COMMANDS } from '../../src/commands/registry.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir();
afterAll(() => dir.cleanup());
const env = isolatedEnv(dir.path);
const cli = (...argv: string[]) => runCli(argv, { env });

/** Every command that help can name, groups included: `[]` is `traces` itself. */
const PATHS: string[][] = [
  [],
  ...new Set(COMMANDS.flatMap((c) => (c.name.includes(' ') ? [c.name.split(' ')[0]!, c.name] : [c.name]))),
].map((p) => (typeof p === 'string' ? p.split(' ') : p));

/** The lines of one section ("Examples:") of a help text, up to the next blank line. */
function section(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The words of an example as a shell passes them to traces: quotes removed, from `traces` to the first `|`, `<`, `>`, `&&`, `;` or `)`. */
function argvOf(example: string): string[] {
  const start = example.search(/(?:^|[\s(])traces(?=\s|$)/);
  const rest = example.slice(start).replace(/\).*$/, '');
  const words = [...rest.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  const end = words.findIndex((w) => ['|', '<', '>', '&&', ';'].includes(w));
  return words.slice(1, end < 0 ? undefined : end);
}

describe('help', () => {
  it.each(PATHS.map((p) => [p.join(' ') || '(top)', p]))(
    'of %s fits 80 columns, shows 2-4 examples and the variables read',
    async (_name, path) => {
      const { code, stdout } = await cli(...path, '--help');
      expect(code).toBe(0);
      const wide = stdout.split('\n').filter((line) => line.length > 80);
      expect(wide).toEqual([]);
      const examples = section(stdout, 'Examples:');
      expect(examples.length).toBeGreaterThanOrEqual(2);
      expect(examples.length).toBeLessThanOrEqual(4);
      for (const example of examples) expect(example).toMatch(/^ {2}\S.*\btraces\b|^ {2}traces /);
    },
  );

  it('names the environment variables of each command, from its options and its own list', async () => {
    const upload = section((await cli('upload', '--help')).stdout, 'Environment:').join('\n');
    for (const name of [
      'TRACES_API_URL',
      'PRIME_AGENT_TRACES_BASE_URL',
      'TRACES_UPLOAD_URL',
      'TRACES_SESSIONS_DIR',
      'PRIME_AGENT_SESSION_DIR',
      'TRACES_TOKEN',
      'TRACES_STATE_DIR',
      'CI',
      'NO_COLOR',
    ]) {
      expect(upload).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    }
    expect(section((await cli('serve', '--help')).stdout, 'Environment:').join('\n')).toContain('TRACES_SERVE_TOKEN');
    expect(section((await cli('hook', '--help')).stdout, 'Environment:').join('\n')).toContain('PRIME_AGENT_SESSION_FILE');
    for (const spec of COMMANDS.filter((c) => !['completion', 'version'].includes(c.name))) {
      expect(section((await cli(...spec.name.split(' '), '--help')).stdout, 'Environment:').length, spec.name).toBeGreaterThan(0);
    }
  });

  it('documents every TRACES_ or PRIME_ variable the code reads from the environment', async () => {
    const read = new Set<string>();
    const walk = (d: string): void => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(d, entry.name));
        else
          for (const [, name] of readFileSync(join(d, entry.name), 'utf8').matchAll(/(?:env\.|['"`])((?:TRACES|PRIME)_[A-Z_]*[A-Z])\b/g))
            read.add(name!);
      }
    };
    walk(join(import.meta.dirname, '../../src'));
    const all = (await Promise.all(PATHS.map(async (p) => section((await cli(...p, '--help')).stdout, 'Environment:').join('\n')))).join(
      '\n',
    );
    const missing = [...read].filter((name) => !all.includes(name));
    expect(missing).toEqual([]);
  });

  it('never breaks a flag from its value name when it wraps', async () => {
    for (const path of PATHS) {
      const { stdout } = await cli(...path, '--help');
      expect(stdout, path.join(' ')).not.toMatch(/--[\w-]+\n\s+<[\w-]/);
    }
  });

  it('wraps text between words, never between a flag and its value name', () => {
    expect(wrapText('set it with --max-bytes <n> or not', 20)).toBe('set it with\n--max-bytes <n> or\nnot');
    expect(wrapText('a --label <key=value> b', 12).split('\n')).toContain('--label <key=value>');
  });

  it('gives examples that traces parses as written', async () => {
    const { buildProgram } = await import('../../src/cli.js');
    for (const spec of COMMANDS) {
      for (const example of spec.examples) {
        const argv = argvOf(example);
        const io = {
          stdout: process.stdout,
          stderr: process.stderr,
          stdin: process.stdin,
          env,
          cwd: dir.path,
          stdinIsTTY: false,
          stderrIsTTY: false,
        };
        const program = buildProgram(io, () => {});
        const reached: string[] = [];
        const stub = (command: Command): void => {
          for (const sub of command.commands) {
            if (sub.commands.length === 0) sub.action(() => void reached.push(sub.name()));
            stub(sub);
          }
        };
        stub(program);
        if (argv.includes('--version')) continue; // prints and stops, which it does in the test below
        await expect(program.parseAsync(argv, { from: 'user' }), example).resolves.toBeDefined();
        expect(reached, example).toEqual([spec.name.split(' ').at(-1)]);
      }
    }
  });

  it('`traces help <words>` shows the help of that command, subcommands included', async () => {
    const save = await cli('help', 'sessions', 'save');
    expect(save.code).toBe(0);
    expect(save.stdout).toMatch(/^Usage: traces sessions save /);
    expect((await cli('sessions', 'help', 'patch')).stdout).toMatch(/^Usage: traces sessions patch /);
    expect((await cli('help', 'exit-codes')).stdout).toMatch(/^Exit codes:\n {2}0 /);
  });

  it.each([['nonexistent'], ['sessions', 'nope'], ['upload', 'extra']])(
    '`traces help %s` is a usage error naming the command',
    async (...words) => {
      const { code, stderr, stdout } = await cli('help', ...words);
      expect(code).toBe(2);
      expect(stderr).toMatch(/unknown command '(nonexistent|nope|extra)'/);
      expect(stdout).toBe('');
    },
  );

  it('bare `traces` prints help on stdout and exits 0', async () => {
    const { code, stdout } = await cli();
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: traces /);
  });

  it('an unknown flag says so and suggests the right one', async () => {
    const { code, stderr } = await cli('upload', '--concurency', '3');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--concurency'");
    expect(stderr).toContain('--concurrency');
  });
});

describe('version', () => {
  it.each([['--version'], ['-V'], ['version']])('`traces %s` prints the version of traces and of Node.js', async (arg) => {
    const { code, stdout } = await cli(arg);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `traces ${JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')).version} (node ${process.version})\n`,
    );
  });
});

describe('bad values', () => {
  it.each([
    [['config', 'set', 'concurrency', 'abc'], 'concurrency'],
    [['config', 'set', 'concurrency', '0'], 'concurrency'],
    [['config', 'set', 'max_bytes', '20X'], 'max_bytes'],
    [['config', 'set', 'max_bytes', '1.5'], 'max_bytes'],
    [['config', 'set', 'org', 'a b'], 'org'],
    [['upload', '--concurrency', '0'], '--concurrency'],
    [['upload', '--concurrency', 'x'], '--concurrency'],
    [['upload', '--retries', 'x'], '--retries'],
    [['upload', '--timeout', '0'], '--timeout'],
    [['upload', '--max-bytes', '0'], '--max-bytes'],
    [['hook', '--wait', '--give-up-after', 'soon'], '--give-up-after'],
    [['sessions', 'save', '--origin', 'robot'], '--origin'],
    [['serve', '--port', '99999'], '--port'],
    [['completion', 'tcsh'], 'tcsh'],
  ])('traces %j: exit 2, names %s, no zod words', async (argv, names) => {
    const { code, stderr } = await cli(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(names);
    expect(stderr).not.toMatch(/expected|received|Invalid input|NaN/);
  });

  it('a bad number in the settings file names the file and the setting in plain words', async () => {
    const own = tempDir();
    try {
      const ownEnv = isolatedEnv(own.path);
      const { mkdirSync, writeFileSync } = await import('node:fs');
      mkdirSync(ownEnv.TRACES_CONFIG_DIR!, { recursive: true });
      writeFileSync(join(ownEnv.TRACES_CONFIG_DIR!, 'config.json'), '{"concurrency":"abc"}');
      const { code, stderr } = await runCli(['config', 'list'], { env: ownEnv });
      expect(code).toBe(2);
      expect(stderr).toContain('config.json: setting "concurrency"');
      expect(stderr).not.toMatch(/expected|received|Invalid input|NaN/);
    } finally {
      own.cleanup();
    }
  });
});
