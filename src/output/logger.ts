import type { Logger } from '../core/logger.js';
import type { Io } from './io.js';

/**
 * The CLI's logger: warnings always, debug lines with --verbose, both on stderr. Every line passes
 * through `redact`, so a token that slipped into a message still never reaches the terminal.
 */
export function createLogger(io: Io, options: { verbose: boolean; secrets?: (string | undefined)[]; write?: (line: string) => void }): Logger {
  const redact = redactor(options.secrets ?? []);
  const write = options.write ?? ((line: string) => io.stderr.write(`${line}\n`));
  return {
    debug: (message) => {
      if (options.verbose) write(`debug: ${redact(message)}`);
    },
    warn: (message) => write(`warning: ${redact(message)}`),
  };
}

export function redactor(secrets: (string | undefined)[]): (text: string) => string {
  const kept = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  if (kept.length === 0) return (text) => text;
  return (text) => kept.reduce((out, secret) => out.split(secret).join('[REDACTED]'), text);
}
