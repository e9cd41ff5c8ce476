import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole number in [min, max]; the message names the flag. */
export function intOption(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw new InvalidArgumentError(`"${raw}" is not a whole number.`);
    if (value < min || value > max) throw new InvalidArgumentError(`must be between ${min} and ${max} (got ${value}).`);
    return value;
  };
}

/** A byte count: a whole number, optionally with a K/M/G (KiB/MiB/GiB) suffix. */
export function bytesOption(raw: string): number {
  const match = /^(\d+)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(raw.trim());
  if (!match) throw new InvalidArgumentError(`"${raw}" is not a size (a number of bytes, or e.g. 20M).`);
  const unit = (match[2] ?? '').toLowerCase()[0];
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const value = Number(match[1]) * scale;
  if (value < 1 || !Number.isSafeInteger(value)) throw new InvalidArgumentError(`"${raw}" is out of range.`);
  return value;
}

/** A duration: a whole number of milliseconds, or with a unit: 500ms, 30s, 15m, 2h. */
export function durationOption(raw: string): number {
  const match = /^(\d+)\s*(ms|s|m|h)?$/i.exec(raw.trim());
  if (!match) throw new InvalidArgumentError(`"${raw}" is not a duration (e.g. 900000, 30s, 15m).`);
  const unit = (match[2] ?? 'ms').toLowerCase();
  const scale = unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1;
  return Number(match[1]) * scale;
}
