// The report: one table row (or a few) per case, the machine, how each row was measured and the raw
// figures; to stdout, and to bench/results.md when every case ran.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { DIST_CLI, RESULTS, ROOT, log, notRun, state } from './harness.mjs';

/** The commit, and whether src/ differs from it (dist/ may then hold uncommitted code). */
export function gitState() {
  const git = (args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return '';
  const dirty = git(['status', '--porcelain', '--', 'src'])
    .stdout.split('\n')
    .filter((l) => l.trim()).length;
  return `git ${head.stdout.trim()}${dirty ? ` with ${dirty} uncommitted file(s) in src/` : ''}`;
}

function machine(start) {
  const cpu = cpus();
  const curl =
    spawnSync('curl', ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout?.split('\n')[0]?.split(' ').slice(0, 2).join(' ') ??
    'curl ?';
  const built = new Date(statSync(DIST_CLI).mtimeMs).toISOString();
  return [
    `- CPU: ${cpu[0]?.model?.trim() ?? 'unknown'}, ${cpu.length} cores; RAM ${(totalmem() / 1024 ** 3).toFixed(1)} GiB; ${platform()} ${release()} ${arch()}`,
    `- Node ${process.version}; ${curl}; peak RSS via ${state.gnuTime ? '`/usr/bin/time -f %M`' : '/proc/PID/status VmHWM polled every 20 ms'}`,
    `- traces ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}, dist/cli.js built ${built}; at the start of the run the checkout was ${start.git || 'not a git checkout'}`,
    `- load average (1 min) at the start ${start.load.toFixed(2)}, at the end ${loadavg()[0].toFixed(2)}: anything else running on the machine shows up here`,
  ];
}

/** A case's rows: its own, or one saying it failed or was skipped. */
function rowsOf(kase, result) {
  if (result.failed || result.skipped) {
    const what = typeof kase.what === 'function' ? kase.what() : (kase.what ?? kase.name);
    return [notRun(what, result)];
  }
  return kase.rows(result);
}

/**
 * Writes the report. `ran` holds [case module, its result] in table order; `whole` says every case
 * ran, so that the file bench/results.md is only ever replaced by a complete run.
 */
export function report({ ran, start, mode, whole }) {
  const rows = ran.flatMap(([kase, result]) => rowsOf(kase, result));
  const table = [
    '| measure | traces | baseline | ratio | goal | met? |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  const how = ran.flatMap(([kase]) => kase.how());
  const raw = ran.filter(([, result]) => !result.failed && !result.skipped).flatMap(([kase, result]) => kase.raw(result));
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const lines = [
    '# Benchmark results',
    '',
    `Run ${when}, mode ${mode}, ${((Date.now() - start.at) / 1000).toFixed(0)} s in all. Every baseline ran in the same run, on the same machine, interleaved with traces.`,
    '',
    ...table,
    '',
    'Machine:',
    ...machine(start),
    '',
    'How each row is measured:',
    '',
    ...how,
    '',
    ...(raw.length ? [`Raw (ms): ${raw.join('; ')}.`] : []),
  ];
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  if (whole) {
    writeFileSync(RESULTS, text);
    log(`bench: wrote ${RESULTS}`);
  } else log(`bench: --only: ${RESULTS} left as it was`);
}
