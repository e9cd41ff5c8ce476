// startup: `traces --version` vs `node -e 0` (wall time, median of 20).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, CFG, fmtMs, fmtRatio, GOALS, log, median, NODE, quickRun, ROOT, tracesEnv, WORK, yesNo } from '../harness.mjs';

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
    if (!t.stdout.startsWith(`traces ${version} `))
      throw new Error(`traces --version printed ${JSON.stringify(t.stdout)}, expected traces ${version} (node …)`);
    traces.push(t.ms);
    node.push(quickRun(NODE, ['-e', '0'], { env, label: 'node -e 0' }).ms);
  }
  return { traces: median(traces), node: median(node), allTraces: traces, allNode: node };
}

export const name = 'startup';
export const needs = 'none';
export const after = [];

export async function run() {
  const result = await benchStartup();
  return result;
}

export function rows(startup) {
  const startupRatio = startup.traces / startup.node;
  return [
    [
      `startup, wall time (median of ${CFG.versionReps})`,
      `${fmtMs(startup.traces)} (\`traces --version\`)`,
      `${fmtMs(startup.node)} (\`node -e 0\`)`,
      fmtRatio(startupRatio),
      `≤ ${GOALS.versionRatio}x`,
      yesNo(startupRatio <= GOALS.versionRatio),
    ],
  ];
}

export const how = () => [];

export const raw = (startup) => [
  `--version ${startup.allTraces.map((x) => x.toFixed(1)).join(', ')}; node -e 0 ${startup.allNode.map((x) => x.toFixed(1)).join(', ')}`,
];
