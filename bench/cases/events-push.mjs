// `traces events push` of the 1 MiB real session (../shared/fixtures/real/large-session.jsonl,
// skipped if absent) to a real `traces serve` (events/s, wall time, median of 3) vs
// bench/events-post.mjs POSTing the same events, already converted, in the same batches.
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  BENCH,
  BIN,
  CFG,
  childEnv,
  count,
  fmtMiB,
  fmtMs,
  fmtRatio,
  log,
  measure,
  median,
  MiB,
  NODE,
  REAL_SESSION,
  tail,
  TOKEN,
  tracesEnv,
  WORK,
} from '../harness.mjs';

async function benchEventsPush(serve, data) {
  if (!existsSync(REAL_SESSION)) {
    log(`[6/8] events push: ${REAL_SESSION} is absent; skipped`);
    return { skipped: `${REAL_SESSION} is absent` };
  }
  const bytes = statSync(REAL_SESSION).size;
  let run = 0;
  const push = async (label) => {
    // A fresh state dir each time: the events ledger is empty, so the session is started and every event sent.
    const stateDir = join(WORK, 'state-events', String(++run));
    const r = await measure(NODE, [BIN, 'events', 'push', REAL_SESSION, '--to', serve.base, '--force', '--json'], {
      env: tracesEnv(stateDir),
      label,
    });
    let doc;
    try {
      doc = JSON.parse(r.stdout);
    } catch {
      throw new Error(`${label}: --json printed no JSON: ${tail(r.stdout)}`);
    }
    const s = doc.sessions?.[0];
    if (doc.failed !== 0 || doc.sessions?.length !== 1 || s.status !== 'pushed' || !(s.events > 0))
      throw new Error(`${label}: unexpected answer: ${tail(r.stdout)}`);
    return { ...r, events: s.events, batches: s.batches, id: s.session_id };
  };
  log(`[6/8] events push of ${basename(REAL_SESSION)} (${(bytes / 1024).toFixed(0)} KiB) to traces serve: one untimed warm-up push`);
  const warm = await push('events push warm-up');
  const dir = join(data, 'events', warm.id);
  const storedEvents = join(dir, 'events.ndjson');
  const stored = () =>
    readFileSync(storedEvents, 'utf8')
      .split('\n')
      .filter((l) => l.trim()).length;
  if (stored() !== warm.events) throw new Error(`events push: the server holds ${stored()} events, traces said it sent ${warm.events}`);
  // The baseline's payload: the events as the server stored them, and the session as it started it.
  const stored0 = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
  const start = {};
  for (const k of [
    'session_id',
    'session_name',
    'event_name',
    'source',
    'start_time',
    'end_time',
    'duration',
    'config',
    'inputs',
    'outputs',
    'metadata',
    'user_properties',
    'children_ids',
  ]) {
    if (stored0[k] !== undefined) start[k] = stored0[k];
  }
  const sessionJson = join(WORK, 'events-session.json');
  const payload = join(WORK, 'events-payload.ndjson');
  writeFileSync(sessionJson, JSON.stringify(start));
  copyFileSync(storedEvents, payload);
  const post = async (label) => {
    const r = await measure(NODE, [join(BENCH, 'events-post.mjs'), serve.base, sessionJson, payload], {
      env: childEnv({ TRACES_TOKEN: TOKEN }),
      label,
    });
    const doc = JSON.parse(r.stdout);
    if (doc.events !== warm.events) throw new Error(`${label}: sent ${doc.events} events, expected ${warm.events}`);
    return { ...r, events: doc.events, batches: doc.batches };
  };
  await post('events-post warm-up');
  const runs = { traces: [], post: [] };
  for (let i = 0; i < CFG.eventsReps; i++) {
    for (const who of i % 2 ? ['post', 'traces'] : ['traces', 'post']) {
      const label = `${who === 'traces' ? 'traces events push' : 'events-post.mjs'} ${i + 1}/${CFG.eventsReps}`;
      const r = who === 'traces' ? await push(label) : await post(label);
      if (who === 'traces' && r.events !== warm.events) throw new Error(`${label}: sent ${r.events} events, the warm-up ${warm.events}`);
      runs[who].push(r);
      log(
        `[6/8] ${label}: ${fmtMs(r.ms)} (${Math.round(r.events / (r.ms / 1000))} events/s)${r.cpuS === undefined ? '' : `, CPU ${r.cpuS.toFixed(2)} s`}`,
      );
    }
  }
  // Same ids every time: the server must still hold one copy of each event.
  if (stored() !== warm.events)
    throw new Error(
      `events push: after ${run + CFG.eventsReps + 1} pushes the server holds ${stored()} events, expected ${warm.events} (ids not deterministic?)`,
    );
  const med = (rs, key) => (rs.some((r) => r[key] === undefined) ? undefined : median(rs.map((r) => r[key])));
  const summary = (rs) => ({
    ms: med(rs, 'ms'),
    cpuS: med(rs, 'cpuS'),
    rssKiB: Math.max(...rs.map((r) => r.rssKiB ?? 0)) || undefined,
    all: rs.map((r) => r.ms),
  });
  return { bytes, events: warm.events, batches: warm.batches, traces: summary(runs.traces), post: summary(runs.post) };
}

export const name = 'events-push';
export const needs = 'serve';
export const after = [];

export async function run(ctx) {
  const result = await benchEventsPush(ctx.serve, ctx.data);
  return result;
}

export const what = () => `\`traces events push\` of ../shared/fixtures/real/${basename(REAL_SESSION)} to \`traces serve\``;

export function rows(events) {
  const eps = (ms) => Math.round(events.events / (ms / 1000));
  return [
    [
      `\`traces events push FILE --force\` of ../shared/fixtures/real/${basename(REAL_SESSION)} (${(events.bytes / MiB).toFixed(2)} MiB, ${count(events.events)} events, ${events.batches} batches) to \`traces serve\`, wall time (median of ${CFG.eventsReps}; a fresh state dir each run)`,
      `${fmtMs(events.traces.ms)} (${count(eps(events.traces.ms))} events/s; CPU ${events.traces.cpuS === undefined ? 'n/a' : `${events.traces.cpuS.toFixed(2)} s`}; peak RSS ${fmtMiB(events.traces.rssKiB)})`,
      `${fmtMs(events.post.ms)} (${count(eps(events.post.ms))} events/s; bench/events-post.mjs: the same events already converted, same batches, node:http)`,
      fmtRatio(events.traces.ms / events.post.ms),
      '(info)',
      '—',
    ],
  ];
}

export const how = () => [
  `- events push: a real \`traces serve --port 0 --no-auth\` (its own process, data under bench/.work/). \`traces events push FILE --to URL --force --json\` runs with a fresh TRACES_STATE_DIR each time, so it really starts the session and sends every event; events/s = the events it reports / its wall time (spawn to exit, so Node startup and the conversion are in it). ` +
    'The baseline, bench/events-post.mjs, POSTs the very same events (as the server stored them after an untimed warm-up push) in batches of 100 over one keep-alive node:http connection, after the same POST /v1/sessions: the cost of Node plus the server, without reading or converting the session. ' +
    'Both re-send events the server already holds (same ids), so the server does the same work for both; after all runs it must still hold exactly one copy of each event.',
];

const ms = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
export const raw = (events) => [`events push traces ${ms(events.traces.all)}; events-post.mjs ${ms(events.post.all)}`];
