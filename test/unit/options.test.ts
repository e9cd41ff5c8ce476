import { InvalidArgumentError, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration, type OptionSpec } from '../../src/commands/define.js';
import { bytesOption, intOption } from '../../src/commands/options.js';
import { COMMANDS } from '../../src/commands/registry.js';
import { saveCommand } from '../../src/commands/sessions.def.js';
import { uploadCommand } from '../../src/commands/upload.def.js';
import { validateFlags } from '../../src/commands/validate.js';
import { UsageError } from '../../src/errors.js';
import { DEFAULTS } from '../../src/util/defaults.js';
import { runCli } from '../helpers/cli.js';

describe('intOption', () => {
  const concurrency = intOption(1, 64);

  it.each([
    ['1', 1],
    ['4', 4],
    ['64', 64],
    ['007', 7],
    [' 12 ', 12],
  ])('reads %j as %i', (raw, expected) => {
    expect(concurrency(raw)).toBe(expected);
  });

  it.each(['0', '65', '1000'])('refuses %j as out of range, naming the range', (raw) => {
    expect(() => concurrency(raw)).toThrow(InvalidArgumentError);
    expect(() => concurrency(raw)).toThrow(/between 1 and 64/);
  });

  it.each(['', ' ', 'abc', '1.5', '-1', '+3', '1e3', '0x10', '3abc', 'Infinity', 'NaN'])('refuses %j as not a whole number', (raw) => {
    expect(() => concurrency(raw)).toThrow(/not a whole number/);
  });

  it('refuses a number too large to be exact', () => {
    expect(() => intOption(0)('9007199254740993')).toThrow(/not a whole number/);
  });

  it('has no upper bound unless given one', () => {
    expect(intOption(1)('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(intOption(0, 20)('0')).toBe(0);
  });
});

describe('bytesOption', () => {
  const KiB = 1024;
  const MiB = 1024 ** 2;
  const GiB = 1024 ** 3;

  it.each([
    ['1', 1],
    ['1048576', MiB],
    ['1k', KiB],
    ['1K', KiB],
    ['2kb', 2 * KiB],
    ['3KiB', 3 * KiB],
    ['20M', 20 * MiB],
    ['20m', 20 * MiB],
    ['20 MB', 20 * MiB],
    ['5MiB', 5 * MiB],
    ['1g', GiB],
    ['2GB', 2 * GiB],
    ['1gib', GiB],
    [' 7 ', 7],
  ])('reads %j as %i bytes', (raw, expected) => {
    expect(bytesOption(raw)).toBe(expected);
  });

  it.each(['', 'abc', 'M', '20X', '1T', '1.5M', '-1', '20 M B', '0x10', '1e6', '20MBs'])('refuses %j as not a size', (raw) => {
    expect(() => bytesOption(raw)).toThrow(InvalidArgumentError);
    expect(() => bytesOption(raw)).toThrow(/not a size/);
  });

  it.each(['0', '0M', '99999999999999G'])('refuses %j as out of range', (raw) => {
    expect(() => bytesOption(raw)).toThrow(/out of range/);
  });
});

describe('command declarations', () => {
  it('name each option as commander does, so the handler gets what was declared', () => {
    for (const spec of COMMANDS) {
      for (const [key, option] of Object.entries<OptionSpec>(spec.options))
        expect(new Option(option.flag).attributeName(), `${spec.name} ${option.flag}`).toBe(key);
    }
  });

  it('validate with one schema per command, and the message names the flag, never zod', () => {
    const base = { retries: 3, timeout: 1000 };
    expect(validateFlags(uploadCommand, { ...base, concurrency: 8 })).toMatchObject({ concurrency: 8 });
    expect(() => validateFlags(uploadCommand, { ...base, concurrency: 0 })).toThrow(UsageError);
    expect(() => validateFlags(uploadCommand, { ...base, concurrency: 0 })).toThrow(
      '--concurrency: must be a whole number between 1 and 64 (got 0)',
    );
    expect(() => validateFlags(uploadCommand, { ...base, concurrency: Number.NaN })).toThrow(
      /^--concurrency: must be a whole number between 1 and 64/,
    );
    expect(() => validateFlags(uploadCommand, { ...base, retries: 21 })).toThrow(/^--retries: must be a whole number between 0 and 20/);
    expect(() => validateFlags(saveCommand, { ...base, origin: 'robot' })).toThrow(
      '--origin: must be one of user, worker, eval (got "robot")',
    );
    expect(() => validateFlags(uploadCommand, { ...base, maxBytes: 0 })).toThrow('--max-bytes: must be at least 1 byte');
    for (const bad of [{ concurrency: 'x' }, { maxBytes: -1 }, { force: 'yes' }]) {
      expect(() => validateFlags(uploadCommand, { ...base, ...bad })).not.toThrow(/expected|received|Invalid/);
    }
  });

  it('show each default in help from the one value the command falls back to', async () => {
    const env = { HOME: '/nonexistent' };
    const help = async (...argv: string[]) => ({ stdout: (await runCli([...argv, '--help'], { env })).stdout.replace(/\s+/g, ' ') });
    const upload = await help('upload');
    expect(upload.stdout).toContain('--max-bytes <n> largest file to send, e.g. 20M (default 20 MiB)');
    expect(upload.stdout).toContain(`(default ${DEFAULTS.concurrency})`);
    expect(upload.stdout).toContain(`(default: ${DEFAULTS.retries})`);
    const hook = await help('hook');
    expect(hook.stdout).toContain('(default: 15m)');
    expect(hook.stdout).not.toContain('--worker');
    const serve = await help('serve');
    expect(serve.stdout).toContain('(default 100 MiB)');
    expect(serve.stdout).toContain('(default 30s)');
  });

  it('spell durations in the largest unit that divides them', () => {
    expect([900_000, 1000, 10_000, 7_200_000, 1500, 0].map(formatDuration)).toEqual(['15m', '1s', '10s', '2h', '1500ms', '0ms']);
  });
});
