#!/usr/bin/env node
// `npm run bench`: the figures of issues 2, 5 and 6, each next to its baseline measured in the same run.
//
//   1. upload of one 512 MiB session: `traces upload` vs `curl -T` to the same local sink server
//      (wall time, median of 3; peak RSS of the client process), and for reference a bare Node
//      streamed PUT (bench/node-put.mjs): the floor any Node client starts from
//   2. `traces --version` vs `node -e 0` (wall time, median of 20)
//   3. `traces hook --session FILE` vs `node -e 0` (wall time, median of 20; goal < 150 ms); the
//      detached worker each hook starts is waited for (queue empty, no lock, no worker process)
//      before the next measurement, and killed at the end if it is still there
//   4. 10,000 small sessions: the first upload (one run), then a rerun with nothing changed
//      (median of 3) vs a script that only walks the folder and stats every file
//   5. an idle `traces watch` over those 10,000 sessions (everything already uploaded): CPU time
//      over 10 s and RSS, vs an idle `node -e "setInterval(()=>{},1e9)"` measured in the same 10 s;
//      then SIGTERM, which must end it with exit 0
//   6. `traces events push` of the 1 MiB real session (../shared/fixtures/real/large-session.jsonl,
//      skipped if absent) to a real `traces serve` (events/s, wall time, median of 3) vs
//      bench/events-post.mjs POSTing the same events, already converted, in the same batches
//   7. `traces watch --debounce 200`: latency from an append to `traces serve` holding those bytes,
//      p50/p95 over 100 appends, with --min-interval 200 and with --min-interval 0; the baseline
//      is the debounce itself (200 ms)
//   8. `traces upload` of 2,000 small sessions to a port nobody listens on (default retries and
//      concurrency; goal < 10 s: it must stop once the backend proves unreachable) vs the same
//      2,000 sessions to a live `traces serve`
//
// Builds nothing: it runs dist/ through bin/traces.js (run `npm run build` first). Everything it
// writes lives under bench/.work/ (made fresh, removed at the end unless --keep); traffic goes to
// 127.0.0.1 only. The table goes to stdout and to bench/results.md; progress goes to stderr.
//
//   node bench/run.mjs [--quick] [--keep]
//     --quick  64 MiB instead of 512 MiB, 1,000 sessions instead of 10,000, fewer repetitions,
//              20 appends instead of 100
//     --keep   leave bench/.work/ in place (the sessions, the ledgers, the raw timings)
//   BENCH_RSS=proc forces the /proc/PID/status VmHWM poller instead of /usr/bin/time.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch as fsWatch, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, arch, platform, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHome, entries, header, hex8, uuidFrom, writeLargeSession, writeSession } from '../fixtures/builder.mjs';

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
  ? { largeBytes: 64 * MiB, sessions: 1_000, uploadReps: 3, versionReps: 10, rerunReps: 3, hookReps: 10, eventsReps: 2, appends: 20 }
  : { largeBytes: 512 * MiB, sessions: 10_000, uploadReps: 3, versionReps: 20, rerunReps: 3, hookReps: 20, eventsReps: 3, appends: 100 };
// The watch-latency run: the debounce of issue 6, and the time from one append to the next. With
// --min-interval 200 an append must come at least min-interval + one upload after the previous
// upload to be sent after the debounce alone, so 500 ms keeps each append its own upload.
const DEBOUNCE_MS = 200;
const APPEND_SPACING_MS = 500;
const APPEND_TIMEOUT_MS = 10_000; // an append not stored after this counts as lost (and 3 stop the run)
const IDLE_WINDOW_MS = 10_000;
const IDLE_SETTLE_MS = 1_000; // after "watching", before the idle window starts
const REAL_SESSION = join(fileURLToPath(new URL('../..', import.meta.url)), 'shared', 'fixtures', 'real', 'large-session.jsonl');
const GOALS = {
  uploadRatio: 1.3,
  uploadRssMiB: 150,
  versionRatio: 1.5,
  // 20 s for 10,000 sessions; scaled down with the session count in --quick mode.
  firstUploadS: (20 * CFG.sessions) / 10_000,
  rerunRatio: 3,
  hookMs: 150,
  idleRssMiB: 300,
  deadBackendS: 10,
};
const DEAD_SESSIONS = 2_000;

if (!existsSync(DIST_CLI)) {
  process.stderr.write(`bench: ${DIST_CLI} is missing: run \`npm run build\` first (the benchmark builds nothing itself)\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Clean-up: the sink server and any running child die with us, whatever happens.

const live = new Set(); // child processes started detached (own process group)
let server; // the sink server's ChildProcess
let cleanedUp = false;
const hookStateDirs = new Set(); // state dirs whose hook workers (detached by traces itself) we started

function killChildren() {
  for (const dir of hookStateDirs) killWorkers(dir);
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
function measure(cmd, args, { env, label, okCodes = [0] }) {
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
      if (!okCodes.includes(code)) return reject(new Error(`${label}: exit ${code ?? signal}\nstdout: ${tail(stdout)}\nstderr: ${tail(stderr)}`));
      resolve({ ms, rssKiB, cpuS, stdout, stderr, code });
    });
  });
}

/** A short run timed with spawnSync (startup-sized figures). `stdin: 'ignore'` gives it /dev/null. */
function quickRun(cmd, args, { env, label, stdin = 'pipe' }) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * MiB, encoding: 'utf8', stdio: [stdin, 'pipe', 'pipe'] });
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

// ---------------------------------------------------------------------------------------------
// Long-running children (traces serve, traces watch, an idle node) and the hook's workers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clock ticks per second: the resolution of utime/stime in /proc/PID/stat. */
const CLK_TCK = (() => {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();
const TICK_MS = 1000 / CLK_TCK;

/** CPU time (user + system) a live process has used so far, in ms, from /proc/PID/stat. */
function cpuMs(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** VmRSS and VmHWM (KiB) of a live process, from /proc/PID/status. */
function memKiB(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (key) => {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

/**
 * Starts a child that keeps running (its own process group, killed with it if we die) and
 * resolves once `ready` matches its stdout or stderr (at once without `ready`). The returned
 * service keeps the child's output and an `exited` promise.
 */
function startService(label, args, { env, ready, stream = 'stderr', timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const svc = { label, child, stdout: '', stderr: '', match: undefined, exit: undefined };
    svc.exited = new Promise((done) =>
      child.on('exit', (code, signal) => {
        live.delete(child);
        svc.exit = { code, signal };
        done(svc.exit);
      }),
    );
    let settled = false;
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
        reject(error);
      } else resolve(svc);
    };
    const check = () => {
      if (!ready || settled) return;
      const m = ready.exec(svc[stream]);
      if (m) {
        svc.match = m;
        settle();
      }
    };
    child.stdout.setEncoding('utf8').on('data', (s) => {
      if (svc.stdout.length < 16 * MiB) svc.stdout += s;
      check();
    });
    child.stderr.setEncoding('utf8').on('data', (s) => {
      if (svc.stderr.length < 16 * MiB) svc.stderr += s;
      check();
    });
    const timer = setTimeout(() => settle(new Error(`${label}: not ready after ${timeoutMs / 1000} s\nstdout: ${tail(svc.stdout)}\nstderr: ${tail(svc.stderr)}`)), timeoutMs);
    child.on('error', (error) => settle(new Error(`${label}: could not start: ${error.message}`)));
    child.on('exit', (code, signal) => settle(new Error(`${label}: exited (${code ?? signal}) before it was ready\nstdout: ${tail(svc.stdout)}\nstderr: ${tail(svc.stderr)}`)));
    if (!ready) setImmediate(() => settle());
  });
}

/** SIGTERM, then waits up to `timeoutMs` for the exit (then SIGKILLs the group); resolves {code, signal, ms, timedOut}. */
async function stopService(svc, timeoutMs) {
  if (svc.exit) return { ...svc.exit, ms: 0, timedOut: false, before: true };
  const started = performance.now();
  try {
    svc.child.kill('SIGTERM');
  } catch {
    // gone
  }
  let timer;
  const timedOut = await Promise.race([svc.exited.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (timedOut) {
    try {
      process.kill(-svc.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await svc.exited;
  }
  return { ...svc.exit, ms, timedOut };
}

/** A real `traces serve` on port 0, --no-auth, storing under `data`. */
async function startServe(data) {
  const svc = await startService('traces serve', [BIN, 'serve', '--port', '0', '--data', data, '--no-auth'], {
    env: tracesEnv(join(WORK, 'state-serve')),
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    stream: 'stdout',
    timeoutMs: SERVER_START_TIMEOUT_MS,
  });
  svc.base = svc.match[1];
  return svc;
}

/** The pids of the hook workers (`traces hook --worker`) running with TRACES_STATE_DIR=stateDir. */
function findWorkers(stateDir) {
  const pids = [];
  let names = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!argv.includes('hook') || !argv.includes('--worker')) continue;
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(`TRACES_STATE_DIR=${stateDir}`)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function killWorkers(stateDir) {
  const pids = findWorkers(stateDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return pids;
}

/** Waits until the hook's worker is done: the queue empty, the lock free, no worker process left. Resolves the ms waited. */
async function waitForWorkers(stateDir, label, timeoutMs = 60_000) {
  const queue = join(stateDir, 'queue.ndjson');
  const lock = join(stateDir, 'worker.lock');
  const started = performance.now();
  for (;;) {
    let queued = 0;
    try {
      queued = readFileSync(queue, 'utf8').split('\n').filter((l) => l.trim()).length;
    } catch {
      // no queue yet
    }
    const workers = findWorkers(stateDir);
    if (queued === 0 && !existsSync(lock) && workers.length === 0) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      killWorkers(stateDir);
      throw new Error(
        `${label}: the hook's worker was not done after ${timeoutMs / 1000} s (queue ${queued} entries, lock ${existsSync(lock) ? 'held' : 'free'}, ` +
          `workers ${workers.join(', ') || 'none'}; killed); see ${join(stateDir, 'hook.log')}`,
      );
    }
    await sleep(20);
  }
}

/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
};

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
  log(`[1/8] writing a ${sizeLabel(CFG.largeBytes)} session…`);
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

  log('[1/8] warm-up: one curl upload (page cache, server JIT)');
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
      log(`[1/8] ${label}: ${fmtS(r.ms)}, peak RSS ${fmtMiB(r.rssKiB)}${r.cpuS === undefined ? '' : `, CPU ${r.cpuS.toFixed(2)} s`}`);
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
  log(`[2/8] startup: ${CFG.versionReps} runs each of \`traces --version\` and \`node -e 0\``);
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
  log(`[4/8] writing ${count(CFG.sessions)} small sessions…`);
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

  log(`[4/8] first upload of ${count(CFG.sessions)} sessions…`);
  let before = await serverStats(base);
  const first = await measure(NODE, args, { env, label: 'first upload' });
  let after = await serverStats(base);
  if (after.requests - before.requests !== CFG.sessions) {
    throw new Error(`first upload: the server got ${after.requests - before.requests} PUTs, expected ${CFG.sessions}\n${tail(first.stderr)}`);
  }
  log(`[4/8] first upload: ${fmtS(first.ms)}, peak RSS ${fmtMiB(first.rssKiB)}${first.cpuS === undefined ? '' : `, CPU ${first.cpuS.toFixed(2)} s`}`);

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
    log(`[4/8] rerun ${i + 1}/${CFG.rerunReps}: traces ${fmtMs(reruns[i])}, stat walk ${fmtMs(walks[i])}`);
  }
  return { totalBytes, first, rerun: median(reruns), walk: median(walks), allReruns: reruns, allWalks: walks };
}

async function benchHook(base) {
  const home = buildHome(join(WORK, 'hook-home'), { seed: 'bench:hook' });
  const stateDir = join(WORK, 'state-hook');
  hookStateDirs.add(stateDir);
  const env = tracesEnv(stateDir);
  const args = [BIN, 'hook', '--session', home.root, '--to', base];
  const before = await serverStats(base);
  const hookRun = async (label) => {
    const r = quickRun(NODE, args, { env, label, stdin: 'ignore' });
    if (r.stdout.trim() || r.stderr.trim()) throw new Error(`${label}: printed something (it should be silent)\nstdout: ${tail(r.stdout)}\nstderr: ${tail(r.stderr)}`);
    const workerMs = await waitForWorkers(stateDir, label);
    return { ms: r.ms, workerMs };
  };
  const nodeRun = (label) => quickRun(NODE, ['-e', '0'], { env, label, stdin: 'ignore' }).ms;

  log(`[3/8] hook: ${CFG.hookReps} runs each of \`traces hook --session FILE\` (the root and its 2 sub-agents) and \`node -e 0\`, the worker drained after each hook`);
  for (let i = 0; i < 2; i++) {
    await hookRun('hook warm-up');
    nodeRun('node -e 0 warm-up');
  }
  const uploaded = (await serverStats(base)).requests - before.requests;
  if (uploaded !== 3) throw new Error(`hook: the workers sent ${uploaded} PUTs; expected the root and its 2 sub-agents once (3)\n${tail(readFileSync(join(stateDir, 'hook.log'), 'utf8'))}`);
  const hooks = [];
  const workers = [];
  const node = [];
  for (let i = 0; i < CFG.hookReps; i++) {
    // Alternate who goes first; each hook's worker is done before anything else is timed.
    const h = async () => {
      const r = await hookRun(`hook ${i + 1}`);
      hooks.push(r.ms);
      workers.push(r.workerMs);
    };
    const n = () => node.push(nodeRun(`node -e 0 ${i + 1}`));
    if (i % 2) {
      n();
      await h();
    } else {
      await h();
      n();
    }
  }
  const warnings = readFileSync(join(stateDir, 'hook.log'), 'utf8')
    .split('\n')
    .filter((l) => / (warn|error): /.test(l));
  if (warnings.length) throw new Error(`hook: ${warnings.length} warning(s) in hook.log, e.g. ${warnings[0]}`);
  log(`[3/8] hook: median ${fmtMs(median(hooks))} vs node -e 0 ${fmtMs(median(node))}; worker done ${fmtMs(median(workers))} after the hook returned (median)`);
  return { ms: median(hooks), node: median(node), worker: median(workers), allHooks: hooks, allNode: node };
}

async function benchIdleWatcher(base, dir, stateDir) {
  log(`[5/8] idle watcher over ${count(CFG.sessions)} sessions (the ledger of the reruns: nothing to send)`);
  const before = await serverStats(base);
  const idle = await startService('idle node', ['-e', 'setInterval(()=>{},1e9)'], { env: childEnv() });
  let watcher;
  try {
    const started = performance.now();
    watcher = await startService('idle traces watch', [BIN, 'watch', '--sessions-dir', dir, '--to', base], {
      env: tracesEnv(stateDir),
      ready: /^watching /m,
      timeoutMs: 120_000,
    });
    const readyMs = performance.now() - started;
    const startupCpu = cpuMs(watcher.child.pid);
    const sent = (await serverStats(base)).requests - before.requests;
    if (sent !== 0) throw new Error(`idle watcher: the catch-up sent ${sent} PUTs; everything had been uploaded\n${tail(watcher.stderr)}`);
    log(`[5/8] watching after ${fmtS(readyMs)} (CPU ${fmtMs(startupCpu)}); idle for ${IDLE_SETTLE_MS / 1000} s, then measuring ${IDLE_WINDOW_MS / 1000} s`);
    await sleep(IDLE_SETTLE_MS);
    const w0 = cpuMs(watcher.child.pid);
    const n0 = cpuMs(idle.child.pid);
    const t0 = performance.now();
    await sleep(IDLE_WINDOW_MS);
    const w1 = cpuMs(watcher.child.pid);
    const n1 = cpuMs(idle.child.pid);
    const windowMs = performance.now() - t0;
    const mem = memKiB(watcher.child.pid);
    const idleMem = memKiB(idle.child.pid);
    const idleSent = (await serverStats(base)).requests - before.requests;
    if (idleSent !== 0) throw new Error(`idle watcher: sent ${idleSent} PUTs while idle`);
    const stop = await stopService(watcher, 30_000);
    log(`[5/8] watcher CPU ${fmtMs(w1 - w0)} in ${fmtS(windowMs)}, RSS ${fmtMiB(mem.rss)} (peak ${fmtMiB(mem.hwm)}); idle node CPU ${fmtMs(n1 - n0)}, RSS ${fmtMiB(idleMem.rss)}; SIGTERM: ${stop.timedOut ? 'no exit, killed' : `exit ${stop.code ?? stop.signal}`} after ${fmtMs(stop.ms)}`);
    if (stop.code !== 0) log(`[5/8] watcher stderr: ${tail(watcher.stderr)}`);
    return { readyMs, startupCpu, cpu: w1 - w0, idleCpu: n1 - n0, windowMs, mem, idleMem, stop };
  } finally {
    if (watcher && !watcher.exit) await stopService(watcher, 5_000);
    await stopService(idle, 5_000);
  }
}

async function benchEventsPush(serve, data) {
  if (!existsSync(REAL_SESSION)) {
    log(`[6/8] events push: ${REAL_SESSION} is absent; skipped`);
    return { skipped: `${REAL_SESSION} is absent` };
  }
  const bytes = statSync(REAL_SESSION).size;
  let run = 0;
  const push = async (label) => {
    // A fresh state dir each time: the events ledger is empty, so the session is started and every event sent.
    const stateDir = join(WORK, 'state-events', String(++run));
    const r = await measure(NODE, [BIN, 'events', 'push', REAL_SESSION, '--to', serve.base, '--force', '--json'], { env: tracesEnv(stateDir), label });
    let doc;
    try {
      doc = JSON.parse(r.stdout);
    } catch {
      throw new Error(`${label}: --json printed no JSON: ${tail(r.stdout)}`);
    }
    const s = doc.sessions?.[0];
    if (doc.failed !== 0 || doc.sessions?.length !== 1 || s.status !== 'pushed' || !(s.events > 0)) throw new Error(`${label}: unexpected answer: ${tail(r.stdout)}`);
    return { ...r, events: s.events, batches: s.batches, id: s.session_id };
  };
  log(`[6/8] events push of ${basename(REAL_SESSION)} (${(bytes / 1024).toFixed(0)} KiB) to traces serve: one untimed warm-up push`);
  const warm = await push('events push warm-up');
  const dir = join(data, 'events', warm.id);
  const storedEvents = join(dir, 'events.ndjson');
  const stored = () => readFileSync(storedEvents, 'utf8').split('\n').filter((l) => l.trim()).length;
  if (stored() !== warm.events) throw new Error(`events push: the server holds ${stored()} events, traces said it sent ${warm.events}`);
  // The baseline's payload: the events as the server stored them, and the session as it started it.
  const stored0 = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
  const start = {};
  for (const k of ['session_id', 'session_name', 'event_name', 'source', 'start_time', 'end_time', 'duration', 'config', 'inputs', 'outputs', 'metadata', 'user_properties', 'children_ids']) {
    if (stored0[k] !== undefined) start[k] = stored0[k];
  }
  const sessionJson = join(WORK, 'events-session.json');
  const payload = join(WORK, 'events-payload.ndjson');
  writeFileSync(sessionJson, JSON.stringify(start));
  copyFileSync(storedEvents, payload);
  const post = async (label) => {
    const r = await measure(NODE, [join(BENCH, 'events-post.mjs'), serve.base, sessionJson, payload], { env: childEnv({ TRACES_TOKEN: TOKEN }), label });
    const doc = JSON.parse(r.stdout);
    if (doc.events !== warm.events) throw new Error(`${label}: sent ${doc.events} events, expected ${warm.events}`);
    return { ...r, events: doc.events, batches: doc.batches };
  };
  await post('events-post warm-up');
  const runs = { traces: [], post: [] };
  for (let i = 0; i < CFG.eventsReps; i++) {
    for (const who of i % 2 ? ['post', 'traces'] : ['traces', 'post']) {
      const label = `${who === 'traces' ? 'traces events push' : 'events-post.mjs'} ${i + 1}/${CFG.eventsReps}`;
      const r = who === 'traces' ? await push(label) : await post(label);
      if (who === 'traces' && r.events !== warm.events) throw new Error(`${label}: sent ${r.events} events, the warm-up ${warm.events}`);
      runs[who].push(r);
      log(`[6/8] ${label}: ${fmtMs(r.ms)} (${Math.round(r.events / (r.ms / 1000))} events/s)${r.cpuS === undefined ? '' : `, CPU ${r.cpuS.toFixed(2)} s`}`);
    }
  }
  // Same ids every time: the server must still hold one copy of each event.
  if (stored() !== warm.events) throw new Error(`events push: after ${run + CFG.eventsReps + 1} pushes the server holds ${stored()} events, expected ${warm.events} (ids not deterministic?)`);
  const med = (rs, key) => (rs.some((r) => r[key] === undefined) ? undefined : median(rs.map((r) => r[key])));
  const summary = (rs) => ({ ms: med(rs, 'ms'), cpuS: med(rs, 'cpuS'), rssKiB: Math.max(...rs.map((r) => r.rssKiB ?? 0)) || undefined, all: rs.map((r) => r.ms) });
  return { bytes, events: warm.events, batches: warm.batches, traces: summary(runs.traces), post: summary(runs.post) };
}

async function benchWatchLatency(serve, data, minInterval) {
  const tag = `min-interval-${minInterval}`;
  const seed = `bench:watch:${tag}`;
  const id = uuidFrom(seed);
  const dir = join(WORK, `watch-${tag}`, 'sessions');
  const file = join(dir, `${id}.jsonl`);
  writeSession(file, header({ id }), entries(seed, 1));
  const indexFile = join(data, 'index', 'sessions', `${id}.json`);
  const storedBytes = () => {
    try {
      return JSON.parse(readFileSync(indexFile, 'utf8')).bytes ?? -1;
    } catch {
      return -1; // not there yet, or between the temp write and the rename
    }
  };
  log(`[7/8] watch latency (--debounce ${DEBOUNCE_MS} --min-interval ${minInterval}): ${CFG.appends} appends ${APPEND_SPACING_MS} ms apart`);
  const watcher = await startService(`traces watch (${tag})`, [BIN, 'watch', dir, '--debounce', String(DEBOUNCE_MS), '--min-interval', String(minInterval), '--json', '--to', serve.base], {
    env: tracesEnv(join(WORK, `state-watch-${tag}`)),
    ready: /^watching /m,
  });
  const latencies = [];
  let lost = 0;
  let wake;
  let dirWatcher;
  let stop;
  try {
    // The catch-up sends the session as written; then every append on its own.
    const waitStored = (expected, timeoutMs) =>
      new Promise((resolve) => {
        const check = () => {
          if (storedBytes() >= expected) finish(performance.now());
        };
        const finish = (at) => {
          clearInterval(poll);
          clearTimeout(timer);
          wake = undefined;
          resolve(at);
        };
        const poll = setInterval(check, 25); // in case an fs.watch event is missed
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        wake = check;
        check();
      });
    if ((await waitStored(statSync(file).size, 30_000)) === undefined) throw new Error(`${tag}: the catch-up upload never reached the server\n${tail(watcher.stderr)}`);
    dirWatcher = fsWatch(dirname(indexFile), () => wake?.()); // the store renames the index record into place
    const deadline = performance.now() + CFG.appends * (APPEND_SPACING_MS + 1000) + 60_000;
    for (let i = 0; i < CFG.appends && performance.now() < deadline; i++) {
      const line = `${JSON.stringify({ type: 'message', id: hex8(`${seed}:append:${i}`), parentId: null, timestamp: new Date().toISOString(), message: { role: 'user', content: [{ type: 'text', text: `append ${i}` }] } })}\n`;
      const expected = statSync(file).size + Buffer.byteLength(line);
      const t0 = performance.now();
      appendFileSync(file, line);
      const at = await waitStored(expected, APPEND_TIMEOUT_MS);
      if (at === undefined) {
        lost++;
        log(`[7/8] ${tag}: append ${i + 1} not on the server after ${APPEND_TIMEOUT_MS / 1000} s`);
        if (lost >= 3) break;
      } else latencies.push(at - t0);
      const left = t0 + APPEND_SPACING_MS - performance.now();
      if (left > 0) await sleep(left);
    }
  } finally {
    dirWatcher?.close();
    stop = await stopService(watcher, 30_000);
  }
  const uploads = watcher.stdout.split('\n').filter((l) => l.trim()).filter((l) => {
    try {
      return JSON.parse(l).status === 'uploaded';
    } catch {
      return false;
    }
  }).length;
  const r = { minInterval, latencies, lost, uploads, stop, n: CFG.appends };
  if (latencies.length) {
    r.p50 = percentile(latencies, 50);
    r.p95 = percentile(latencies, 95);
    r.min = Math.min(...latencies);
    r.max = Math.max(...latencies);
  }
  log(`[7/8] ${tag}: p50 ${r.p50 === undefined ? 'n/a' : fmtMs(r.p50)}, p95 ${r.p95 === undefined ? 'n/a' : fmtMs(r.p95)}, ${uploads} uploads (1 catch-up + ${CFG.appends} appends), ${lost} lost; SIGTERM: exit ${stop.code ?? stop.signal}`);
  return r;
}

/** A loopback port nobody listens on: bound, then closed, so every connect is refused. */
async function deadPort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function benchDeadBackend(serve) {
  const dir = join(WORK, 'dead', 'sessions');
  log(`[8/8] writing ${count(DEAD_SESSIONS)} small sessions…`);
  for (let i = 0; i < DEAD_SESSIONS; i++) {
    const seed = `bench:dead:${i}`;
    const id = uuidFrom(seed);
    writeSession(join(dir, `${id}.jsonl`), header({ id }), entries(seed, 1));
  }
  const json = (label, r) => {
    try {
      return JSON.parse(r.stdout);
    } catch {
      throw new Error(`${label}: --json printed no JSON: ${tail(r.stdout)}\n${tail(r.stderr)}`);
    }
  };
  const dead = `http://127.0.0.1:${await deadPort()}`;
  log(`[8/8] upload of ${count(DEAD_SESSIONS)} sessions to ${dead} (nobody listens)…`);
  // A fresh state dir for each run: an empty ledger, so every session is to be sent.
  const down = await measure(NODE, [BIN, 'upload', '--sessions-dir', dir, '--to', dead, '--json'], { env: tracesEnv(join(WORK, 'state-dead')), label: 'dead-backend upload', okCodes: [1] });
  const downDoc = json('dead-backend upload', down);
  if (!downDoc.unreachable || downDoc.total !== DEAD_SESSIONS || downDoc.uploaded !== 0 || downDoc.failed + downDoc.pending !== DEAD_SESSIONS) {
    throw new Error(`dead-backend upload: unexpected answer: ${JSON.stringify({ ...downDoc, sessions: undefined })}`);
  }
  const problems = down.stderr.split('\n').filter((l) => /unreachable/.test(l)).length;
  log(`[8/8] dead backend: ${fmtS(down.ms)}, exit ${down.code}, ${downDoc.failed} attempted, ${downDoc.pending} kept pending (${downDoc.unreachable})`);

  log(`[8/8] upload of the same ${count(DEAD_SESSIONS)} sessions to traces serve ${serve.base}…`);
  const up = await measure(NODE, [BIN, 'upload', '--sessions-dir', dir, '--to', serve.base, '--json'], { env: tracesEnv(join(WORK, 'state-live')), label: 'live-backend upload' });
  const upDoc = json('live-backend upload', up);
  if (upDoc.uploaded !== DEAD_SESSIONS) throw new Error(`live-backend upload: ${upDoc.uploaded} of ${DEAD_SESSIONS} uploaded`);
  log(`[8/8] live backend: ${fmtS(up.ms)}`);
  return { down, downDoc, problems, up };
}

// ---------------------------------------------------------------------------------------------
// Report

/** The commit, and whether src/ differs from it (dist/ may then hold uncommitted code). */
function gitState() {
  const git = (args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return '';
  const dirty = git(['status', '--porcelain', '--', 'src']).stdout.split('\n').filter((l) => l.trim()).length;
  return `git ${head.stdout.trim()}${dirty ? ` with ${dirty} uncommitted file(s) in src/` : ''}`;
}

function machine() {
  const cpu = cpus();
  const curl = spawnSync('curl', ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout?.split('\n')[0]?.split(' ').slice(0, 2).join(' ') ?? 'curl ?';
  const built = new Date(statSync(DIST_CLI).mtimeMs).toISOString();
  return [
    `- CPU: ${cpu[0]?.model?.trim() ?? 'unknown'}, ${cpu.length} cores; RAM ${(totalmem() / 1024 ** 3).toFixed(1)} GiB; ${platform()} ${release()} ${arch()}`,
    `- Node ${process.version}; ${curl}; peak RSS via ${GNU_TIME ? '`/usr/bin/time -f %M`' : '/proc/PID/status VmHWM polled every 20 ms'}`,
    `- traces ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}, dist/cli.js built ${built}; at the start of the run the checkout was ${GIT_AT_START || 'not a git checkout'}`,
    `- load average (1 min) at the start ${LOAD_AT_START.toFixed(2)}, at the end ${loadavg()[0].toFixed(2)}: anything else running on the machine shows up here`,
  ];
}

/** The rows of issues 5, 6 and 9; a section that failed or was skipped gets one row saying so. */
function moreRows({ hook, idle, events, watches, dead }) {
  const N = count(CFG.sessions);
  const rows = [];
  const notRun = (what, r) => [what, r.failed ? `**failed**: ${r.failed.split('\n')[0]}` : `skipped: ${r.skipped}`, '—', '—', '—', r.failed ? '**no**' : 'n/a'];

  const realName = `../shared/fixtures/real/${basename(REAL_SESSION)}`;
  if (events.failed || events.skipped) rows.push(notRun(`\`traces events push\` of ${realName} to \`traces serve\``, events));
  else {
    const eps = (ms) => Math.round(events.events / (ms / 1000));
    rows.push([
      `\`traces events push FILE --force\` of ${realName} (${(events.bytes / MiB).toFixed(2)} MiB, ${count(events.events)} events, ${events.batches} batches) to \`traces serve\`, wall time (median of ${CFG.eventsReps}; a fresh state dir each run)`,
      `${fmtMs(events.traces.ms)} (${count(eps(events.traces.ms))} events/s; CPU ${events.traces.cpuS === undefined ? 'n/a' : `${events.traces.cpuS.toFixed(2)} s`}; peak RSS ${fmtMiB(events.traces.rssKiB)})`,
      `${fmtMs(events.post.ms)} (${count(eps(events.post.ms))} events/s; bench/events-post.mjs: the same events already converted, same batches, node:http)`,
      fmtRatio(events.traces.ms / events.post.ms),
      '(info)',
      '—',
    ]);
  }

  if (hook.failed) rows.push(notRun('`traces hook --session FILE`, wall time', hook));
  else {
    rows.push([
      `\`traces hook --session FILE\` (queues the root + 2 sub-agents, starts the worker), wall time (median of ${CFG.hookReps}; stdin /dev/null; the worker done before the next run)`,
      fmtMs(hook.ms),
      `${fmtMs(hook.node)} (\`node -e 0\`)`,
      fmtRatio(hook.ms / hook.node),
      `< ${GOALS.hookMs} ms`,
      yesNo(hook.ms < GOALS.hookMs),
    ]);
  }

  for (const w of watches) {
    const what = `\`traces watch --debounce ${DEBOUNCE_MS} --min-interval ${w.minInterval}\` latency, append → \`traces serve\` holds it`;
    if (w.failed) {
      rows.push(notRun(what, w));
      continue;
    }
    const ok = w.lost === 0 && w.stop.code === 0 && w.latencies.length === w.n;
    rows.push([
      `${what}: p50 / p95 over ${w.latencies.length} of ${w.n} appends ${APPEND_SPACING_MS} ms apart (${w.uploads} uploads${w.lost ? `, **${w.lost} not stored in ${APPEND_TIMEOUT_MS / 1000} s**` : ''}; SIGTERM: exit ${w.stop.code ?? w.stop.signal})`,
      w.p50 === undefined ? 'n/a' : `${fmtMs(w.p50)} / ${fmtMs(w.p95)}`,
      `${DEBOUNCE_MS} ms (the debounce)`,
      w.p50 === undefined ? 'n/a' : fmtRatio(w.p50 / DEBOUNCE_MS),
      '(info)',
      ok ? '—' : '**no**',
    ]);
  }

  const deadWhat = `\`traces upload\` of ${count(DEAD_SESSIONS)} sessions to a port nobody listens on (default retries and concurrency), wall time`;
  if (!dead || dead.failed) rows.push(notRun(deadWhat, dead ?? { failed: 'not run' }));
  else {
    const d = dead.downDoc;
    rows.push([
      `${deadWhat} (exit ${dead.down.code}; ${d.failed} sessions attempted, ${d.pending} kept pending; ${d.unreachable}; ${dead.problems} line saying so)`,
      fmtS(dead.down.ms),
      `${fmtS(dead.up.ms)} (the same sessions to a live \`traces serve\`)`,
      fmtRatio(dead.down.ms / dead.up.ms),
      `< ${GOALS.deadBackendS} s`,
      yesNo(dead.down.ms / 1000 < GOALS.deadBackendS && dead.down.code === 1 && dead.problems === 1),
    ]);
  }

  if (idle.failed) rows.push(notRun(`idle \`traces watch\` over ${N} sessions`, idle));
  else {
    rows.push([
      `idle \`traces watch --sessions-dir\` over ${N} sessions (all uploaded; catch-up sent 0), CPU user+sys over ${(idle.windowMs / 1000).toFixed(1)} s`,
      `${idle.cpu.toFixed(0)} ms (${Math.round(idle.cpu / TICK_MS)} ticks; reaching "watching" took ${fmtS(idle.readyMs)}, ${idle.startupCpu.toFixed(0)} ms CPU)`,
      `${idle.idleCpu.toFixed(0)} ms (idle \`node -e "setInterval(()=>{},1e9)"\`, same window)`,
      'n/a',
      `no measurable CPU (≤ ${TICK_MS.toFixed(0)} ms: 1 tick of /proc/PID/stat)`,
      yesNo(idle.cpu <= TICK_MS),
    ]);
    rows.push([
      `idle \`traces watch\` over ${N} sessions, RSS at the end of the window / peak (VmRSS / VmHWM)`,
      `${fmtMiB(idle.mem.rss)} / ${fmtMiB(idle.mem.hwm)}`,
      `${fmtMiB(idle.idleMem.rss)} / ${fmtMiB(idle.idleMem.hwm)} (idle node)`,
      fmtRatio(idle.mem.hwm / idle.idleMem.hwm),
      `< ${GOALS.idleRssMiB} MiB`,
      yesNo(idle.mem.hwm / 1024 < GOALS.idleRssMiB),
    ]);
    rows.push([
      'idle `traces watch`: SIGTERM',
      idle.stop.timedOut ? 'no exit after 30 s (killed)' : `exit ${idle.stop.code ?? idle.stop.signal} after ${fmtMs(idle.stop.ms)}`,
      '—',
      '—',
      'exit 0',
      yesNo(!idle.stop.timedOut && idle.stop.code === 0),
    ]);
  }
  return rows;
}

/** The notes of the rows of issues 5, 6 and 9: how each was measured, and the raw figures. */
function howMore({ hook, idle, events, watches, dead }) {
  const ms = (xs, digits = 1) => xs.map((x) => x.toFixed(digits)).join(', ');
  const out = [
    'Issues 5, 6 and 9:',
    '',
    `- events push: a real \`traces serve --port 0 --no-auth\` (its own process, data under bench/.work/). \`traces events push FILE --to URL --force --json\` runs with a fresh TRACES_STATE_DIR each time, so it really starts the session and sends every event; events/s = the events it reports / its wall time (spawn to exit, so Node startup and the conversion are in it). ` +
      'The baseline, bench/events-post.mjs, POSTs the very same events (as the server stored them after an untimed warm-up push) in batches of 100 over one keep-alive node:http connection, after the same POST /v1/sessions: the cost of Node plus the server, without reading or converting the session. ' +
      'Both re-send events the server already holds (same ids), so the server does the same work for both; after all runs it must still hold exactly one copy of each event.',
    `- hook: \`traces hook --session ROOT --to SINK\` with stdin on /dev/null, the session having 2 sub-agents under session-artifacts/; wall time is spawn to exit (spawnSync), the detached worker is not in it. ` +
      'After each hook, the next measurement waits until its worker is done (queue.ndjson empty, worker.lock gone, no `traces hook --worker` process with that TRACES_STATE_DIR left); the workers uploaded the 3 sessions once, then found them unchanged. ' +
      '`node -e 0` runs interleaved with the same environment.',
    `- watch latency: \`traces watch DIR --debounce ${DEBOUNCE_MS} --min-interval M --json --to SERVE\` on a folder with one session; after the catch-up, one complete JSON line is appended every ${APPEND_SPACING_MS} ms; ` +
      'latency = from just before the append to the moment this process sees the server\'s record of the session (DATA/index/sessions/ID.json, renamed into place after the body is stored) with the new size (fs.watch on that folder, plus a 25 ms poll as a fallback). ' +
      `The baseline is the debounce itself: the least any debounced upload can take. With M = ${DEBOUNCE_MS} the debounce is what decides; ` +
      'with M = 0 (asked for as "no rate limit") the scheduler uploads as soon as the change is seen: its deadline is min(last change + debounce, first unsent change + min-interval), so a min-interval below the debounce overrides it.',
    `- idle watcher: \`traces watch --sessions-dir DIR --to SINK\` over the sessions of the first-upload row, with the ledger of the reruns, so the catch-up must send nothing (checked on the sink). ` +
      `From ${IDLE_SETTLE_MS / 1000} s after it printed "watching", its CPU (utime + stime in /proc/PID/stat, ${TICK_MS} ms resolution) is read over ${IDLE_WINDOW_MS / 1000} s, then VmRSS/VmHWM from /proc/PID/status; ` +
      'an idle `node -e "setInterval(()=>{},1e9)"` started just before it is measured over the same window. Then SIGTERM: it must flush, save the ledger and exit 0.',
    `- dead backend: ${count(DEAD_SESSIONS)} small sessions (one turn each); a loopback port is bound and closed again, so every connect to it is refused. ` +
      '`traces upload --sessions-dir DIR --to http://127.0.0.1:PORT --json` with a fresh state dir, default --retries (3) and concurrency (4): it must exit 1, print one line saying the backend is unreachable, and keep every session for the next run. ' +
      'The baseline is the same command, same sessions, fresh state dir, to the live `traces serve`.',
    '',
  ];
  const raw = [];
  if (events && !events.failed && !events.skipped) raw.push(`events push traces ${ms(events.traces.all, 0)}; events-post.mjs ${ms(events.post.all, 0)}`);
  if (hook && !hook.failed) raw.push(`hook ${ms(hook.allHooks)}; node -e 0 ${ms(hook.allNode)}; hook worker done after the hook returned (median) ${fmtMs(hook.worker)}`);
  for (const w of watches ?? []) {
    if (w.failed || !w.latencies.length) continue;
    raw.push(`watch --min-interval ${w.minInterval} latency min ${fmtMs(w.min)}, p50 ${fmtMs(w.p50)}, p95 ${fmtMs(w.p95)}, max ${fmtMs(w.max)}, ${w.uploads} uploads, ${w.lost} lost`);
  }
  if (idle && !idle.failed) raw.push(`idle watcher ready after ${fmtS(idle.readyMs)}; idle node RSS ${fmtMiB(idle.idleMem.rss)}`);
  if (dead && !dead.failed) raw.push(`dead-backend upload ${dead.down.ms.toFixed(0)} (peak RSS ${fmtMiB(dead.down.rssKiB)}); live ${dead.up.ms.toFixed(0)}`);
  if (raw.length) out.push(`Raw (ms): ${raw.join('; ')}.`);
  return out;
}

function table(large, startup, many, more) {
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
    ...moreRows(more),
  ];
  const lines = ['| measure | traces | baseline | ratio | goal | met? |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines;
}

// ---------------------------------------------------------------------------------------------

/** Runs one of the sections of issues 5 and 6; a failure becomes its row's note (and exit code 1) instead of ending the run. */
const sectionFailures = [];
async function section(name, fn) {
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`bench: ${name} failed: ${message}`);
    sectionFailures.push(`${name}: ${message}`);
    return { failed: message };
  }
}

const LOAD_AT_START = loadavg()[0];
const GIT_AT_START = gitState();

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
  const more = {};
  more.hook = await section('hook', () => benchHook(base));
  const many = await benchManySessions(base);
  more.idle = await section('idle watcher', () => benchIdleWatcher(base, join(WORK, 'many', 'sessions'), join(WORK, 'state-many')));

  // Issue 5 and the watch latency go to a real `traces serve`.
  const data = join(WORK, 'serve-data');
  let serve;
  try {
    serve = await startServe(data);
    log(`bench: traces serve on ${serve.base} (pid ${serve.child.pid}), data in ${data}`);
    more.events = await section('events push', () => benchEventsPush(serve, data));
    more.dead = await section('dead backend', () => benchDeadBackend(serve));
    more.watches = [];
    for (const minInterval of [DEBOUNCE_MS, 0]) {
      const w = await section(`watch latency --min-interval ${minInterval}`, () => benchWatchLatency(serve, data, minInterval));
      more.watches.push({ minInterval, ...w });
    }
  } catch (error) {
    const failed = `traces serve: ${error instanceof Error ? error.message : String(error)}`;
    sectionFailures.push(failed);
    more.events ??= { failed };
    more.dead ??= { failed };
    more.watches ??= [DEBOUNCE_MS, 0].map((minInterval) => ({ minInterval, failed }));
  } finally {
    if (serve) {
      const stop = await stopService(serve, 15_000);
      if (stop.code !== 0) log(`bench: traces serve ended with ${stop.timedOut ? 'no exit (killed)' : `exit ${stop.code ?? stop.signal}`}`);
    }
  }
  for (const dir of hookStateDirs) {
    const killed = killWorkers(dir);
    if (killed.length) log(`bench: killed leftover hook worker(s) ${killed.join(', ')}`);
  }

  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const mode = QUICK ? 'quick (`npm run bench -- --quick`: reduced sizes, not the reference figures)' : 'full (`npm run bench`)';
  const lines = [
    '# Benchmark results',
    '',
    `Run ${when}, mode ${mode}, ${((Date.now() - started) / 1000).toFixed(0)} s in all. Every baseline ran in the same run, on the same machine, interleaved with traces.`,
    '',
    ...table(large, startup, many, more),
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
    '',
    ...howMore(more),
  ];
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  writeFileSync(RESULTS, text);
  log(`bench: wrote ${RESULTS}`);  if (sectionFailures.length) throw new Error(`${sectionFailures.length} section(s) failed (their rows say so):\n${sectionFailures.join('\n')}`);
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
