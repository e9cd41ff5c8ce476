import type { Io } from './io.js';
import { isInteractive, wantsColor } from './io.js';
import { formatBytes } from './format.js';

/** Where a run stands, as the command last heard it. */
export interface Counts {
  done: number;
  total: number;
  failed: number;
  /** Bytes finished so far, and in all (when known: the sizes of the files to send). */
  bytes: number;
  totalBytes?: number;
}

/** A line of progress for a person: a live line on a TTY, nothing otherwise (lines are printed by the caller). */
export interface Progress {
  /** A live line is showing: the counts are on screen, so per-session lines are for problems only. */
  readonly interactive: boolean;
  /** Records the counts; never writes (drawing happens on a timer, off the data path). */
  update(counts: Counts): void;
  /** Prints a line above the live line (or plainly). */
  line(text: string): void;
  stop(): void;
}

/** Narrower than this, a live line cannot say anything useful: plain lines instead, as in a pipe. */
const MIN_COLUMNS = 20;
/** A terminal that reports no size (0 columns): assume the usual width. */
const UNKNOWN_COLUMNS = 80;
const FRAME_MS = 100;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The width a live line may use on this stream, or undefined when a live line does not fit. */
export function usableColumns(columns: number | undefined): number | undefined {
  const width = columns && Number.isFinite(columns) && columns > 0 ? Math.floor(columns) : UNKNOWN_COLUMNS;
  return width < MIN_COLUMNS ? undefined : width;
}

/**
 * The live line: `--json`, `--quiet`, a pipe, CI or a too narrow terminal get none. `update` only
 * stores numbers; a timer draws at most 10 frames a second, and a drawing that throws turns the
 * live line off instead of reaching the run.
 */
export function createProgress(io: Io, options: { label: string; json?: boolean; quiet?: boolean; color?: boolean }): Progress {
  const plain: Progress = { interactive: false, update() {}, line: (text) => io.stderr.write(`${text}\n`), stop() {} };
  const stream = io.stderr as NodeJS.WriteStream;
  if (options.json || options.quiet || !isInteractive(io) || usableColumns(stream.columns) === undefined) return plain;
  const color = wantsColor(io, options.color);
  const meter = new RateMeter();
  let counts: Counts | undefined;
  let frame = 0;
  let shown = false;
  let broken = false;
  const guard = (draw: () => void) => {
    if (broken) return;
    try {
      draw();
    } catch {
      broken = true;
    }
  };
  const clear = () => {
    if (shown) io.stderr.write('\r\x1b[K');
    shown = false;
  };
  const draw = () =>
    guard(() => {
      const width = usableColumns(stream.columns);
      if (!counts || width === undefined) return clear();
      const spinner = FRAMES[frame++ % FRAMES.length]!;
      const text = fit(progressText(options.label, counts, meter.rate()), width - 3);
      io.stderr.write(`\r${color ? `\x1b[36m${spinner}\x1b[39m` : spinner} ${text}\x1b[K`);
      shown = true;
    });
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  return {
    interactive: true,
    update: (next) => {
      counts = { ...next };
      meter.add(next.bytes, Date.now());
    },
    line: (text) => {
      guard(clear);
      io.stderr.write(`${text}\n`);
    },
    stop: () => {
      clearInterval(timer);
      guard(clear);
    },
  };
}

/** "Uploading 12/300 · 1.2 MiB of 3.0 MiB · 410 KiB/s · ETA 5s": counts, bytes, rate, time left. */
export function progressText(label: string, c: Counts, bytesPerSecond: number | undefined): string {
  const parts = [`${label} ${c.done}/${c.total}`];
  if (c.failed) parts.push(`${c.failed} failed`);
  parts.push(c.totalBytes ? `${formatBytes(c.bytes)} of ${formatBytes(c.totalBytes)}` : formatBytes(c.bytes));
  if (bytesPerSecond !== undefined) parts.push(`${formatBytes(Math.round(bytesPerSecond))}/s`);
  const left = c.totalBytes !== undefined ? c.totalBytes - c.bytes : undefined;
  if (bytesPerSecond && left !== undefined && left > 0 && c.done < c.total) parts.push(`ETA ${formatEta(left / bytesPerSecond)}`);
  return parts.join(' · ');
}

/** 75 → "1m15s", 4000 → "1h06m". */
export function formatEta(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Cuts a line to `width` characters (all characters drawn here are one column wide). */
export function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** Bytes per second over the last few seconds, so a slow start or a pause does not skew it for long. */
export class RateMeter {
  private samples: { bytes: number; at: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  add(bytes: number, at: number): void {
    this.samples.push({ bytes, at });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }

  /** Undefined until two samples are at least a tenth of a second apart. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 100) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }
}
