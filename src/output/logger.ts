import type { Logger } from '../core/logger.js';
import { redactor } from '../util/redact.js';
import type { Io } from './io.js';

// cli.ts reads the redactor from here; the rule itself lives in util/redact.ts.
export { redactor };

/**
 * The CLI's logger: warnings always, debug lines with --verbose, both on stderr. Every line passes
 * through `redact`, so a token that slipped into a message still never reaches the terminal.
 */
export function createLogger(
  io: Io,
  options: { verbose: boolean; secrets?: (string | undefined)[]; write?: (line: string) => void },
): Logger {
  const redact = redactor(options.secrets ?? []);
  const write = options.write ?? ((line: string) => io.stderr.write(`${line}\n`));
  return {
    debug: (message) => {
      if (options.verbose) write(`debug: ${redact(message)}`);
    },
    warn: (message) => write(`warning: ${redact(message)}`),
  };
}
