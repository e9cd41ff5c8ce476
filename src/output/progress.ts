import type { Io } from './io.js';
import { isInteractive } from './io.js';

/** A line of progress for a person: an ora spinner on a TTY, nothing otherwise (lines are printed by the caller). */
export interface Progress {
  /** A spinner is showing: the counts are on screen, so per-session lines are for problems only. */
  readonly interactive: boolean;
  update(text: string): void;
  /** Prints a line above the spinner (or plainly). */
  line(text: string): void;
  stop(): void;
}

export async function createProgress(io: Io, options: { json: boolean }): Promise<Progress> {
  if (options.json || !isInteractive(io)) {
    return { interactive: false, update() {}, line: (text) => io.stderr.write(`${text}\n`), stop() {} };
  }
  const { default: ora } = await import('ora');
  const spinner = ora({ stream: io.stderr as NodeJS.WriteStream, discardStdin: false }).start();
  return {
    interactive: true,
    update: (text) => {
      spinner.text = text;
    },
    line: (text) => {
      spinner.clear();
      io.stderr.write(`${text}\n`);
      spinner.render();
    },
    stop: () => spinner.stop(),
  };
}
