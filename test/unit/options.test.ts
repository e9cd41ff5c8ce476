import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { bytesOption, intOption } from '../../src/commands/options.js';

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
