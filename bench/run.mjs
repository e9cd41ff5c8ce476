#!/usr/bin/env node
// `npm run bench`: the figures of issue 2, each next to its baseline measured in the same run.
//
//   1. upload of one 512 MiB session: `traces upload` vs `curl -T` to the same local sink server
//      (wall time, median of 3; peak RSS of the client process), and for reference a bare Node
//      streamed PUT (bench/node-put.mjs): the floor any Node client starts from
//   2. `traces --version` vs `node -e 0` (wall time, median of 20)
//   3. 10,000 small sessions: the first upload (one run), then a rerun with nothing changed
//      (median of 3) vs a script that only walks the folder and stats every file
//
// Builds nothing: it runs dist/ through bin/traces.js (run `npm run build` first). Everything it
// writes lives under bench/.work/ (made fresh, removed at the end unless --keep); traffic goes to
// 127.0.0.1 only. The table goes to stdout and to bench/results.md; progress goes to stderr.
//
//   node bench/run.mjs [--quick] [--keep]
//     --quick  64 MiB instead of 512 MiB, 1,000 sessions instead of 10,000, fewer repetitions
//     --keep   leave bench/.work/ in place (the sessions, the ledgers, the raw timings)
//   BENCH_RSS=proc forces the /proc/PID/status VmHWM poller instead of /usr/bin/time.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, arch, platform } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entries, header, uuidFrom, writeLargeSession, writeSession } from '../fixtures/builder.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = join(ROOT, 'bench');
const WORK = join(BENCH, '.work');
const BIN = join(ROOT, 'bin', 'traces.js');
const DIST_CLI = join(ROOT, 'dist', 'cli.js');
const RESULTS = join(BENCH, 'results.md');
const NODE = process.execPath;
const MiB = 1024 * 1024;
const CHILD_TIMEOUT_MS = 5 * 60_000;
const SERVER_START_TIMEOUT_MS = 10_000;
const TOKEN = 'bench-token-not-a-secret';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
for (const a of argv) {
  if (a === '--help' || a === '-h') {
    process.stdout.write('usage: node bench/run.mjs [--quick] [--keep]\n  --quick  64 MiB, 1,000 sessions, fewer repetitions\n  --keep   keep bench/.work/\n');
    process.exit(0);
  }
  if (a !== '--quick' && a !== '--keep') {
    process.stderr.write(`bench: unknown option ${a} (known: --quick, --keep)\n`);
    process.exit(2);
  }
}
const QUICK = argv.includes('--quick');
const KEEP = argv.includes('--keep');
const CFG = QUICK
  ? { largeBytes: 64 * MiB, sessions: 1_000, uploadReps: 3, versionReps: 10, rerunReps: 3 }
  : { largeBytes: 512 * MiB, sessions: 10_000, uploadReps: 3, versionReps: 20, rerunReps: 3 };
const GOALS = {
  uploadRatio: 1.3,
  uploadRssMiB: 150,
  versionRatio: 1.5,
  // 20 s for 10,000 sessions; scaled down with the session count in --quick mode.
  firstUploadS: (20 * CFG.sessions) / 10_000,
  rerunRatio: 3,
};

if (!existsSync(DIST_CLI)) {
  process.stderr.write(`bench: ${DIST_CLI} is missing: run \`npm run build\` first (the benchmark builds nothing itself)\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Clean-up: the sink server and any running child die with us, whatever happens.

const live = new Set(); // child processes started detached (own process group)
let server; // the sink server's ChildProcess
let cleanedUp = false;

function killChildren() {
  for (const child of live) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
}

function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  killChildren();
  if (KEEP) log(`kept ${WORK}`);
  else rmSync(WORK, { recursive: true, force: true });
}

process.on('exit', killChildren);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    log(`\n${signal}: stopping`);
    cleanup();
    process.exit(code);
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** The environment of every child: no proxy (127.0.0.1 only), none of the developer's traces or prime settings. */
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/_proxy$/i.test(k)) continue;
    if (/^(TRACES_|PRIME_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function tracesEnv(stateDir) {
  return childEnv({
    TRACES_TOKEN: TOKEN,
    TRACES_STATE_DIR: stateDir,
    TRACES_CONFIG_DIR: join(WORK, 'config'),
    CI: '1',
    NO_COLOR: '1',
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const tail = (text, n = 2000) => (text.length > n ? `…${text.slice(-n)}` : text);

/** GNU time with -o and -f, if this machine has it; else peak RSS is polled from /proc. */
function detectGnuTime() {
  if (process.env.BENCH_RSS === 'proc') return undefined;
  const path = '/usr/bin/time';
  if (!existsSync(path)) return undefined;
  const out = join(WORK, 'time-probe.txt');
  const r = spawnSync(path, ['-o', out, '-f', '%M %U %S', NODE, '-e', '0'], { timeout: 30_000, stdio: 'ignore' });
  try {
    if (r.status === 0 && /^\d+ [\d.]+ [\d.]+$/.test(readFileSync(out, 'utf8').trim().split('\n').pop())) return path;
  } catch {
    // not GNU time
  }
  return undefined;
}
let GNU_TIME;

/** Peak RSS (KiB) from /proc/PID/status VmHWM, or undefined where there is no /proc. */
function readVmHWM(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs one client process and measures it: wall time (spawn to exit, in this process), peak RSS and
 * CPU time of the client (GNU time, else VmHWM polled every 20 ms). Killed, with its process
 * group, after CHILD_TIMEOUT_MS.
 */
function measure(cmd, args, { env, label }) {
  return new Promise((resolve, reject) => {
    const timeFile = join(WORK, `time-${process.hrtime.bigint()}.txt`);
    const [file, fileArgs] = GNU_TIME ? [GNU_TIME, ['-o', timeFile, '-f', '%M %U %S', cmd, ...args]] : [cmd, args];
    const started = performance.now();
    const child = spawn(file, fileArgs, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      if (stdout.length < 16 * MiB) stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr = (stderr + s).slice(-64 * 1024);
    });
    let polledKiB;
    const poll = GNU_TIME
      ? undefined
      : setInterval(() => {
          const v = readVmHWM(child.pid);
          if (v !== undefined) polledKiB = Math.max(polledKiB ?? 0, v);
        }, 20);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, CHILD_TIMEOUT_MS);
    let ms;
    child.on('exit', () => {
      ms = performance.now() - started;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      live.delete(child);
      reject(new Error(`${label}: could not start ${file}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      live.delete(child);
      let rssKiB = polledKiB;
      let cpuS;
      if (GNU_TIME) {
        try {
          const [m, u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          rssKiB = m;
          cpuS = u + s;
        } catch {
          // the child was killed before time could write
        }
        rmSync(timeFile, { force: true });
      }
      if (timedOut) return reject(new Error(`${label}: no exit after ${CHILD_TIMEOUT_MS / 1000} s; killed\n${tail(stderr)}`));
      if (code !== 0) return reject(new Error(`${label}: exit ${code ?? signal}\nstdout: ${tail(stdout)}\nstderr: ${tail(stderr)}`));
      resolve({ ms, rssKiB, cpuS, stdout, stderr });
    });
  });
}

/** A short run timed with spawnSync (startup-sized figures). */
function quickRun(cmd, args, { env, label }) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * MiB, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.error) throw new Error(`${label}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status ?? r.signal}\nstdout: ${tail(r.stdout)}\nstderr: ${tail(r.stderr)}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** Starts bench/sink-server.mjs in its own process; resolves with its base URL. */
function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(NODE, [join(BENCH, 'sink-server.mjs')], { cwd: ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sink server: no port after ${SERVER_START_TIMEOUT_MS / 1000} s`)), SERVER_START_TIMEOUT_MS);
    server.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`sink server: ${e.message}`));
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!cleanedUp) reject(new Error(`sink server exited (${code ?? signal})`));
    });
    server.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
  });
}

async function serverStats(base) {
  const res = await fetch(`${base}/__stats`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`sink server /__stats: ${res.status}`);
  return res.json();
}

const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
const fmtMs = (ms) => `${ms.toFixed(1)} ms`;
const fmtMiB = (kib) => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`);
const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a');
const yesNo = (ok) => (ok === undefined ? 'n/a' : ok ? 'yes' : '**no**');
const count = (n) => n.toLocaleString('en-US');
const sizeLabel = (bytes) => `${Math.round(bytes / MiB)} MiB`;

// ---------------------------------------------------------------------------------------------
// The three benchmarks

async function benchLargeUpload(base) {
  const id = uuidFrom('bench:large');
  const file = join(WORK, 'large', 'sessions', `${id}.jsonl`);
  log(`[1/3] writing a ${sizeLabel(CFG.largeBytes)} session…`);
  const bytes = writeLargeSession(file, id, CFG.largeBytes);
  if (statSync(file).size !== bytes) throw new Error('large session: size on disk differs from what was written');

  const tracesArgs = [BIN, 'upload', file, '--to', base, '--max-bytes', '1G', '--force'];
  const env = tracesEnv(join(WORK, 'state-large'));
  const curlArgs = ['-sS', '-T', file, '-H', 'Content-Type: application/x-ndjson', '-H', `Authorization: Bearer ${TOKEN}`, `${base}/api/v1/agent-traces/sessions/${id}`];

  const runTraces = async (label) => {
    const before = await serverStats(base);
    const r = await measure(NODE, tracesArgs, { env, label });
    const after = await serverStats(base);
    if (after.requests - before.requests !== 1 || after.bytes - before.bytes !== bytes) {
      throw new Error(`${label}: the server got ${after.requests - before.requests} PUT(s), ${after.bytes - before.bytes} bytes; expected 1 of ${bytes}`);
    }
    return r;
  };
  const nodePutArgs = [join(BENCH, 'node-put.mjs'), file, `${base}/api/v1/agent-traces/sessions/${id}`];
  const runAnswered = async (label, cmd, args, env) => {
    const r = await measure(cmd, args, { env, label });
    let answer;
    try {
      answer = JSON.parse(r.stdout);
    } catch {
      throw new Error(`${label}: unexpected answer: ${tail(r.stdout)}`);
    }
    if (answer.bytes_stored !== bytes) throw new Error(`${label}: server stored ${answer.bytes_stored} bytes of ${bytes}`);
    return r;
  };
  const runCurl = (label) => runAnswered(label, 'curl', curlArgs, childEnv());
  const runNodePut = (label) => runAnswered(label, NODE, nodePutArgs, childEnv({ TRACES_TOKEN: TOKEN }));

  log('[1/3] warm-up: one curl upload (page cache, server JIT)');
  await runCurl('curl warm-up');
  const runs = { traces: [], curl: [], 'node-put': [] };
  const runners = { traces: runTraces, curl: runCurl, 'node-put': runNodePut };
  const orders = [
    ['traces', 'curl', 'node-put'],
    ['curl', 'node-put', 'traces'],
    ['node-put', 'traces', 'curl'],
  ];
  for (let i = 0; i < CFG.uploadReps; i++) {
    // Rotate who goes first so that drift in the machine's state hits every client alike.
    for (const who of orders[i % orders.length]) {
      const label = `${who} upload ${i + 1}/${CFG.uploadReps}`;
      const r = await runners[who](label);
      runs[who].push(r);
      log(`[1/3] ${label}: ${fmtS(r.ms)}, peak RSS ${fmtMiB(r.rssKiB)}${r.cpuS === undefined ? '' : `, CPU ${r.cpuS.toFixed(2)} s`}`);
    }
  }
  const med = (rs, key) => (rs.some((r) => r[key] === undefined) ? undefined : median(rs.map((r) => r[key])));
  const summary = (rs) => ({ ms: med(rs, 'ms'), rssKiB: Math.max(...rs.map((r) => r.rssKiB ?? 0)) || undefined, cpuS: med(rs, 'cpuS'), all: rs.map((r) => r.ms) });
  return { bytes, traces: summary(runs.traces), curl: summary(runs.curl), nodePut: summary(runs['node-put']) };
}

function benchStartup() {
  const env = tracesEnv(join(WORK, 'state-version'));
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const traces = [];
  const node = [];
  log(`[2/3] startup: ${CFG.versionReps} runs each of \`traces --version\` and \`node -e 0\``);
  for (let i = 0; i < 2; i++) {
    quickRun(NODE, [BIN, '--version'], { env, label: 'traces --version warm-up' });
    quickRun(NODE, ['-e', '0'], { env, label: 'node -e 0 warm-up' });
  }
  for (let i = 0; i < CFG.versionReps; i++) {
    const t = quickRun(NODE, [BIN, '--version'], { env, label: 'traces --version' });
    if (t.stdout.trim() !== version) throw new Error(`traces --version printed ${JSON.stringify(t.stdout)}, expected ${version}`);
    traces.push(t.ms);
    node.push(quickRun(NODE, ['-e', '0'], { env, label: 'node -e 0' }).ms);
  }
  return { traces: median(traces), node: median(node), allTraces: traces, allNode: node };
}

// The baseline of the rerun: walk the folder, stat every file, nothing else.
const WALK_SCRIPT =
  "const fs=require('node:fs'),path=require('node:path');let n=0;" +
  'const walk=(d)=>{for(const e of fs.readdirSync(d,{withFileTypes:true})){const p=path.join(d,e.name);' +
  'if(e.isDirectory())walk(p);else{fs.statSync(p);n++;}}};walk(process.argv[1]);process.stdout.write(String(n));';

async function benchManySessions(base) {
  const dir = join(WORK, 'many', 'sessions');
  log(`[3/3] writing ${count(CFG.sessions)} small sessions…`);
  let totalBytes = 0;
  for (let i = 0; i < CFG.sessions; i++) {
    const seed = `bench:many:${i}`;
    const id = uuidFrom(seed);
    writeSession(join(dir, `${id}.jsonl`), header({ id, timestamp: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000).toISOString() }), entries(seed, 3));
  }
  // Bytes per file, for the report.
  totalBytes = CFG.sessions * statSync(join(dir, `${uuidFrom('bench:many:0')}.jsonl`)).size;

  const env = tracesEnv(join(WORK, 'state-many'));
  const args = [BIN, 'upload', '--sessions-dir', dir, '--to', base];

  log(`[3/3] first upload of ${count(CFG.sessions)} sessions…`);
  let before = await serverStats(base);
  const first = await measure(NODE, args, { env, label: 'first upload' });
  let after = await serverStats(base);
  if (after.requests - before.requests !== CFG.sessions) {
    throw new Error(`first upload: the server got ${after.requests - before.requests} PUTs, expected ${CFG.sessions}\n${tail(first.stderr)}`);
  }
  log(`[3/3] first upload: ${fmtS(first.ms)}, peak RSS ${fmtMiB(first.rssKiB)}${first.cpuS === undefined ? '' : `, CPU ${first.cpuS.toFixed(2)} s`}`);

  const baseEnv = childEnv();
  const walkCount = quickRun(NODE, ['-e', WALK_SCRIPT, dir], { env: baseEnv, label: 'stat walk warm-up' }).stdout.trim();
  if (Number(walkCount) !== CFG.sessions) throw new Error(`stat walk found ${walkCount} files, expected ${CFG.sessions}`);
  const reruns = [];
  const walks = [];
  for (let i = 0; i < CFG.rerunReps; i++) {
    before = await serverStats(base);
    const r = quickRun(NODE, args, { env, label: `rerun ${i + 1}` });
    after = await serverStats(base);
    if (after.requests !== before.requests) throw new Error(`rerun ${i + 1}: sent ${after.requests - before.requests} PUTs; nothing had changed`);
    reruns.push(r.ms);
    walks.push(quickRun(NODE, ['-e', WALK_SCRIPT, dir], { env: baseEnv, label: `stat walk ${i + 1}` }).ms);
    log(`[3/3] rerun ${i + 1}/${CFG.rerunReps}: traces ${fmtMs(reruns[i])}, stat walk ${fmtMs(walks[i])}`);
  }
  return { totalBytes, first, rerun: median(reruns), walk: median(walks), allReruns: reruns, allWalks: walks };
}

// ---------------------------------------------------------------------------------------------
// Report

function machine() {
  const cpu = cpus();
  const curl = spawnSync('curl', ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout?.split('\n')[0]?.split(' ').slice(0, 2).join(' ') ?? 'curl ?';
  const built = new Date(statSync(DIST_CLI).mtimeMs).toISOString();
  return [
    `- CPU: ${cpu[0]?.model?.trim() ?? 'unknown'}, ${cpu.length} cores; RAM ${(totalmem() / 1024 ** 3).toFixed(1)} GiB; ${platform()} ${release()} ${arch()}`,
    `- Node ${process.version}; ${curl}; peak RSS via ${GNU_TIME ? '`/usr/bin/time -f %M`' : '/proc/PID/status VmHWM polled every 20 ms'}`,
    `- traces ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}, dist/cli.js built ${built}`,
  ];
}

function table(large, startup, many) {
  const L = sizeLabel(large.bytes);
  const N = count(CFG.sessions);
  const uploadRatio = large.traces.ms / large.curl.ms;
  const startupRatio = startup.traces / startup.node;
  const rerunRatio = many.rerun / many.walk;
  const rssRatio = large.traces.rssKiB && large.curl.rssKiB ? large.traces.rssKiB / large.curl.rssKiB : NaN;
  const rows = [
    [
      `upload one ${L} session, wall time (median of ${CFG.uploadReps})`,
      `${fmtS(large.traces.ms)} (${((large.bytes / MiB) / (large.traces.ms / 1000)).toFixed(0)} MiB/s)`,
      `${fmtS(large.curl.ms)} (curl -T)`,
      fmtRatio(uploadRatio),
      `≤ ${GOALS.uploadRatio}x`,
      yesNo(uploadRatio <= GOALS.uploadRatio),
    ],
    [
      `upload one ${L} session, client peak RSS (highest of ${CFG.uploadReps})`,
      fmtMiB(large.traces.rssKiB),
      `${fmtMiB(large.curl.rssKiB)} (curl)`,
      fmtRatio(rssRatio),
      `< ${GOALS.uploadRssMiB} MiB`,
      yesNo(large.traces.rssKiB === undefined ? undefined : large.traces.rssKiB / 1024 < GOALS.uploadRssMiB),
    ],
    [
      `upload one ${L} session, client CPU user+sys (median)`,
      large.traces.cpuS === undefined ? 'n/a' : `${large.traces.cpuS.toFixed(2)} s`,
      large.curl.cpuS === undefined ? 'n/a' : `${large.curl.cpuS.toFixed(2)} s (curl)`,
      large.traces.cpuS && large.curl.cpuS ? fmtRatio(large.traces.cpuS / large.curl.cpuS) : 'n/a',
      '(info)',
      '—',
    ],
    [
      `reference: bare Node streamed PUT of the same file (bench/node-put.mjs: node:http + fs stream), wall time (median of ${CFG.uploadReps})`,
      `${fmtS(large.nodePut.ms)} (node-put.mjs; peak RSS ${fmtMiB(large.nodePut.rssKiB)})`,
      `${fmtS(large.curl.ms)} (curl -T)`,
      fmtRatio(large.nodePut.ms / large.curl.ms),
      '(info)',
      '—',
    ],
    [
      `startup, wall time (median of ${CFG.versionReps})`,
      `${fmtMs(startup.traces)} (\`traces --version\`)`,
      `${fmtMs(startup.node)} (\`node -e 0\`)`,
      fmtRatio(startupRatio),
      `≤ ${GOALS.versionRatio}x`,
      yesNo(startupRatio <= GOALS.versionRatio),
    ],
    [
      `first upload of ${N} sessions (${(many.totalBytes / MiB).toFixed(1)} MiB), wall time`,
      `${fmtS(many.first.ms)} (${Math.round(CFG.sessions / (many.first.ms / 1000))} sessions/s; peak RSS ${fmtMiB(many.first.rssKiB)})`,
      '—',
      '—',
      `< ${GOALS.firstUploadS} s`,
      yesNo(many.first.ms / 1000 < GOALS.firstUploadS),
    ],
    [
      `rerun over ${N} unchanged sessions, wall time (median of ${CFG.rerunReps})`,
      fmtMs(many.rerun),
      `${fmtMs(many.walk)} (readdir + stat walk)`,
      fmtRatio(rerunRatio),
      `≤ ${GOALS.rerunRatio}x`,
      yesNo(rerunRatio <= GOALS.rerunRatio),
    ],
  ];
  const lines = ['| measure | traces | baseline | ratio | goal | met? |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(join(WORK, 'config'), { recursive: true });
  GNU_TIME = detectGnuTime();
  log(`bench: ${QUICK ? 'quick' : 'full'} run; data in ${WORK}`);
  const base = await startServer();
  log(`bench: sink server on ${base} (pid ${server.pid})`);

  const large = await benchLargeUpload(base);
  rmSync(join(WORK, 'large'), { recursive: true, force: true }); // free the disk before the next part
  const startup = benchStartup();
  const many = await benchManySessions(base);

  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const mode = QUICK ? 'quick (`npm run bench -- --quick`: reduced sizes, not the reference figures)' : 'full (`npm run bench`)';
  const lines = [
    '# Benchmark results',
    '',
    `Run ${when}, mode ${mode}, ${((Date.now() - started) / 1000).toFixed(0)} s in all. Every baseline ran in the same run, on the same machine, interleaved with traces.`,
    '',
    ...table(large, startup, many),
    '',
    'Machine:',
    ...machine(),
    '',
    'How: both uploads go to the same sink server (bench/sink-server.mjs, its own process, counts bytes and answers 200) on 127.0.0.1; ' +
      '`traces upload FILE --to URL --max-bytes 1G --force` vs `curl -sS -T FILE` with the same headers, after one untimed curl warm-up; ' +
      'bench/node-put.mjs (node:http + an fs stream, nothing else) shows what Node alone costs on this machine. ' +
      'Wall time is spawn to exit of the client process; peak RSS and CPU are the client process only. ' +
      'The rerun is `traces upload --sessions-dir DIR` with the ledger of the first upload; its baseline is `node -e` walking DIR with readdirSync(withFileTypes) + statSync.',
    '',
    `Raw wall times (ms): upload traces ${large.traces.all.map((x) => x.toFixed(0)).join(', ')}; curl ${large.curl.all.map((x) => x.toFixed(0)).join(', ')}; ` +
      `node-put ${large.nodePut.all.map((x) => x.toFixed(0)).join(', ')}; ` +
      `--version ${startup.allTraces.map((x) => x.toFixed(1)).join(', ')}; node -e 0 ${startup.allNode.map((x) => x.toFixed(1)).join(', ')}; ` +
      `rerun ${many.allReruns.map((x) => x.toFixed(1)).join(', ')}; stat walk ${many.allWalks.map((x) => x.toFixed(1)).join(', ')}.`,
  ];
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  writeFileSync(RESULTS, text);
  log(`bench: wrote ${RESULTS}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  log(`bench: failed: ${error instanceof Error ? error.message : String(error)}`);
  if (!KEEP) log('bench: run again with --keep to look at bench/.work/');
  exitCode = 1;
} finally {
  cleanup();
}
process.exit(exitCode);
