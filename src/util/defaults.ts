import type { Settings } from '../config/schema.js';

const MiB = 1024 * 1024;

/**
 * The defaults of what a flag, then a setting, may change: the one place each value is written.
 * The command declarations show them in help, and the runs fall back to them.
 */
export const DEFAULTS = {
  /** Sessions (uploads, saves, pushes) in flight at once; setting `concurrency`. */
  concurrency: 4,
  /** The largest session file sent; setting `max_bytes`. */
  maxBytes: 20 * MiB,
  /** Retries per request after the first attempt. */
  retries: 3,
  /** Longest wait for an answer, or between body chunks (ms). */
  timeout: 30_000,
  /** Strings in an event longer than this are cut. */
  maxStringBytes: 256 * 1024,
  /** `traces serve`: the largest session upload accepted (413 above it). */
  serveMaxBytes: 100 * MiB,
  /** `traces serve`: a request body (or its headers) silent this long is answered 408 (ms). */
  bodyTimeout: 30_000,
  /**
   * `traces serve`: connections served at once. Well under the usual limit of 1024 open files: each
   * connection holds a socket, an upload also its temp file, and the store opens more while it works.
   */
  maxConnections: 256,
} as const;

/** A flag's value, else its setting, else the default: the one order every command follows. */
export function flagOrSetting(value: number | undefined, settings: Settings, key: 'concurrency' | 'max_bytes'): number {
  return value ?? settings[key] ?? (key === 'concurrency' ? DEFAULTS.concurrency : DEFAULTS.maxBytes);
}
