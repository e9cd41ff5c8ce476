// hook: `traces hook --session FILE` vs `node -e 0` (wall time, median of 20; goal < 150 ms); the
// detached worker each hook starts is waited for (queue empty, no lock, no worker process) before
// the next measurement, and killed at the end if it is still there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHome } from '../../fixtures/builder.mjs';
import {
  BIN,
  CFG,
  fmtMs,
  fmtRatio,
  GOALS,
  hookStateDirs,
  killWorkers,
  log,
  median,
  NODE,
  quickRun,
  serverStats,
  tail,
  tracesEnv,
  waitForWorkers,
  WORK,
  yesNo,
} from '../harness.mjs';

async function benchHook(base) {
  const home = buildHome(join(WORK, 'hook-home'), { seed: 'bench:hook' });
  const stateDir = join(WORK, 'state-hook');
  hookStateDirs.add(stateDir);
  const env = tracesEnv(stateDir);
  const args = [BIN, 'hook', '--session', home.root, '--to', base];
  const before = await serverStats(base);
  const hookRun = async (label) => {
    const r = quickRun(NODE, args, { env, label, stdin: 'ignore' });
    if (r.stdout.trim() || r.stderr.trim())
      throw new Error(`${label}: printed something (it should be silent)\nstdout: ${tail(r.stdout)}\nstderr: ${tail(r.stderr)}`);
    const workerMs = await waitForWorkers(stateDir, label);
    return { ms: r.ms, workerMs };
  };
  const nodeRun = (label) => quickRun(NODE, ['-e', '0'], { env, label, stdin: 'ignore' }).ms;

  log(
    `[3/8] hook: ${CFG.hookReps} runs each of \`traces hook --session FILE\` (the root and its 2 sub-agents) and \`node -e 0\`, the worker drained after each hook`,
  );
  for (let i = 0; i < 2; i++) {
    await hookRun('hook warm-up');
    nodeRun('node -e 0 warm-up');
  }
  const uploaded = (await serverStats(base)).requests - before.requests;
  if (uploaded !== 3)
    throw new Error(
      `hook: the workers sent ${uploaded} PUTs; expected the root and its 2 sub-agents once (3)\n${tail(readFileSync(join(stateDir, 'hook.log'), 'utf8'))}`,
    );
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
  log(
    `[3/8] hook: median ${fmtMs(median(hooks))} vs node -e 0 ${fmtMs(median(node))}; worker done ${fmtMs(median(workers))} after the hook returned (median)`,
  );
  return { ms: median(hooks), node: median(node), worker: median(workers), allHooks: hooks, allNode: node };
}

export const name = 'hook';
export const needs = 'sink';
export const after = [];

export async function run(ctx) {
  const result = await benchHook(ctx.base);
  for (const dir of hookStateDirs) {
    const killed = killWorkers(dir);
    if (killed.length) log(`bench: killed leftover hook worker(s) ${killed.join(', ')}`);
  }
  return result;
}

export const what = '`traces hook --session FILE`, wall time';

export function rows(hook) {
  return [
    [
      `\`traces hook --session FILE\` (queues the root + 2 sub-agents, starts the worker), wall time (median of ${CFG.hookReps}; stdin /dev/null; the worker done before the next run)`,
      fmtMs(hook.ms),
      `${fmtMs(hook.node)} (\`node -e 0\`)`,
      fmtRatio(hook.ms / hook.node),
      `< ${GOALS.hookMs} ms`,
      yesNo(hook.ms < GOALS.hookMs),
    ],
  ];
}

export const how = () => [
  `- hook: \`traces hook --session ROOT --to SINK\` with stdin on /dev/null, the session having 2 sub-agents under session-artifacts/; wall time is spawn to exit (spawnSync), the detached worker is not in it. ` +
    'After each hook, the next measurement waits until its worker is done (queue.ndjson empty, worker.lock gone, no `traces hook --worker` process with that TRACES_STATE_DIR left); the workers uploaded the 3 sessions once, then found them unchanged. ' +
    '`node -e 0` runs interleaved with the same environment.',
];

const ms = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
export const raw = (hook) => [
  `hook ${ms(hook.allHooks)}; node -e 0 ${ms(hook.allNode)}; hook worker done after the hook returned (median) ${fmtMs(hook.worker)}`,
];
