// undici's request paths against the bare node:http PUT (bench/node-put.mjs) and `curl -T`, on the
// session of upload-512: Pool.request, Pool.stream, Pool.pipeline and Pool.dispatch, the body as
// an async iterable of positional reads, an fs stream or Readable.from of the iterable, in pieces
// of 1 or 4 MiB, with the sha256 on a worker thread or inline (bench/undici-put.mjs does one PUT
// in the shape asked for). Every client runs once per round, in a rotated order; the figure is
// the median. Only with --only: it is how the client's path was chosen, not a goal.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { uuidFrom, writeLargeSession } from '../../fixtures/builder.mjs';
import {
  BENCH,
  BIN,
  CFG,
  childEnv,
  fmtRatio,
  fmtS,
  log,
  measure,
  median,
  NODE,
  sizeLabel,
  tail,
  TOKEN,
  tracesEnv,
  WORK,
} from '../harness.mjs';

const ROUNDS = 5;
/** [label, API, body, MiB per read, hash] */
const VARIANTS = [
  ['request', 'iterable', 1, 'none'],
  ['request', 'iterable', 4, 'none'],
  ['request', 'from', 1, 'none'],
  ['request', 'readable', 1, 'none'],
  ['request', 'readable', 4, 'none'],
  ['stream', 'iterable', 4, 'none'],
  ['pipeline', 'iterable', 4, 'none'],
  ['dispatch', 'iterable', 4, 'none'],
  ['request', 'iterable', 4, 'worker'],
  ['request', 'iterable', 4, 'inline'],
];

export const name = 'upload-paths';
export const needs = 'sink';
export const after = [];
export const optional = true;

export async function run(ctx) {
  const id = uuidFrom('bench:large');
  const file = join(WORK, 'large', 'sessions', `${id}.jsonl`);
  if (!existsSync(file)) {
    log(`[paths] writing a ${sizeLabel(CFG.largeBytes)} session…`);
    writeLargeSession(file, id, CFG.largeBytes);
  }
  const bytes = statSync(file).size;
  const url = `${ctx.base}/api/v1/agent-traces/sessions/${id}`;
  const clients = [
    [
      'curl -T',
      'curl',
      ['-sS', '-T', file, '-H', 'Content-Type: application/x-ndjson', '-H', `Authorization: Bearer ${TOKEN}`, url],
      childEnv(),
    ],
    ['node-put.mjs', NODE, [join(BENCH, 'node-put.mjs'), file, url], childEnv({ TRACES_TOKEN: TOKEN })],
    [
      'traces upload',
      NODE,
      [BIN, 'upload', file, '--to', ctx.base, '--max-bytes', '1G', '--force', '--json'],
      tracesEnv(join(WORK, 'state-paths')),
    ],
    ...VARIANTS.map(([api, body, mib, hash]) => [
      `Pool.${api}, ${body} of ${mib} MiB reads, sha256 ${hash}`,
      NODE,
      [join(BENCH, 'undici-put.mjs'), file, url, api, body, String(mib), hash],
      childEnv({ TRACES_TOKEN: TOKEN }),
    ]),
  ];
  const times = new Map(clients.map(([label]) => [label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < clients.length; k++) {
      const [label, cmd, args, env] = clients[(k + round) % clients.length];
      const r = await measure(cmd, args, { env, label });
      if (label !== 'traces upload' && JSON.parse(r.stdout).bytes_stored !== bytes)
        throw new Error(`${label}: unexpected answer ${tail(r.stdout)}`);
      times.get(label).push(r.ms);
    }
    log(`[paths] round ${round + 1}/${ROUNDS} done`);
  }
  return { bytes, times: [...times].map(([label, all]) => ({ label, ms: median(all), all })) };
}

export function rows(paths) {
  const floor = paths.times.find((t) => t.label === 'node-put.mjs');
  return paths.times
    .filter((t) => t !== floor)
    .map((t) => [
      `PUT of one ${sizeLabel(paths.bytes)} session by ${t.label}, wall time (median of ${ROUNDS}, rotated order)`,
      fmtS(t.ms),
      `${fmtS(floor.ms)} (node-put.mjs)`,
      fmtRatio(t.ms / floor.ms),
      '(info)',
      '—',
    ]);
}

export const how = () => [
  "- upload paths: every client sends the same file to the same sink server, once per round, in an order rotated each round; bench/undici-put.mjs is one PUT through undici in the shape its row names (no ledger, no git scan), so the rows show what each of undici's paths costs over node:http.",
];

export const raw = (paths) => paths.times.map((t) => `${t.label} ${t.all.map((x) => x.toFixed(0)).join(', ')}`);
