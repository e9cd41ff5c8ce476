// redact-upload: `traces upload` of one 256 MiB session with secrets planted (64 MiB with --quick)
// to the sink server, redacted (the default) vs `--no-redact`, interleaved in the same run.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretSession } from '../harness/secret-session.mjs';
import { BIN, fmtMs, fmtRatio, log, measure, median, MiB, NODE, RUN, tracesEnv, WORK, yesNo } from '../harness.mjs';

const GOAL_RATIO = 2;
const REPS = 3;

export const name = 'redact-upload';
export const needs = 'sink';
export const after = [];

export async function run(ctx) {
  const target = (RUN.quick ? 64 : 256) * MiB;
  const file = join(WORK, 'redact-upload', 'session.jsonl');
  log(`[redact-upload] writing a ${target / MiB} MiB session with planted secrets…`);
  writeSecretSession(file, target);
  const mib = statSync(file).size / MiB;
  let n = 0;
  const upload = async (label, extra) => {
    const env = tracesEnv(join(WORK, 'state-redact-upload', String(++n)));
    // measure() rejects on a non-zero exit.
    return measure(NODE, [BIN, 'upload', file, '--to', ctx.base, '--max-bytes', '1G', '--force', ...extra], { env, label });
  };
  await upload('redacted warm-up', []);
  const runs = { redacted: [], plain: [] };
  for (let i = 0; i < REPS; i++) {
    runs.redacted.push((await upload(`redacted ${i + 1}`, [])).ms);
    runs.plain.push((await upload(`--no-redact ${i + 1}`, ['--no-redact'])).ms);
    log(`[redact-upload] run ${i + 1}/${REPS}: redacted ${fmtMs(runs.redacted[i])}, --no-redact ${fmtMs(runs.plain[i])}`);
  }
  return { mib, redacted: median(runs.redacted), plain: median(runs.plain), runs };
}

export function rows(r) {
  const ratio = r.redacted / r.plain;
  return [
    [
      `\`traces upload\` of a ${r.mib.toFixed(0)} MiB session with planted secrets, redacted (the default), wall time (median of ${REPS})`,
      `${fmtMs(r.redacted)} (${(r.mib / (r.redacted / 1000)).toFixed(0)} MiB/s)`,
      `${fmtMs(r.plain)} (the same upload with \`--no-redact\`)`,
      fmtRatio(ratio),
      `≤ ${GOAL_RATIO}x`,
      yesNo(ratio <= GOAL_RATIO),
    ],
  ];
}

export const how = () => [
  '- redact-upload: bench/harness/secret-session.mjs writes the session (prose, code, hashes, base64, secrets every 500 lines); both uploads go to the sink server with `--force` and a fresh state dir, interleaved.',
];

export const raw = (r) => [
  `redacted ${r.runs.redacted.map((x) => x.toFixed(0)).join(', ')}; --no-redact ${r.runs.plain.map((x) => x.toFixed(0)).join(', ')}`,
];
