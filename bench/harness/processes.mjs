// Child processes: one-shot clients measured for wall time, peak RSS and CPU, and long-running
// services (traces serve, traces watch, an idle node) that die with the benchmark.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHILD_TIMEOUT_MS, MiB, NODE, ROOT, RUN, WORK, log, tail } from './base.mjs';

export const live = new Set(); // child processes started detached (own process group)
/** What the clean-up must know: the sink server, whether it ran, how peak RSS is taken. */
export const state = { server: undefined, cleanedUp: false, gnuTime: undefined };
export const hookStateDirs = new Set(); // state dirs whose hook workers (detached by traces itself) we started

export function killChildren() {
  for (const dir of hookStateDirs) killWorkers(dir);
  for (const child of live) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  const server = state.server;
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
}

export function cleanup() {
  if (state.cleanedUp) return;
  state.cleanedUp = true;
  killChildren();
  if (RUN.keep) log(`kept ${WORK}`);
  else rmSync(WORK, { recursive: true, force: true });
}

/** GNU time with -o and -f, if this machine has it; else peak RSS is polled from /proc. */
export function detectGnuTime() {
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

/** Peak RSS (KiB) from /proc/PID/status VmHWM, or undefined where there is no /proc. */
export function readVmHWM(pid) {
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
export function measure(cmd, args, { env, label, okCodes = [0] }) {
  return new Promise((resolve, reject) => {
    const timeFile = join(WORK, `time-${process.hrtime.bigint()}.txt`);
    const [file, fileArgs] = state.gnuTime ? [state.gnuTime, ['-o', timeFile, '-f', '%M %U %S', cmd, ...args]] : [cmd, args];
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
    const poll = state.gnuTime
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
      if (state.gnuTime) {
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
      if (!okCodes.includes(code))
        return reject(new Error(`${label}: exit ${code ?? signal}\nstdout: ${tail(stdout)}\nstderr: ${tail(stderr)}`));
      resolve({ ms, rssKiB, cpuS, stdout, stderr, code });
    });
  });
}

/** A short run timed with spawnSync (startup-sized figures). `stdin: 'ignore'` gives it /dev/null. */
export function quickRun(cmd, args, { env, label, stdin = 'pipe' }) {
  const started = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env,
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * MiB,
    encoding: 'utf8',
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const ms = performance.now() - started;
  if (r.error) throw new Error(`${label}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status ?? r.signal}\nstdout: ${tail(r.stdout)}\nstderr: ${tail(r.stderr)}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clock ticks per second: the resolution of utime/stime in /proc/PID/stat. */
export const CLK_TCK = (() => {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();
export const TICK_MS = 1000 / CLK_TCK;

/** CPU time (user + system) a live process has used so far, in ms, from /proc/PID/stat. */
export function cpuMs(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** VmRSS and VmHWM (KiB) of a live process, from /proc/PID/status. */
export function memKiB(pid) {
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
export function startService(label, args, { env, ready, stream = 'stderr', timeoutMs = 60_000, stdin = 'ignore' }) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, args, { cwd: ROOT, env, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
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
    const timer = setTimeout(
      () => settle(new Error(`${label}: not ready after ${timeoutMs / 1000} s\nstdout: ${tail(svc.stdout)}\nstderr: ${tail(svc.stderr)}`)),
      timeoutMs,
    );
    child.on('error', (error) => settle(new Error(`${label}: could not start: ${error.message}`)));
    child.on('exit', (code, signal) =>
      settle(
        new Error(`${label}: exited (${code ?? signal}) before it was ready\nstdout: ${tail(svc.stdout)}\nstderr: ${tail(svc.stderr)}`),
      ),
    );
    if (!ready) setImmediate(() => settle());
  });
}

/** SIGTERM, then waits up to `timeoutMs` for the exit (then SIGKILLs the group); resolves {code, signal, ms, timedOut}. */
export async function stopService(svc, timeoutMs) {
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

/** The pids of the hook workers (`traces hook --worker`) running with TRACES_STATE_DIR=stateDir. */
export function findWorkers(stateDir) {
  const pids = [];
  let names;
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

export function killWorkers(stateDir) {
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
export async function waitForWorkers(stateDir, label, timeoutMs = 60_000) {
  const queue = join(stateDir, 'queue.ndjson');
  const lock = join(stateDir, 'worker.lock');
  const started = performance.now();
  for (;;) {
    let queued = 0;
    try {
      queued = readFileSync(queue, 'utf8')
        .split('\n')
        .filter((l) => l.trim()).length;
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
