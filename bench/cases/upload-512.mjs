// upload of one 512 MiB session: `traces upload` vs `curl -T` to the same local sink server (wall
// time, median of 3; peak RSS and CPU of the client process), and for reference a bare Node
// streamed PUT (bench/node-put.mjs): the floor any Node client starts from.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { uuidFrom, writeLargeSession } from '../../fixtures/builder.mjs';
import {
  BENCH,
  BIN,
  CFG,
  childEnv,
  fmtMiB,
  fmtRatio,
  fmtS,
  GOALS,
  log,
  measure,
  median,
  MiB,
  NODE,
  serverStats,
  sizeLabel,
  tail,
  TOKEN,
  tracesEnv,
  WORK,
  yesNo,
} from '../harness.mjs';

async function benchLargeUpload(base) {
  const id = uuidFrom('bench:large');
  const file = join(WORK, 'large', 'sessions', `${id}.jsonl`);
  log(`[1/8] writing a ${sizeLabel(CFG.largeBytes)} session…`);
  const bytes = writeLargeSession(file, id, CFG.largeBytes);
  if (statSync(file).size !== bytes) throw new Error('large session: size on disk differs from what was written');

  // The transport against curl: redaction (on by default) has its own row (redact-upload).
  const tracesArgs = [BIN, 'upload', file, '--to', base, '--max-bytes', '1G', '--force', '--no-redact'];
  const env = tracesEnv(join(WORK, 'state-large'));
  const curlArgs = [
    '-sS',
    '-T',
    file,
    '-H',
    'Content-Type: application/x-ndjson',
    '-H',
    `Authorization: Bearer ${TOKEN}`,
    `${base}/api/v1/agent-traces/sessions/${id}`,
  ];

  const runTraces = async (label) => {
    const before = await serverStats(base);
    const r = await measure(NODE, tracesArgs, { env, label });
    const after = await serverStats(base);
    if (after.requests - before.requests !== 1 || after.bytes - before.bytes !== bytes) {
      throw new Error(
        `${label}: the server got ${after.requests - before.requests} PUT(s), ${after.bytes - before.bytes} bytes; expected 1 of ${bytes}`,
      );
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
  const summary = (rs) => ({
    ms: med(rs, 'ms'),
    rssKiB: Math.max(...rs.map((r) => r.rssKiB ?? 0)) || undefined,
    cpuS: med(rs, 'cpuS'),
    all: rs.map((r) => r.ms),
  });
  return { bytes, traces: summary(runs.traces), curl: summary(runs.curl), nodePut: summary(runs['node-put']) };
}

export const name = 'upload-512';
export const needs = 'sink';
export const after = [];

export async function run(ctx) {
  const result = await benchLargeUpload(ctx.base);
  rmSync(join(WORK, 'large'), { recursive: true, force: true }); // free the disk before the next case
  return result;
}

export function rows(large) {
  const L = sizeLabel(large.bytes);
  const uploadRatio = large.traces.ms / large.curl.ms;
  const rssRatio = large.traces.rssKiB && large.curl.rssKiB ? large.traces.rssKiB / large.curl.rssKiB : NaN;
  return [
    [
      `upload one ${L} session with \`--no-redact\`, wall time (median of ${CFG.uploadReps})`,
      `${fmtS(large.traces.ms)} (${(large.bytes / MiB / (large.traces.ms / 1000)).toFixed(0)} MiB/s)`,
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
  ];
}

export const how = () => [
  '- upload: both uploads go to the same sink server (bench/sink-server.mjs, its own process, counts bytes and answers 200) on 127.0.0.1; ' +
    '`traces upload FILE --to URL --max-bytes 1G --force --no-redact` vs `curl -sS -T FILE` with the same headers, after one untimed curl warm-up; ' +
    'bench/node-put.mjs (node:http + an fs stream, nothing else) shows what Node alone costs on this machine. ' +
    'Wall time is spawn to exit of the client process; peak RSS and CPU are the client process only.',
];

export const raw = (large) => [
  `upload traces ${large.traces.all.map((x) => x.toFixed(0)).join(', ')}; curl ${large.curl.all.map((x) => x.toFixed(0)).join(', ')}; node-put ${large.nodePut.all.map((x) => x.toFixed(0)).join(', ')}`,
];
