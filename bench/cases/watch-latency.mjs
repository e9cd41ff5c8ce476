// `traces watch --debounce 200`: latency from an append to `traces serve` holding those bytes,
// p50/p95 over 100 appends, with --min-interval 200 and with --min-interval 0; the baseline is the
// debounce itself (200 ms).
import { appendFileSync, readFileSync, statSync, watch as fsWatch } from 'node:fs';
import { dirname, join } from 'node:path';
import { entries, header, hex8, uuidFrom, writeSession } from '../../fixtures/builder.mjs';
import {
  BIN,
  CFG,
  fmtMs,
  fmtRatio,
  log,
  notRun,
  percentile,
  section,
  sleep,
  startService,
  stopService,
  tail,
  tracesEnv,
  WORK,
} from '../harness.mjs';

// The debounce, and the time from one append to the next. With --min-interval 200 an append must
// come at least min-interval + one upload after the previous upload to be sent after the debounce
// alone, so 500 ms keeps each append its own upload.
const DEBOUNCE_MS = 200;
const APPEND_SPACING_MS = 500;
const APPEND_TIMEOUT_MS = 10_000; // an append not stored after this counts as lost (and 3 stop the run)

async function benchWatchLatency(serve, data, minInterval) {
  const tag = `min-interval-${minInterval}`;
  const seed = `bench:watch:${tag}`;
  const id = uuidFrom(seed);
  const dir = join(WORK, `watch-${tag}`, 'sessions');
  const file = join(dir, `${id}.jsonl`);
  writeSession(file, header({ id }), entries(seed, 1));
  const indexFile = join(data, 'index', 'sessions', `${id}.json`);
  const storedBytes = () => {
    try {
      return JSON.parse(readFileSync(indexFile, 'utf8')).bytes ?? -1;
    } catch {
      return -1; // not there yet, or between the temp write and the rename
    }
  };
  log(
    `[7/8] watch latency (--debounce ${DEBOUNCE_MS} --min-interval ${minInterval}): ${CFG.appends} appends ${APPEND_SPACING_MS} ms apart`,
  );
  const watcher = await startService(
    `traces watch (${tag})`,
    [BIN, 'watch', dir, '--debounce', String(DEBOUNCE_MS), '--min-interval', String(minInterval), '--json', '--to', serve.base],
    {
      env: tracesEnv(join(WORK, `state-watch-${tag}`)),
      ready: /^watching /m,
    },
  );
  const latencies = [];
  let lost = 0;
  let wake;
  let dirWatcher;
  let stop;
  try {
    // The catch-up sends the session as written; then every append on its own.
    const waitStored = (expected, timeoutMs) =>
      new Promise((resolve) => {
        const check = () => {
          if (storedBytes() >= expected) finish(performance.now());
        };
        const finish = (at) => {
          clearInterval(poll);
          clearTimeout(timer);
          wake = undefined;
          resolve(at);
        };
        const poll = setInterval(check, 25); // in case an fs.watch event is missed
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        wake = check;
        check();
      });
    if ((await waitStored(statSync(file).size, 30_000)) === undefined)
      throw new Error(`${tag}: the catch-up upload never reached the server\n${tail(watcher.stderr)}`);
    dirWatcher = fsWatch(dirname(indexFile), () => wake?.()); // the store renames the index record into place
    const deadline = performance.now() + CFG.appends * (APPEND_SPACING_MS + 1000) + 60_000;
    for (let i = 0; i < CFG.appends && performance.now() < deadline; i++) {
      const line = `${JSON.stringify({ type: 'message', id: hex8(`${seed}:append:${i}`), parentId: null, timestamp: new Date().toISOString(), message: { role: 'user', content: [{ type: 'text', text: `append ${i}` }] } })}\n`;
      const expected = statSync(file).size + Buffer.byteLength(line);
      const t0 = performance.now();
      appendFileSync(file, line);
      const at = await waitStored(expected, APPEND_TIMEOUT_MS);
      if (at === undefined) {
        lost++;
        log(`[7/8] ${tag}: append ${i + 1} not on the server after ${APPEND_TIMEOUT_MS / 1000} s`);
        if (lost >= 3) break;
      } else latencies.push(at - t0);
      const left = t0 + APPEND_SPACING_MS - performance.now();
      if (left > 0) await sleep(left);
    }
  } finally {
    dirWatcher?.close();
    stop = await stopService(watcher, 30_000);
  }
  const uploads = watcher.stdout
    .split('\n')
    .filter((l) => l.trim())
    .filter((l) => {
      try {
        return JSON.parse(l).status === 'uploaded';
      } catch {
        return false;
      }
    }).length;
  const r = { minInterval, latencies, lost, uploads, stop, n: CFG.appends };
  if (latencies.length) {
    r.p50 = percentile(latencies, 50);
    r.p95 = percentile(latencies, 95);
    r.min = Math.min(...latencies);
    r.max = Math.max(...latencies);
  }
  log(
    `[7/8] ${tag}: p50 ${r.p50 === undefined ? 'n/a' : fmtMs(r.p50)}, p95 ${r.p95 === undefined ? 'n/a' : fmtMs(r.p95)}, ${uploads} uploads (1 catch-up + ${CFG.appends} appends), ${lost} lost; SIGTERM: exit ${stop.code ?? stop.signal}`,
  );
  return r;
}

export const name = 'watch-latency';
export const needs = 'serve';
export const after = [];

export async function run(ctx) {
  const result = await (async () => {
    const watches = [];
    for (const minInterval of [DEBOUNCE_MS, 0]) {
      const w = await section(`watch latency --min-interval ${minInterval}`, () => benchWatchLatency(ctx.serve, ctx.data, minInterval));
      watches.push({ minInterval, ...w });
    }
    return watches;
  })();
  return result;
}

export const what = () => `\`traces watch --debounce ${DEBOUNCE_MS}\` latency`;

export function rows(watches) {
  return watches.map((w) => {
    const what = `\`traces watch --debounce ${DEBOUNCE_MS} --min-interval ${w.minInterval}\` latency, append → \`traces serve\` holds it`;
    if (w.failed) return notRun(what, w);
    const ok = w.lost === 0 && w.stop.code === 0 && w.latencies.length === w.n;
    return [
      `${what}: p50 / p95 over ${w.latencies.length} of ${w.n} appends ${APPEND_SPACING_MS} ms apart (${w.uploads} uploads${w.lost ? `, **${w.lost} not stored in ${APPEND_TIMEOUT_MS / 1000} s**` : ''}; SIGTERM: exit ${w.stop.code ?? w.stop.signal})`,
      w.p50 === undefined ? 'n/a' : `${fmtMs(w.p50)} / ${fmtMs(w.p95)}`,
      `${DEBOUNCE_MS} ms (the debounce)`,
      w.p50 === undefined ? 'n/a' : fmtRatio(w.p50 / DEBOUNCE_MS),
      '(info)',
      ok ? '—' : '**no**',
    ];
  });
}

export const how = () => [
  `- watch latency: \`traces watch DIR --debounce ${DEBOUNCE_MS} --min-interval M --json --to SERVE\` on a folder with one session; after the catch-up, one complete JSON line is appended every ${APPEND_SPACING_MS} ms; ` +
    "latency = from just before the append to the moment this process sees the server's record of the session (DATA/index/sessions/ID.json, renamed into place after the body is stored) with the new size (fs.watch on that folder, plus a 25 ms poll as a fallback). " +
    `The baseline is the debounce itself: the least any debounced upload can take. With M = ${DEBOUNCE_MS} the debounce is what decides; ` +
    'with M = 0 (asked for as "no rate limit") the scheduler uploads as soon as the change is seen: its deadline is min(last change + debounce, first unsent change + min-interval), so a min-interval below the debounce overrides it.',
];

export const raw = (watches) =>
  watches
    .filter((w) => !w.failed && w.latencies.length)
    .map(
      (w) =>
        `watch --min-interval ${w.minInterval} latency min ${fmtMs(w.min)}, p50 ${fmtMs(w.p50)}, p95 ${fmtMs(w.p95)}, max ${fmtMs(w.max)}, ${w.uploads} uploads, ${w.lost} lost`,
    );
