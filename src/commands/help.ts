import { Help, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { ENV_VARS, type EnvName } from './env-vars.js';

/** Help never runs wider than this, so that it reads the same in a terminal, a pager and a log. */
export const HELP_WIDTH = 80;

/** The width to wrap help at: the terminal's when it is narrower than 80 (and not absurdly so). */
export function helpWidth(stream: NodeJS.WritableStream): number {
  const columns = (stream as { isTTY?: boolean; columns?: number }).isTTY ? (stream as { columns?: number }).columns : undefined;
  return columns !== undefined && columns >= 40 && columns < HELP_WIDTH ? columns : HELP_WIDTH;
}

/**
 * Words of help text, where a flag keeps its value name (`--max-bytes <n>`), so that wrapping
 * never leaves `--max-bytes` at the end of one line and `<n>` at the start of the next.
 */
const CHUNK = /\s*(?:-[-\w]+[ =][<[][^\s>\]]*[>\]]|\S+)/g;

/** Wraps text at `width`, keeping line breaks already there. */
export function wrapText(text: string, width: number): string {
  return text
    .split(/\r?\n/)
    .map((line) => {
      const lines: string[] = [];
      let current = '';
      for (const chunk of line.match(CHUNK) ?? []) {
        if (current !== '' && current.length + chunk.length > width) {
          lines.push(current);
          current = chunk.trimStart();
        } else current += chunk;
      }
      lines.push(current);
      return lines.join('\n');
    })
    .join('\n');
}

/** What help shows after a command's options: invocations to copy and the variables it reads. */
export interface HelpExtras {
  examples: string[];
  env: readonly EnvName[];
}

const extras = new WeakMap<Command, HelpExtras>();

export function setHelpExtras(command: Command, value: HelpExtras): void {
  extras.set(command, value);
}

/** commander's help, wrapped at 80 columns by flag-keeping words, with "Examples:" and "Environment:" sections. */
export const helpConfiguration: Partial<Help> = {
  boxWrap(this: Help, text: string, width: number): string {
    return width < this.minWidthToWrap ? text : wrapText(text, width);
  },
  formatHelp(this: Help, command: Command, helper: Help): string {
    const base = Help.prototype.formatHelp.call(this, command, helper);
    const extra = extras.get(command);
    if (!extra) return base;
    const sections: string[][] = [];
    if (extra.examples.length > 0) sections.push([helper.styleTitle('Examples:'), ...extra.examples.map((example) => `  ${example}`)]);
    if (extra.env.length > 0) {
      const width = Math.max(...extra.env.map((name) => name.length));
      sections.push([
        helper.styleTitle('Environment:'),
        ...extra.env.map((name) => helper.formatItem(name, width, ENV_VARS[name], helper)),
      ]);
    }
    return [base, ...sections.map((lines) => `${lines.join('\n')}\n`)].join('\n');
  },
};

/**
 * The command that `traces help <words...>` names: `help sessions save` is the help of `sessions
 * save`. A word that names no command is a usage error, as it would be without `help`.
 */
export function commandAt(program: Command, words: string[]): Command {
  let command = program;
  for (const word of words) {
    const visible = new Help().visibleCommands(command);
    const next = visible.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) {
      const where = command === program ? '' : ` of "${commandPath(command)}"`;
      const names = visible.map((c) => c.name());
      throw new UsageError(
        `unknown command '${word}'${where}`,
        names.length > 0 ? `Commands: ${names.join(', ')}.` : `"${commandPath(command)}" has no subcommands.`,
      );
    }
    command = next;
  }
  return command;
}

function commandPath(command: Command): string {
  const words: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}
