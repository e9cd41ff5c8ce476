// 10,000 small sessions: the first upload (one run), then a rerun with nothing changed (median of
// 3) vs a script that only walks the folder and stats every file.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import {
  BIN,
  CFG,
  childEnv,
  count,
  fmtMiB,
  fmtMs,
  fmtRatio,
  fmtS,
  GOALS,
  log,
  measure,
  median,
  MiB,
  NODE,
  quickRun,
  serverStats,
  tail,
  tracesEnv,
  WALK_SCRIPT,
  WORK,
  yesNo,
} from '../harness.mjs';

async function benchManySessions(base) {
  const dir = join(WORK, 'many', 'sessions');
  log(`[4/8] writing ${count(CFG.sessions)} small sessions…`);
  for (let i = 0; i < CFG.sessions; i++) {
    const seed = `bench:many:${i}`;
    const id = uuidFrom(seed);
    writeSession(
      join(dir, `${id}.jsonl`),
      header({ id, timestamp: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000).toISOString() }),
      entries(seed, 3),
    );
  }
  // Bytes per file, for the report.
  const totalBytes = CFG.sessions * statSync(join(dir, `${uuidFrom('bench:many:0')}.jsonl`)).size;

  const env = tracesEnv(join(WORK, 'state-many'));
  const args = [BIN, 'upload', '--sessions-dir', dir, '--to', base];

  log(`[4/8] first upload of ${count(CFG.sessions)} sessions…`);
  let before = await serverStats(base);
  const first = await measure(NODE, args, { env, label: 'first upload' });
  let after = await serverStats(base);
  if (after.requests - before.requests !== CFG.sessions) {
    throw new Error(
      `first upload: the server got ${after.requests - before.requests} PUTs, expected ${CFG.sessions}\n${tail(first.stderr)}`,
    );
  }
  log(
    `[4/8] first upload: ${fmtS(first.ms)}, peak RSS ${fmtMiB(first.rssKiB)}${first.cpuS === undefined ? '' : `, CPU ${first.cpuS.toFixed(2)} s`}`,
  );

  const baseEnv = childEnv();
  const walkCount = quickRun(NODE, ['-e', WALK_SCRIPT, dir], { env: baseEnv, label: 'stat walk warm-up' }).stdout.trim();
  if (Number(walkCount) !== CFG.sessions) throw new Error(`stat walk found ${walkCount} files, expected ${CFG.sessions}`);
  const reruns = [];
  const walks = [];
  for (let i = 0; i < CFG.rerunReps; i++) {
    before = await serverStats(base);
    const r = quickRun(NODE, args, { env, label: `rerun ${i + 1}` });
    after = await serverStats(base);
    if (after.requests !== before.requests)
      throw new Error(`rerun ${i + 1}: sent ${after.requests - before.requests} PUTs; nothing had changed`);
    reruns.push(r.ms);
    walks.push(quickRun(NODE, ['-e', WALK_SCRIPT, dir], { env: baseEnv, label: `stat walk ${i + 1}` }).ms);
    log(`[4/8] rerun ${i + 1}/${CFG.rerunReps}: traces ${fmtMs(reruns[i])}, stat walk ${fmtMs(walks[i])}`);
  }
  return { totalBytes, first, rerun: median(reruns), walk: median(walks), allReruns: reruns, allWalks: walks };
}

export const name = 'many-sessions';
export const needs = 'sink';
export const after = [];

export async function run(ctx) {
  const result = await benchManySessions(ctx.base);
  return result;
}

export function rows(many) {
  const N = count(CFG.sessions);
  const rerunRatio = many.rerun / many.walk;
  return [
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
}

export const how = () => [
  '- rerun: `traces upload --sessions-dir DIR` with the ledger of the first upload; its baseline is `node -e` walking DIR with readdirSync(withFileTypes) + statSync.',
];

export const raw = (many) => [
  `rerun ${many.allReruns.map((x) => x.toFixed(1)).join(', ')}; stat walk ${many.allWalks.map((x) => x.toFixed(1)).join(', ')}`,
];
