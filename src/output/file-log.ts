import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../core/logger.js';
import { redactor } from '../util/redact.js';

const MAX_LOG_BYTES = 1024 * 1024;

/**
 * A logger that appends timestamped lines to a file (the hook and its worker have no terminal).
 * The file is rotated to `<name>.1` past 1 MiB; every line is redacted.
 */
export function createFileLogger(
  path: string,
  options: { verbose?: boolean; secrets?: (string | undefined)[]; prefix?: string } = {},
): Logger {
  const redact = redactor(options.secrets ?? []);
  const prefix = options.prefix ? `${options.prefix} ` : '';
  const write = (level: string, message: string) => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      try {
        if (statSync(path).size > MAX_LOG_BYTES) renameSync(path, `${path}.1`);
      } catch {
        // no log yet
      }
      appendFileSync(path, `${new Date().toISOString()} ${prefix}${level}: ${redact(message)}\n`);
    } catch {
      // Logging must never be what fails the hook.
    }
  };
  return {
    debug: (message) => {
      if (options.verbose) write('debug', message);
    },
    warn: (message) => write('warning', message),
  };
}
