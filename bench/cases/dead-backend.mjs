// `traces upload` of 2,000 small sessions to a port nobody listens on (default retries and
// concurrency; goal < 10 s: it must stop once the backend proves unreachable) vs the same 2,000
// sessions to a live `traces serve`.
import { join } from 'node:path';
import { entries, header, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import { BIN, count, deadPort, fmtMiB, fmtRatio, fmtS, GOALS, log, measure, NODE, tail, tracesEnv, WORK, yesNo } from '../harness.mjs';

const DEAD_SESSIONS = 2_000;

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
  const down = await measure(NODE, [BIN, 'upload', '--sessions-dir', dir, '--to', dead, '--json'], {
    env: tracesEnv(join(WORK, 'state-dead')),
    label: 'dead-backend upload',
    okCodes: [1],
  });
  const downDoc = json('dead-backend upload', down);
  if (
    !downDoc.unreachable ||
    downDoc.total !== DEAD_SESSIONS ||
    downDoc.uploaded !== 0 ||
    downDoc.failed + downDoc.pending !== DEAD_SESSIONS
  ) {
    throw new Error(`dead-backend upload: unexpected answer: ${JSON.stringify({ ...downDoc, sessions: undefined })}`);
  }
  const problems = down.stderr.split('\n').filter((l) => /unreachable/.test(l)).length;
  log(
    `[8/8] dead backend: ${fmtS(down.ms)}, exit ${down.code}, ${downDoc.failed} attempted, ${downDoc.pending} kept pending (${downDoc.unreachable})`,
  );

  log(`[8/8] upload of the same ${count(DEAD_SESSIONS)} sessions to traces serve ${serve.base}…`);
  const up = await measure(NODE, [BIN, 'upload', '--sessions-dir', dir, '--to', serve.base, '--json'], {
    env: tracesEnv(join(WORK, 'state-live')),
    label: 'live-backend upload',
  });
  const upDoc = json('live-backend upload', up);
  if (upDoc.uploaded !== DEAD_SESSIONS) throw new Error(`live-backend upload: ${upDoc.uploaded} of ${DEAD_SESSIONS} uploaded`);
  log(`[8/8] live backend: ${fmtS(up.ms)}`);
  return { down, downDoc, problems, up };
}

export const name = 'dead-backend';
export const needs = 'serve';
export const after = [];

export async function run(ctx) {
  const result = await benchDeadBackend(ctx.serve);
  return result;
}

export const what = () =>
  `\`traces upload\` of ${count(DEAD_SESSIONS)} sessions to a port nobody listens on (default retries and concurrency), wall time`;

export function rows(dead) {
  const d = dead.downDoc;
  return [
    [
      `${what()} (exit ${dead.down.code}; ${d.failed} sessions attempted, ${d.pending} kept pending; ${d.unreachable}; ${dead.problems} line saying so)`,
      fmtS(dead.down.ms),
      `${fmtS(dead.up.ms)} (the same sessions to a live \`traces serve\`)`,
      fmtRatio(dead.down.ms / dead.up.ms),
      `< ${GOALS.deadBackendS} s`,
      yesNo(dead.down.ms / 1000 < GOALS.deadBackendS && dead.down.code === 1 && dead.problems === 1),
    ],
  ];
}

export const how = () => [
  `- dead backend: ${count(DEAD_SESSIONS)} small sessions (one turn each); a loopback port is bound and closed again, so every connect to it is refused. ` +
    '`traces upload --sessions-dir DIR --to http://127.0.0.1:PORT --json` with a fresh state dir, default --retries (3) and concurrency (4): it must exit 1, print one line saying the backend is unreachable, and keep every session for the next run. ' +
    'The baseline is the same command, same sessions, fresh state dir, to the live `traces serve`.',
];

export const raw = (dead) => [
  `dead-backend upload ${dead.down.ms.toFixed(0)} (peak RSS ${fmtMiB(dead.down.rssKiB)}); live ${dead.up.ms.toFixed(0)}`,
];
