// Object storage: `traces upload --to s3://…` to a local S3-compatible server (s3rver 3.7.1, the
// suite's own, test/helpers/s3/server.mjs, without its test layer), against `curl -T` of the same
// file to the same server (one signed PutObject, `--aws-sigv4`); then the 10,000 small sessions of
// many-sessions, first upload and rerun, to a bucket.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { uuidFrom, writeLargeSession } from '../../fixtures/builder.mjs';
import {
  BENCH,
  BIN,
  CFG,
  childEnv,
  count,
  fmtMiB,
  fmtMs,
  fmtRatio,
  fmtS,
  log,
  measure,
  median,
  MiB,
  NODE,
  quickRun,
  ROOT,
  sizeLabel,
  startService,
  stopService,
  tail,
  tracesEnv,
  WALK_SCRIPT,
  WORK,
  yesNo,
} from '../harness.mjs';

const KEYS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

/** curl with SigV4 signing for s3rver's account, payload unsigned (as the SDK streams a body too). */
const curlS3 = (...args) => [
  '-sS',
  '-f',
  '--aws-sigv4',
  'aws:amz:us-east-1:s3',
  '--user',
  'S3RVER:S3RVER',
  '-H',
  'x-amz-content-sha256: UNSIGNED-PAYLOAD',
  ...args,
];

async function startS3() {
  const dir = join(WORK, 's3-data');
  const svc = await startService(
    's3 server',
    ['--openssl-legacy-provider', join(ROOT, 'test', 'helpers', 's3', 'server.mjs'), '--dir', dir],
    {
      env: childEnv(),
      ready: /"raw":"([^"]+)"/,
      stream: 'stdout',
      stdin: 'pipe', // the server stops when its stdin closes
    },
  );
  return { svc, endpoint: svc.match[1] };
}

/** The size of an object as the server holds it (a HEAD), or undefined. */
function objectSize(endpoint, bucket, key) {
  const r = quickRun('curl', curlS3('-I', `${endpoint}/${bucket}/${key}`), { env: childEnv(), label: `HEAD ${key}` });
  const m = /content-length:\s*(\d+)/i.exec(r.stdout);
  return m ? Number(m[1]) : undefined;
}

async function benchLarge(endpoint) {
  const bucket = 'bench-large';
  quickRun('curl', curlS3('-X', 'PUT', `${endpoint}/${bucket}`), { env: childEnv(), label: 'create bucket' });
  const id = uuidFrom('bench:s3-large');
  const file = join(WORK, 's3-large', 'sessions', `${id}.jsonl`);
  log(`[s3] writing a ${sizeLabel(CFG.largeBytes)} session…`);
  const bytes = writeLargeSession(file, id, CFG.largeBytes);
  const env = { ...tracesEnv(join(WORK, 'state-s3-large')), ...KEYS, AWS_ENDPOINT_URL_S3: endpoint };
  const tracesArgs = [BIN, 'upload', file, '--to', `s3://${bucket}/traces`, '--max-bytes', '1G', '--force', '--no-redact'];
  const key = `traces/agent-traces/${id}/${id}.jsonl`;
  const runTraces = async (label) => {
    const r = await measure(NODE, tracesArgs, { env, label });
    if (objectSize(endpoint, bucket, key) !== bytes)
      throw new Error(`${label}: the bucket does not hold ${bytes} bytes at ${key}\n${tail(r.stderr)}`);
    return r;
  };
  const runCurl = async (label) => {
    const r = await measure('curl', curlS3('-T', file, `${endpoint}/${bucket}/curl.jsonl`), { env: childEnv(), label });
    if (objectSize(endpoint, bucket, 'curl.jsonl') !== bytes) throw new Error(`${label}: the bucket does not hold ${bytes} bytes`);
    return r;
  };
  log('[s3] warm-up: one curl upload');
  await runCurl('curl warm-up');
  const runs = { traces: [], curl: [] };
  for (let i = 0; i < CFG.uploadReps; i++) {
    for (const who of i % 2 ? ['curl', 'traces'] : ['traces', 'curl']) {
      const label = `${who} s3 upload ${i + 1}/${CFG.uploadReps}`;
      const r = await (who === 'traces' ? runTraces : runCurl)(label);
      runs[who].push(r);
      log(`[s3] ${label}: ${fmtS(r.ms)}, peak RSS ${fmtMiB(r.rssKiB)}`);
    }
  }
  rmSync(join(WORK, 's3-large'), { recursive: true, force: true });
  const summary = (rs) => ({
    ms: median(rs.map((r) => r.ms)),
    rssKiB: Math.max(...rs.map((r) => r.rssKiB ?? 0)) || undefined,
    all: rs.map((r) => r.ms),
  });
  return { bytes, traces: summary(runs.traces), curl: summary(runs.curl) };
}

async function benchMany(endpoint) {
  const bucket = 'bench-many';
  quickRun('curl', curlS3('-X', 'PUT', `${endpoint}/${bucket}`), { env: childEnv(), label: 'create bucket' });
  const dir = join(WORK, 'many', 'sessions'); // written by many-sessions
  const env = { ...tracesEnv(join(WORK, 'state-s3-many')), ...KEYS, AWS_ENDPOINT_URL_S3: endpoint };
  const args = [BIN, 'upload', '--sessions-dir', dir, '--to', `s3://${bucket}/traces`];
  log(`[s3] first upload of ${count(CFG.sessions)} sessions to a bucket…`);
  const first = await measure(NODE, args, { env, label: 's3 first upload' });
  // s3rver keeps each object as a file named <key>._S3rver_object.
  const indexDir = join(WORK, 's3-data', bucket, 'traces', 'index', 'sessions');
  const stored = { stdout: String(readdirSync(indexDir).filter((name) => name.endsWith('._S3rver_object')).length) };
  if (Number(stored.stdout.trim()) !== CFG.sessions)
    throw new Error(
      `s3 first upload: the bucket indexes ${stored.stdout.trim()} sessions, expected ${CFG.sessions}\n${tail(first.stderr)}`,
    );
  log(`[s3] first upload: ${fmtS(first.ms)}, peak RSS ${fmtMiB(first.rssKiB)}`);
  // The floor: as many objects put by the bare SDK, as many in flight (traces' default concurrency).
  const bodyBytes = statSync(join(dir, readdirSync(dir)[0])).size;
  const floor = quickRun(NODE, [join(BENCH, 's3-put-loop.mjs'), endpoint, bucket, String(CFG.sessions), '4', String(bodyBytes)], {
    env: childEnv(),
    label: 's3 put loop',
  });
  const floorMs = Number(floor.stdout.trim());
  log(`[s3] bare SDK, 2 PUTs per session: ${fmtS(floorMs)}`);
  const reruns = [];
  const walks = [];
  for (let i = 0; i < CFG.rerunReps; i++) {
    const r = quickRun(NODE, [...args, '--json'], { env, label: `s3 rerun ${i + 1}` });
    const report = JSON.parse(r.stdout);
    if (report.uploaded !== 0) throw new Error(`s3 rerun ${i + 1}: uploaded ${report.uploaded}; nothing had changed`);
    reruns.push(r.ms);
    walks.push(quickRun(NODE, ['-e', WALK_SCRIPT, dir], { env: childEnv(), label: `stat walk ${i + 1}` }).ms);
    log(`[s3] rerun ${i + 1}/${CFG.rerunReps}: traces ${fmtMs(reruns[i])}, stat walk ${fmtMs(walks[i])}`);
  }
  return { first, floorMs, rerun: median(reruns), walk: median(walks), allReruns: reruns, allWalks: walks };
}

export const name = 's3';
export const needs = 'self';
export const after = ['many-sessions'];

export async function run() {
  const { svc, endpoint } = await startS3();
  log(`[s3] s3rver on ${endpoint} (pid ${svc.child.pid})`);
  try {
    return { large: await benchLarge(endpoint), many: await benchMany(endpoint) };
  } finally {
    await stopService(svc, 15_000);
    rmSync(join(WORK, 's3-data'), { recursive: true, force: true });
  }
}

export function rows({ large, many }) {
  const ratio = large.traces.ms / large.curl.ms;
  const N = count(CFG.sessions);
  return [
    [
      `upload one ${sizeLabel(large.bytes)} session to a local S3 server (s3rver) with \`--to s3://\`, \`--no-redact\`, wall time (median of ${CFG.uploadReps})`,
      `${fmtS(large.traces.ms)} (${(large.bytes / MiB / (large.traces.ms / 1000)).toFixed(0)} MiB/s; multipart, 8 MiB parts; peak RSS ${fmtMiB(large.traces.rssKiB)})`,
      `${fmtS(large.curl.ms)} (curl -T, one signed PutObject; peak RSS ${fmtMiB(large.curl.rssKiB)})`,
      fmtRatio(ratio),
      '(info)',
      '—',
    ],
    [
      `first upload of ${N} sessions to a bucket (\`--to s3://\`), wall time`,
      `${fmtS(many.first.ms)} (${Math.round(CFG.sessions / (many.first.ms / 1000))} sessions/s; peak RSS ${fmtMiB(many.first.rssKiB)})`,
      `${fmtS(many.floorMs)} (bench/s3-put-loop.mjs: the bare SDK putting 2 objects per session, 4 in flight)`,
      fmtRatio(many.first.ms / many.floorMs),
      '(info)',
      '—',
    ],
    [
      `rerun over ${N} unchanged sessions to a bucket, wall time (median of ${CFG.rerunReps})`,
      fmtMs(many.rerun),
      `${fmtMs(many.walk)} (readdir + stat walk)`,
      fmtRatio(many.rerun / many.walk),
      '≤ 3x',
      yesNo(many.rerun / many.walk <= 3),
    ],
  ];
}

export const how = () => [
  '- s3: s3rver 3.7.1 on 127.0.0.1 (test/helpers/s3/server.mjs, its own process, data on this disk; its raw endpoint, not the test layer). ' +
    "`traces upload FILE --to s3://bench-large/traces --max-bytes 1G --force --no-redact` (AWS_ENDPOINT_URL_S3 and s3rver's keys in the environment) vs " +
    '`curl -T FILE --aws-sigv4 aws:amz:us-east-1:s3` to the same server, alternating, after one untimed curl warm-up. traces sends bodies of 64 MiB and more as a multipart upload (4 parts of 8 MiB in flight), which s3rver then joins on disk; curl sends one PUT. ' +
    'Then the 10,000 sessions of the many-sessions case to another bucket, first upload (next to bench/s3-put-loop.mjs: the bare SDK putting the same number of objects, a body and an index record per session, 4 in flight, as traces by default) and rerun (next to the same stat walk).',
];

export const raw = ({ large, many }) => [
  `s3 upload traces ${large.traces.all.map((x) => x.toFixed(0)).join(', ')}; curl ${large.curl.all.map((x) => x.toFixed(0)).join(', ')}`,
  `s3 rerun ${many.allReruns.map((x) => x.toFixed(1)).join(', ')}; stat walk ${many.allWalks.map((x) => x.toFixed(1)).join(', ')}`,
];
