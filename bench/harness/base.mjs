// The shared ground of every case: paths, the run's configuration, logging, the environment of
// the children, figures and their formatting, and the run's failures.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH = join(ROOT, 'bench');
export const WORK = join(BENCH, '.work');
export const BIN = join(ROOT, 'bin', 'traces.js');
export const DIST_CLI = join(ROOT, 'dist', 'cli.js');
export const RESULTS = join(BENCH, 'results.md');
export const NODE = process.execPath;
export const MiB = 1024 * 1024;
export const CHILD_TIMEOUT_MS = 5 * 60_000;
export const SERVER_START_TIMEOUT_MS = 10_000;
export const TOKEN = 'bench-token-not-a-secret';
export const REAL_SESSION = join(fileURLToPath(new URL('../../..', import.meta.url)), 'shared', 'fixtures', 'real', 'large-session.jsonl');

/** The sizes and repetitions of this run (set once by bench/run.mjs, from --quick). */
export const CFG = {};
export const GOALS = {};
export const RUN = { quick: false, keep: false };

export function configure({ quick, keep }) {
  Object.assign(RUN, { quick, keep });
  Object.assign(
    CFG,
    quick
      ? { largeBytes: 64 * MiB, sessions: 1_000, uploadReps: 3, versionReps: 10, rerunReps: 3, hookReps: 10, eventsReps: 2, appends: 20 }
      : {
          largeBytes: 512 * MiB,
          sessions: 10_000,
          uploadReps: 3,
          versionReps: 20,
          rerunReps: 3,
          hookReps: 20,
          eventsReps: 3,
          appends: 100,
        },
  );
  Object.assign(GOALS, {
    uploadRatio: 1.3,
    uploadRssMiB: 150,
    versionRatio: 1.5,
    // 20 s for 10,000 sessions; scaled down with the session count in --quick mode.
    firstUploadS: (20 * CFG.sessions) / 10_000,
    rerunRatio: 3,
    hookMs: 150,
    idleRssMiB: 300,
    deadBackendS: 10,
  });
}

export function distReady() {
  return existsSync(DIST_CLI);
}

export function log(line) {
  process.stderr.write(`${line}\n`);
}

/** The environment of every child: no proxy (127.0.0.1 only), none of the developer's traces or prime settings. */
export function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/_proxy$/i.test(k)) continue;
    if (/^(TRACES_|PRIME_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export function tracesEnv(stateDir) {
  return childEnv({
    TRACES_TOKEN: TOKEN,
    TRACES_STATE_DIR: stateDir,
    TRACES_CONFIG_DIR: join(WORK, 'config'),
    CI: '1',
    NO_COLOR: '1',
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const tail = (text, n = 2000) => (text.length > n ? `…${text.slice(-n)}` : text);

/** Nearest-rank percentile. */
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
};

export const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const fmtMs = (ms) => `${ms.toFixed(1)} ms`;
export const fmtMiB = (kib) => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`);
export const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a');
export const yesNo = (ok) => (ok === undefined ? 'n/a' : ok ? 'yes' : '**no**');
export const count = (n) => n.toLocaleString('en-US');
export const sizeLabel = (bytes) => `${Math.round(bytes / MiB)} MiB`;

/** A case that failed: its rows say so, and the run ends with exit 1. */
export const failures = [];

/** Runs one case (or part of one); a failure becomes its rows' note (and exit code 1) instead of ending the run. */
export async function section(name, fn) {
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`bench: ${name} failed: ${message}`);
    failures.push(`${name}: ${message}`);
    return { failed: message };
  }
}

/** The one row of a case that failed or was skipped. */
export const notRun = (what, r) => [
  what,
  r.failed ? `**failed**: ${r.failed.split('\n')[0]}` : `skipped: ${r.skipped}`,
  '—',
  '—',
  '—',
  r.failed ? '**no**' : 'n/a',
];

/** The baseline of a rerun: `node -e WALK_SCRIPT DIR` walks DIR, stats every file, prints the count. */
export const WALK_SCRIPT =
  "const fs=require('node:fs'),path=require('node:path');let n=0;" +
  'const walk=(d)=>{for(const e of fs.readdirSync(d,{withFileTypes:true})){const p=path.join(d,e.name);' +
  'if(e.isDirectory())walk(p);else{fs.statSync(p);n++;}}};walk(process.argv[1]);process.stdout.write(String(n));';
