import { Command, CommanderError, Option } from 'commander';
import { EXIT, TracesError } from './errors.js';
import { processIo, type Io } from './output/io.js';
import { redactor } from './output/logger.js';
import { VERSION } from './version.js';
import { systemFsError } from './util/fs-error.js';
import { NET_DEFAULTS, bytesOption, durationOption, intOption } from './commands/options.js';

const EXIT_CODES_HELP = `Exit codes:
  0  everything asked for was done (uploaded, or already unchanged)
  1  some work failed: a session failed, was too large or invalid; a network or server error
  2  usage or configuration error: unknown flag, bad value, missing path, bad --to, bad setting
  4  authentication: no credential (run \`traces login\` or set TRACES_TOKEN), or the server said 401/403
`;

/** Builds the program. Every action loads its command module only when it runs. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('traces')
    .description('Upload and manage coding-agent session traces.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();

  const run = (fn: () => Promise<number>) => async () => setExit(await fn());
  const backendOptions = (cmd: Command) =>
    cmd
      .option('--to <url-or-dir>', 'backend: an https:// URL, a loopback http:// URL, or a folder (the local store)')
      .option('--sessions-dir <dir>', 'where root sessions live (default ~/.prime/agent/sessions)')
      .option('--allow-http', 'allow a plain http:// backend that is not on this machine');

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const netOptions = (cmd: Command) =>
    backendOptions(cmd)
      .option('--retries <n>', 'retries per request after the first attempt', intOption(0, 20), NET_DEFAULTS.retries)
      .option('--timeout <ms>', 'longest wait for an answer, or between body chunks', intOption(1), NET_DEFAULTS.timeout)
      .option('--json', 'print one JSON document on stdout')
      .option('--verbose', 'print each request and retry on stderr');

  netOptions(program.command('upload').argument('[path...]', 'session files or folders (default: the sessions dir and its artifacts)'))
    .description('upload session files (PUT, overwriting), skipping what the ledger says is unchanged')
    .option('--force', 'ignore the ledger: send every session again')
    .option('--dry-run', 'show what would be sent, send nothing')
    .option('--concurrency <n>', 'sessions sent at once (default 4)', intOption(1, 64))
    .option('--max-bytes <n>', 'largest file to send, e.g. 20M (default 20 MiB)', bytesOption)
    .action(async (paths: string[], flags) => {
      const { upload } = await import('./commands/upload.js');
      await run(() => upload(paths, flags, io))();
    });

  backendOptions(program.command('tree').argument('[path]', 'a session file or folder (default: the sessions dir and its artifacts)'))
    .description('show the recursion tree: id, kind (root / sub-agent / fork), size, upload state')
    .option('--json', 'print the tree as nested JSON objects')
    .action(async (path: string | undefined, flags) => {
      const { tree } = await import('./commands/tree.js');
      await run(() => tree(path, flags, io))();
    });

  backendOptions(program.command('status'))
    .description('what is uploaded, pending, failed or too large, per backend')
    .option('--json', 'print one JSON document on stdout')
    .action(async (flags) => {
      const { status } = await import('./commands/status.js');
      await run(() => status(flags, io))();
    });

  const sessions = program.command('sessions').description('session metadata: save, patch, create');
  netOptions(sessions.command('save').argument('[file-or-id...]', 'session files, or ids found under the sessions dir'))
    .description('save session metadata (POST /api/v1/org/{org}/ws/{workspace}/sessions)')
    .option('--all', 'save every session under the sessions dir')
    .option('--dry-run', 'print the bodies that would be sent, send nothing')
    .option('--org <slug>', 'organisation (default: config org)')
    .option('--workspace <slug>', 'workspace (default: config workspace)')
    .option('--model <model>', 'override the model found in the file')
    .option('--title <title>', 'override the title found in the file')
    .option('--label <key=value>', 'add a label (repeatable; a key may take several values)', collect)
    .addOption(new Option('--origin <origin>', 'who made the session').choices(['user', 'worker', 'eval']))
    .addOption(new Option('--visibility <visibility>', 'who may see it').choices(['private', 'workspace']))
    .option('--project-id <id>', 'project id')
    .option('--runtime-id <uuid>', 'runtime id (a UUID)')
    .option('--concurrency <n>', 'saves at once (default 4)', intOption(1, 64))
    .action(async (args: string[], flags) => {
      const { save } = await import('./commands/sessions.js');
      await run(() => save(args, flags, io))();
    });
  netOptions(sessions.command('patch').argument('<id-or-file>', 'session_<32 hex>, a UUID, or a session file'))
    .description('change a session\'s title or tags (PATCH /v1/sessions/{id}); tags replace the list')
    .option('--title <title>', 'set the title')
    .option('--clear-title', 'remove the title')
    .option('--tag <tag>', 'a tag (repeatable); the list replaces the session\'s tags', collect)
    .option('--clear-tags', 'remove every tag')
    .action(async (arg: string, flags) => {
      const { patch } = await import('./commands/sessions.js');
      await run(() => patch(arg, flags, io))();
    });

  netOptions(sessions.command('create').argument('<file-or-id>', 'a session file, or an id found under the sessions dir'))
    .description('start the session on the events backend (POST /v1/sessions); repeating only merges metadata')
    .action(async (arg: string, flags) => {
      const { create } = await import('./commands/events.js');
      await run(() => create(arg, flags, io))();
    });

  const events = program.command('events').description('sessions as event batches: push, send');
  netOptions(events.command('push').argument('[path...]', 'session files or folders (default: the sessions dir and its artifacts)'))
    .description('convert sessions to events and send only what is new (POST /v1/sessions/{id}/events/batch)')
    .option('--force', 'send every event again (same ids: the backend keeps one of each)')
    .option('--cross-session', 'send through POST /v1/events/batch, many sessions per request')
    .option('--max-string <bytes>', 'cut longer strings in an event, e.g. 256K (default 256 KiB)', bytesOption)
    .option('--concurrency <n>', 'sessions at once (default 4)', intOption(1, 64))
    .action(async (paths: string[], flags) => {
      const { push } = await import('./commands/events.js');
      await run(() => push(paths, flags, io))();
    });
  netOptions(events.command('send'))
    .description('send events someone else produced: one JSON object a line, checked before sending')
    .requiredOption('--session <id>', 'the session the events belong to')
    .requiredOption('--file <path>', 'NDJSON file of events, or - for stdin')
    .action(async (flags) => {
      const { send } = await import('./commands/events.js');
      await run(() => send(flags, io))();
    });

  netOptions(program.command('watch').argument('[path...]', 'session files or folders (default: the sessions dir and its artifacts)'))
    .description('catch up, then keep uploading sessions as they change, until stopped')
    .option('--max-bytes <n>', 'largest file to send, e.g. 20M (default 20 MiB)', bytesOption)
    .option('--concurrency <n>', 'uploads at once (default 4)', intOption(1, 64))
    .option('--debounce <ms>', 'quiet time after a change before uploading', durationOption, 1000)
    .option('--min-interval <ms>', 'at most one upload per session this often; a session that keeps changing is still sent this often', durationOption, 10_000)
    .option('--flush-timeout <ms>', 'on SIGINT/SIGTERM, how long to keep sending what is pending', durationOption, 10_000)
    .option('--poll', 'poll the file system instead of OS events (network drives)')
    .option('--save', 'also save each uploaded session\'s metadata')
    .option('--events', 'also push each uploaded session\'s events')
    .action(async (paths: string[], flags) => {
      const { watch } = await import('./commands/watch.js');
      await run(() => watch(paths, flags, io))();
    });

  backendOptions(program.command('hook'))
    .description('the agent\'s post-run hook: queue the session and its sub-agents durably, upload in the background, return at once')
    .option('--session <file>', 'the session file (else JSON on stdin: session_file, sessionFile or transcript_path; else PRIME_AGENT_SESSION_FILE)')
    .option('--max-bytes <n>', 'largest file to send, e.g. 20M (default 20 MiB)', bytesOption)
    .option('--wait', 'upload in the foreground and return the upload\'s exit code')
    .option('--save', 'also save the sessions\' metadata (needs config org and workspace)')
    .option('--events', 'also push the sessions\' events')
    .option('--give-up-after <duration>', 'how long the worker keeps retrying an unreachable backend (e.g. 15m)', durationOption, 15 * 60_000)
    .addOption(new Option('--worker').hideHelp())
    .action(async (flags) => {
      const { hook } = await import('./commands/hook.js');
      await run(() => hook(flags, io))();
    });

  program
    .command('login')
    .description('store a token (prompted on a terminal, or read from stdin with --with-token)')
    .option('--with-token', 'read the token from standard input')
    .option('--to <url>', 'backend to check the token against')
    .option('--allow-http', 'allow a plain http:// backend that is not on this machine')
    .action(async (flags) => {
      const { login } = await import('./commands/auth.js');
      await run(() => login(flags, io))();
    });
  program
    .command('logout')
    .description('remove the stored token')
    .action(async () => {
      const { logout } = await import('./commands/auth.js');
      await run(() => logout(io))();
    });
  program
    .command('whoami')
    .description('show which credential is used and who the backend says you are')
    .option('--to <url>', 'backend to ask')
    .option('--allow-http', 'allow a plain http:// backend that is not on this machine')
    .option('--json', 'print one JSON document on stdout')
    .action(async (flags) => {
      const { whoami } = await import('./commands/auth.js');
      await run(() => whoami(flags, io))();
    });

  const config = program.command('config').description('read and change settings');
  const configAction =
    (verb: 'get' | 'set' | 'unset' | 'list' | 'path') =>
    async (...args: unknown[]) => {
      const { configCommand } = await import('./commands/config.js');
      const positional = args.filter((a): a is string => typeof a === 'string');
      const flags = (args.find((a) => typeof a === 'object' && a !== null && !(a instanceof Command)) ?? {}) as { json?: boolean };
      await run(() => configCommand(verb, positional, flags, io))();
    };
  config.command('get').argument('<key>').option('--json', 'print JSON').description('print one setting').action(configAction('get'));
  config.command('set').argument('<key>').argument('<value>').description('change one setting').action(configAction('set'));
  config.command('unset').argument('<key>').description('remove one setting').action(configAction('unset'));
  config.command('list').option('--json', 'print JSON').description('print every setting and where data goes').action(configAction('list'));
  config.command('path').description('print the settings file path').action(configAction('path'));

  program
    .command('serve')
    .description('a local backend speaking all four contracts, storing to a folder')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', intOption(0, 65535), 8787)
    .option('--data <dir>', 'where to store what is received', './traces-data')
    .option('--max-bytes <n>', 'largest session upload accepted, e.g. 100M (default 100 MiB)', bytesOption)
    .option('--no-auth', 'accept requests without a token (loopback hosts only: 127.0.0.0/8, ::1, localhost)')
    .option('--body-timeout <ms>', 'answer 408 and close when a request body (or its headers) sends nothing this long, e.g. 30s (default 30s)', durationOption)
    .option('--max-connections <n>', 'connections served at once; more are closed at once (default 256)', intOption(1, 65_535))
    .addHelpText('after', '\nAccepted tokens come from TRACES_SERVE_TOKEN (comma-separated).')
    .action(async (flags) => {
      const { serve, DEFAULT_SERVE_MAX_BYTES } = await import('./commands/serve.js');
      await run(() => serve({ ...flags, maxBytes: flags.maxBytes ?? DEFAULT_SERVE_MAX_BYTES }, io))();
    });

  program
    .command('help-exit-codes', { hidden: true })
    .action(() => {
      io.stdout.write(EXIT_CODES_HELP);
      setExit(EXIT.ok);
    });
  program.addHelpText('after', `\n${EXIT_CODES_HELP}\nRun \`traces help exit-codes\` for this list alone.`);
  return program;
}

/** Runs the CLI in-process and returns the exit code; tests call this directly. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  if (argv[0] === 'help' && argv[1] === 'exit-codes') argv = ['help-exit-codes', ...argv.slice(2)];
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    // Loading the credential module can fail for the same reason as the command (no file descriptors left).
    const credentials = await import('./config/credentials.js').catch(() => undefined);
    const secrets = [credentials?.findCredential(io.env)?.token, io.env.TRACES_TOKEN, io.env.PRIME_AGENT_TRACES_API_KEY, io.env.PRIME_API_KEY, io.env.TRACES_UPLOAD_TOKEN, io.env.TRACES_SESSIONS_TOKEN, io.env.TRACES_EVENTS_TOKEN];
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
    error = new TracesError(`too many open files (${errno}): ${(error as Error).message}`, {
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
