// an idle `traces watch` over the sessions of many-sessions (everything already uploaded): CPU
// time over 10 s and RSS, vs an idle `node -e "setInterval(()=>{},1e9)"` measured in the same
// 10 s; then SIGTERM, which must end it with exit 0.
import { join } from 'node:path';
import {
  BIN,
  CFG,
  childEnv,
  count,
  cpuMs,
  fmtMiB,
  fmtMs,
  fmtRatio,
  fmtS,
  GOALS,
  log,
  memKiB,
  serverStats,
  sleep,
  startService,
  stopService,
  tail,
  TICK_MS,
  tracesEnv,
  WORK,
  yesNo,
} from '../harness.mjs';

const IDLE_WINDOW_MS = 10_000;
const IDLE_SETTLE_MS = 1_000; // after "watching", before the idle window starts

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
    log(
      `[5/8] watching after ${fmtS(readyMs)} (CPU ${fmtMs(startupCpu)}); idle for ${IDLE_SETTLE_MS / 1000} s, then measuring ${IDLE_WINDOW_MS / 1000} s`,
    );
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
    log(
      `[5/8] watcher CPU ${fmtMs(w1 - w0)} in ${fmtS(windowMs)}, RSS ${fmtMiB(mem.rss)} (peak ${fmtMiB(mem.hwm)}); idle node CPU ${fmtMs(n1 - n0)}, RSS ${fmtMiB(idleMem.rss)}; SIGTERM: ${stop.timedOut ? 'no exit, killed' : `exit ${stop.code ?? stop.signal}`} after ${fmtMs(stop.ms)}`,
    );
    if (stop.code !== 0) log(`[5/8] watcher stderr: ${tail(watcher.stderr)}`);
    return { readyMs, startupCpu, cpu: w1 - w0, idleCpu: n1 - n0, windowMs, mem, idleMem, stop };
  } finally {
    if (watcher && !watcher.exit) await stopService(watcher, 5_000);
    await stopService(idle, 5_000);
  }
}

export const name = 'watch-idle';
export const needs = 'sink';
export const after = ['many-sessions'];

export async function run(ctx) {
  const result = await benchIdleWatcher(ctx.base, join(WORK, 'many', 'sessions'), join(WORK, 'state-many'));
  return result;
}

export const what = () => `idle \`traces watch\` over ${count(CFG.sessions)} sessions`;

export function rows(idle) {
  const N = count(CFG.sessions);
  return [
    [
      `idle \`traces watch --sessions-dir\` over ${N} sessions (all uploaded; catch-up sent 0), CPU user+sys over ${(idle.windowMs / 1000).toFixed(1)} s`,
      `${idle.cpu.toFixed(0)} ms (${Math.round(idle.cpu / TICK_MS)} ticks; reaching "watching" took ${fmtS(idle.readyMs)}, ${idle.startupCpu.toFixed(0)} ms CPU)`,
      `${idle.idleCpu.toFixed(0)} ms (idle \`node -e "setInterval(()=>{},1e9)"\`, same window)`,
      'n/a',
      `no measurable CPU (≤ ${TICK_MS.toFixed(0)} ms: 1 tick of /proc/PID/stat)`,
      yesNo(idle.cpu <= TICK_MS),
    ],
    [
      `idle \`traces watch\` over ${N} sessions, RSS at the end of the window / peak (VmRSS / VmHWM)`,
      `${fmtMiB(idle.mem.rss)} / ${fmtMiB(idle.mem.hwm)}`,
      `${fmtMiB(idle.idleMem.rss)} / ${fmtMiB(idle.idleMem.hwm)} (idle node)`,
      fmtRatio(idle.mem.hwm / idle.idleMem.hwm),
      `< ${GOALS.idleRssMiB} MiB`,
      yesNo(idle.mem.hwm / 1024 < GOALS.idleRssMiB),
    ],
    [
      'idle `traces watch`: SIGTERM',
      idle.stop.timedOut ? 'no exit after 30 s (killed)' : `exit ${idle.stop.code ?? idle.stop.signal} after ${fmtMs(idle.stop.ms)}`,
      '—',
      '—',
      'exit 0',
      yesNo(!idle.stop.timedOut && idle.stop.code === 0),
    ],
  ];
}

export const how = () => [
  `- idle watcher: \`traces watch --sessions-dir DIR --to SINK\` over the sessions of the first-upload row, with the ledger of the reruns, so the catch-up must send nothing (checked on the sink). ` +
    `From ${IDLE_SETTLE_MS / 1000} s after it printed "watching", its CPU (utime + stime in /proc/PID/stat, ${TICK_MS} ms resolution) is read over ${IDLE_WINDOW_MS / 1000} s, then VmRSS/VmHWM from /proc/PID/status; ` +
    'an idle `node -e "setInterval(()=>{},1e9)"` started just before it is measured over the same window. Then SIGTERM: it must flush, save the ledger and exit 0.',
];

export const raw = (idle) => [`idle watcher ready after ${fmtS(idle.readyMs)}; idle node RSS ${fmtMiB(idle.idleMem.rss)}`];
