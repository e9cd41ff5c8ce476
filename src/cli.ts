import { Argument, Command, CommanderError, Option } from 'commander';
import { EXIT, TracesError, describeError } from './errors.js';
import { processIo, type Io } from './output/io.js';
import { redactor } from './output/logger.js';
import { knownSecrets } from './config/credentials.js';
import { VERSION } from './version.js';
import { versionLine } from './commands/version.js';
import { systemFsError } from './util/fs-error.js';
import {
  describeOption,
  envOf,
  parserOf,
  showValue,
  withFallbacks,
  type Arg,
  type CommandSpec,
  type OptionSpec,
} from './commands/define.js';
import { commandAt, helpConfiguration, helpWidth, setHelpExtras } from './commands/help.js';
import { COMMANDS, GROUPS } from './commands/registry.js';

const EXIT_CODES_HELP = `Exit codes:
  0  everything asked for was done (uploaded, or already unchanged)
  1  some work failed: a session failed, was too large or invalid; a network or
     server error
  2  usage or configuration error: unknown flag, bad value, missing path, bad
     --to, bad setting
  4  authentication: no credential (run \`traces login\` or set TRACES_TOKEN),
     or the server said 401/403
`;

/** Builds the program. Every action loads its command module only when it runs. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('traces')
    .description('Upload and manage coding-agent session traces.')
    .version(versionLine(), '-V, --version', 'print the version of traces and of Node.js')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => helpWidth(io.stdout),
      getErrHelpWidth: () => helpWidth(io.stderr),
    })
    .configureHelp(helpConfiguration)
    .exitOverride();
  addHelpCommand(program, io, setExit);

  const groups = new Map<string, Command>();
  for (const spec of COMMANDS as CommandSpec[]) {
    const words = spec.name.split(' ');
    let parent = program;
    if (words.length > 1) {
      const group = words[0]!;
      parent = groups.get(group) ?? addGroup(program, group, io, setExit);
      groups.set(group, parent);
      // A group's examples are the first of each of its commands (all of them for a group of one).
      const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
      setHelpExtras(parent, {
        examples: (members.length > 1 ? members.map((c) => c.examples[0]!) : members[0]!.examples).slice(0, 4),
        env: [],
      });
    }
    const command = parent.command(words.at(-1)!).description(spec.summary);
    for (const arg of spec.args ?? []) command.addArgument(commanderArgument(arg));
    for (const [key, option] of Object.entries<OptionSpec>(spec.options)) command.addOption(commanderOption(key, option));
    setHelpExtras(command, { examples: spec.examples, env: envOf(spec) });
    if (spec.after) command.addHelpText('after', spec.after);
    command.action(async (...values: unknown[]) => {
      const flags = (values.at(-1) as Command).opts();
      const positional = values
        .slice(0, spec.args?.length ?? 0)
        .flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]));
      setExit(await runCommand(spec, positional, flags, io));
    });
  }

  setHelpExtras(program, { examples: ['traces upload', 'traces tree', 'traces help upload', 'traces help exit-codes'], env: [] });
  program.addHelpText('after', `\n${EXIT_CODES_HELP}\nRun \`traces help <command>\` for a command's options and examples.`);
  return program;
}

function addGroup(program: Command, name: string, io: Io, setExit: (code: number) => void): Command {
  const group = program.command(name).description(GROUPS[name] ?? '');
  addHelpCommand(group, io, setExit);
  return group;
}

/**
 * `help [command...]` in place of commander's, which shows the top help with exit 0 for a command
 * that does not exist and reads only one word (`help sessions save` showed the help of `sessions`).
 */
function addHelpCommand(parent: Command, io: Io, setExit: (code: number) => void): void {
  parent.helpCommand(false);
  parent
    .command('help')
    .description('show the help of a command')
    .argument('[command...]', parent.parent ? 'a command of this group' : 'a command, e.g. upload or sessions save')
    .action((words: string[]) => {
      if (!parent.parent && words.length === 1 && words[0] === 'exit-codes') io.stdout.write(EXIT_CODES_HELP);
      else commandAt(parent, words).outputHelp();
      setExit(EXIT.ok);
    });
}

function commanderArgument([name, description, choices]: Arg): Argument {
  const argument = new Argument(name, description);
  if (choices) argument.choices(choices);
  return argument;
}

/** The commander option of a declared one; its attribute must be the declaration's key. */
function commanderOption(key: string, option: OptionSpec): Option {
  const built = new Option(option.flag, describeOption(option));
  const parse = parserOf(option);
  if (parse) built.argParser(parse);
  if (option.choices) built.choices(option.choices);
  // Sizes and durations read better as 20 MiB and 15m than as a count of bytes or milliseconds.
  if (option.default !== undefined && option.kind !== 'negated') {
    built.default(option.default, option.kind === 'bytes' || option.kind === 'duration' ? showValue(option, option.default) : undefined);
  }
  if (option.required) built.makeOptionMandatory();
  if (option.hidden) built.hideHelp();
  if (built.attributeName() !== key) throw new Error(`option ${option.flag} is declared as "${key}", not "${built.attributeName()}"`);
  return built;
}

/** Loads the handler (and the validator) only now, fills in the defaults, checks the flags once, runs. */
async function runCommand(spec: CommandSpec, args: string[], parsed: Record<string, unknown>, io: Io): Promise<number> {
  const filled = withFallbacks(spec.options, parsed);
  if (spec.skipSchema?.(filled)) return (await spec.load())(args, filled, io);
  const [handler, { validateFlags }] = await Promise.all([spec.load(), import('./commands/validate.js')]);
  return handler(args, validateFlags(spec, filled), io);
}

/** Runs the CLI in-process and returns the exit code; tests call this directly. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    // Bare `traces` is a request for help, as with gh: on stdout, exit 0.
    if (argv.length === 0) argv = ['help'];
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    const secrets = knownSecrets(io.env);
    return reportError(error, io, { json: argv.includes('--json'), secrets });
  }
}

/**
 * The one place errors become exit codes. Messages are redacted once more here (a server may
 * echo a key back); with --json, stdout still carries one JSON document.
 */
export function reportError(error: unknown, io: Io, options: { json?: boolean; secrets?: (string | undefined)[] } = {}): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage; // commander already printed the message
  }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'EMFILE' || errno === 'ENFILE') {
    // The machine's limit, not a bug: often met while loading modules under a low `ulimit -n`.
    error = new TracesError(`too many open files (${errno}): ${describeError(error)}`, {
      code: 'too_many_open_files',
      exitCode: EXIT.failed,
      hint: 'Raise the limit of open files (ulimit -n; 1024 is plenty) and run again.',
    });
  }
  if (error instanceof TracesError) {
    const redact = redactor(options.secrets ?? []);
    const message = redact(error.message);
    io.stderr.write(`error: ${message}\n`);
    if (error.hint) io.stderr.write(`${error.hint}\n`);
    if (options.json) io.stdout.write(`${JSON.stringify({ error: { code: error.code, message, exit_code: error.exitCode } })}\n`);
    return error.exitCode;
  }
  // A file-system error that names its path and call came from the environment, not from a bug.
  const fsProblem = systemFsError(error);
  if (fsProblem) return reportError(fsProblem, io, options);
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`error: unexpected failure; this is a bug in traces ${VERSION}, please report it:\n${detail}\n`);
  return EXIT.failed;
}

/** The entry point of bin/traces.js: the only process.exit, after stdout has drained. */
export function run(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  });
}
