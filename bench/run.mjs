// `npm run bench`: every case of bench/cases/, each next to its baseline measured in the same run.
//
// Builds nothing: it runs dist/ through bin/traces.js (run `npm run build` first). Everything it
// writes lives under bench/.work/ (made fresh, removed at the end unless --keep); traffic goes to
// 127.0.0.1 only. The table goes to stdout and to bench/results.md; progress goes to stderr.
//
//   node bench/run.mjs [--quick] [--keep] [--only NAME[,NAME]]
//     --quick  64 MiB instead of 512 MiB, 1,000 sessions instead of 10,000, fewer repetitions,
//              20 appends instead of 100
//     --keep   leave bench/.work/ in place (the sessions, the ledgers, the raw timings)
//     --only   run these cases (and the cases they build on); bench/results.md is left alone.
//              upload-paths (undici's request paths vs node:http) runs only when named here
//   BENCH_RSS=proc forces the /proc/PID/status VmHWM poller instead of /usr/bin/time.
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as upload512 from './cases/upload-512.mjs';
import * as startup from './cases/startup.mjs';
import * as hook from './cases/hook.mjs';
import * as manySessions from './cases/many-sessions.mjs';
import * as watchIdle from './cases/watch-idle.mjs';
import * as eventsPush from './cases/events-push.mjs';
import * as deadBackend from './cases/dead-backend.mjs';
import * as watchLatency from './cases/watch-latency.mjs';
import * as uploadPaths from './cases/upload-paths.mjs';
import * as claude from './cases/claude.mjs';
import * as scan from './cases/scan.mjs';
import * as redactUpload from './cases/redact-upload.mjs';
import * as s3 from './cases/s3.mjs';
import * as view from './cases/view.mjs';
import {
  DIST_CLI,
  RUN,
  WORK,
  cleanup,
  configure,
  detectGnuTime,
  distReady,
  failures,
  killChildren,
  log,
  section,
  startServe,
  startServer,
  state,
  stopService,
} from './harness.mjs';
import { gitState, report } from './report.mjs';

/** In the order they run (a case may build on the files of one before it). */
const CASES = [
  upload512,
  uploadPaths,
  startup,
  hook,
  manySessions,
  claude.rerun,
  watchIdle,
  eventsPush,
  claude.events,
  deadBackend,
  watchLatency,
  scan,
  redactUpload,
  s3,
  view,
];
/** The order of the table. */
const TABLE = [
  upload512,
  uploadPaths,
  startup,
  manySessions,
  claude.rerun,
  eventsPush,
  claude.events,
  hook,
  watchLatency,
  deadBackend,
  watchIdle,
  scan,
  redactUpload,
  s3,
  view,
];

function usage(stream, code) {
  stream.write(
    `usage: node bench/run.mjs [--quick] [--keep] [--only NAME[,NAME]]\n  --quick  64 MiB, 1,000 sessions, fewer repetitions\n  --keep   keep bench/.work/\n  --only   run only these cases: ${CASES.map((c) => c.name).join(', ')}\n`,
  );
  process.exit(code);
}

function parse(argv) {
  const options = { quick: false, keep: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') usage(process.stdout, 0);
    else if (a === '--quick') options.quick = true;
    else if (a === '--keep') options.keep = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!value) usage(process.stderr, 2);
      options.only = [...(options.only ?? []), ...value.split(',').filter(Boolean)];
    } else {
      process.stderr.write(`bench: unknown option ${a} (known: --quick, --keep, --only)\n`);
      process.exit(2);
    }
  }
  return options;
}

/** The cases to run: those asked for and those they build on, in running order. */
function selected(only) {
  if (!only) return CASES.filter((c) => !c.optional);
  const byName = new Map(CASES.map((c) => [c.name, c]));
  const wanted = new Set();
  const add = (name) => {
    const kase = byName.get(name);
    if (!kase) {
      process.stderr.write(`bench: no case ${name} (known: ${[...byName.keys()].join(', ')})\n`);
      process.exit(2);
    }
    for (const dep of kase.after) add(dep);
    wanted.add(kase);
  };
  for (const name of only) add(name);
  return CASES.filter((c) => wanted.has(c));
}

const options = parse(process.argv.slice(2));
configure(options);
const cases = selected(options.only);
if (!distReady()) {
  process.stderr.write(`bench: ${DIST_CLI} is missing: run \`npm run build\` first (the benchmark builds nothing itself)\n`);
  process.exit(2);
}

process.on('exit', killChildren);
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    log(`\n${signal}: stopping`);
    cleanup();
    process.exit(code);
  });
}

async function main() {
  const start = { at: Date.now(), load: loadavg()[0], git: gitState() };
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(join(WORK, 'config'), { recursive: true });
  state.gnuTime = detectGnuTime();
  log(`bench: ${RUN.quick ? 'quick' : 'full'} run of ${cases.map((c) => c.name).join(', ')}; data in ${WORK}`);
  const ctx = {};
  if (cases.some((c) => c.needs === 'sink')) {
    ctx.base = await startServer();
    log(`bench: sink server on ${ctx.base} (pid ${state.server.pid})`);
  }
  const results = new Map();
  for (const kase of cases.filter((c) => c.needs !== 'serve')) results.set(kase, await section(kase.name, () => kase.run(ctx)));

  const served = cases.filter((c) => c.needs === 'serve');
  if (served.length) {
    ctx.data = join(WORK, 'serve-data');
    try {
      ctx.serve = await startServe(ctx.data);
      log(`bench: traces serve on ${ctx.serve.base} (pid ${ctx.serve.child.pid}), data in ${ctx.data}`);
      for (const kase of served) results.set(kase, await section(kase.name, () => kase.run(ctx)));
    } catch (error) {
      const failed = `traces serve: ${error instanceof Error ? error.message : String(error)}`;
      failures.push(failed);
      for (const kase of served) if (!results.has(kase)) results.set(kase, { failed });
    } finally {
      if (ctx.serve) {
        const stop = await stopService(ctx.serve, 15_000);
        if (stop.code !== 0)
          log(`bench: traces serve ended with ${stop.timedOut ? 'no exit (killed)' : `exit ${stop.code ?? stop.signal}`}`);
      }
    }
  }

  const mode = RUN.quick ? 'quick (`npm run bench -- --quick`: reduced sizes, not the reference figures)' : 'full (`npm run bench`)';
  const ran = TABLE.filter((c) => results.has(c)).map((c) => [c, results.get(c)]);
  report({ ran, start, mode: options.only ? `${mode}, only ${cases.map((c) => c.name).join(', ')}` : mode, whole: !options.only });
  if (failures.length) throw new Error(`${failures.length} case(s) failed (their rows say so):\n${failures.join('\n')}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  log(`bench: failed: ${error instanceof Error ? error.message : String(error)}`);
  if (!RUN.keep) log('bench: run again with --keep to look at bench/.work/');
  exitCode = 1;
} finally {
  cleanup();
}
process.exit(exitCode);
