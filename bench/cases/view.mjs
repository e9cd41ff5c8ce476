// The web view in headless Chromium: time to first render of the list over CFG.sessions stored
// sessions and of a 20 MiB session page, from navigation start to the first rows / first
// conversation items in the DOM. Cold is the first load after `traces serve` started (its summary
// index and the session's parse included); warm is the median of the loads after. The baseline is
// the same browser fetching and parsing the same API JSON alone (what the page cannot do without).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entries, header, uuidFrom, writeLargeSession, writeSession } from '../../fixtures/builder.mjs';
import {
  BIN,
  CFG,
  count,
  fmtMs,
  fmtRatio,
  log,
  measure,
  median,
  MiB,
  NODE,
  sleep,
  startServe,
  stopService,
  tail,
  tracesEnv,
  WORK,
  yesNo,
} from '../harness.mjs';
import { CHROMIUM, CHROMIUM_ARGS as ARGS } from '../../test/helpers/chromium.mjs';

const LARGE_BYTES = 20 * MiB;
const WARM_REPS = 5;
const GOAL_LIST_MS = 1000;
const GOAL_SESSION_MS = 2000;

// In the page before any of its scripts: the time (ms since navigation start) the first element
// matching the selector entered the DOM.
const FIRST_SEEN = (selector) => `
  new MutationObserver((_, observer) => {
    if (document.querySelector(${JSON.stringify(selector)})) {
      globalThis.__firstSeen = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

/** Milliseconds from navigation start to the first `selector` in a new tab of `browser`. */
async function firstRender(browser, url, selector) {
  const page = await browser.newPage();
  try {
    await page.evaluateOnNewDocument(FIRST_SEEN(selector));
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await page.waitForFunction('globalThis.__firstSeen !== undefined', { timeout: 120_000, polling: 'mutation' });
    return await page.evaluate('globalThis.__firstSeen');
  } finally {
    await page.close();
  }
}

/** Milliseconds the page at `origin` takes to fetch and parse `path` (the API answer alone). */
async function fetchOnly(browser, origin, path) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/assets/app.css`);
    return await page.evaluate(
      `(async () => { const t = performance.now(); await (await fetch(${JSON.stringify(path)})).json(); return performance.now() - t; })()`,
    );
  } finally {
    await page.close();
  }
}

async function benchView() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium or set CHROMIUM`);
  const { launch } = await import('puppeteer-core');
  const dir = join(WORK, 'view', 'sessions');
  log(`[view] writing ${count(CFG.sessions)} small sessions and one of ${LARGE_BYTES / MiB} MiB…`);
  for (let i = 0; i < CFG.sessions; i++) {
    const id = uuidFrom(`bench:view:${i}`);
    const at = new Date(Date.parse('2026-10-01T00:00:00Z') + i * 1000).toISOString();
    writeSession(join(dir, `${id}.jsonl`), header({ id, timestamp: at, cwd: `/work/p${i % 50}` }), entries(`bench:view:${i}`, 3));
  }
  const largeId = uuidFrom('bench:view:large');
  const largeBytes = writeLargeSession(join(dir, `${largeId}.jsonl`), largeId, LARGE_BYTES);

  const data = join(WORK, 'view-data');
  let serve = await startServe(data);
  const upload = await measure(NODE, [BIN, 'upload', '--sessions-dir', dir, '--to', serve.base], {
    env: tracesEnv(join(WORK, 'state-view')),
    label: 'view upload',
  });
  if (upload.code !== 0) throw new Error(`upload for the view bench: exit ${upload.code}\n${tail(upload.stderr)}`);
  // The server reads what was uploaded through it once the uploads stop, and keeps the list in
  // its state dir: wait for that, as a server that ran a while would have it.
  const cacheDir = join(WORK, 'state-serve', 'view-cache');
  const cached = () => {
    try {
      return readdirSync(cacheDir).reduce(
        (n, f) => Math.max(n, Object.keys(JSON.parse(readFileSync(join(cacheDir, f), 'utf8')).entries ?? {}).length),
        0,
      );
    } catch {
      return 0;
    }
  };
  for (const until = Date.now() + 180_000; cached() < CFG.sessions + 1 && Date.now() < until;) await sleep(250);
  if (cached() < CFG.sessions + 1) throw new Error(`the server's view cache holds ${cached()} sessions, not ${CFG.sessions + 1}`);
  const browserRef = { current: undefined };
  const profile = mkdtempSync(join(tmpdir(), 'traces-bench-chromium-'));
  const browser = await launch({ executablePath: CHROMIUM, args: [...ARGS, `--user-data-dir=${profile}`] });
  try {
    // The first start over a store it never read (no cache): every file is read.
    await stopService(serve, 15_000);
    rmSync(cacheDir, { recursive: true, force: true });
    serve = await startServe(data);
    const listFirst = await firstRender(browser, `${serve.base}/`, 'tr.session-row');
    for (const until = Date.now() + 180_000; cached() < CFG.sessions + 1 && Date.now() < until;) await sleep(250);
    // Cold: a restarted server (its list from the cache, the store listed again), an empty profile.
    await stopService(serve, 15_000);
    serve = await startServe(data);
    await browser.close();
    const fresh = await launch({
      executablePath: CHROMIUM,
      args: [...ARGS, `--user-data-dir=${mkdtempSync(join(tmpdir(), 'traces-bench-chromium-'))}`],
    });
    browserRef.current = fresh;
    const list = `${serve.base}/`;
    const session = `${serve.base}/s/${largeId}`;
    const listCold = await firstRender(fresh, list, 'tr.session-row');
    const sessionCold = await firstRender(fresh, session, 'article.item');
    log(`[view] first start: list ${fmtMs(listFirst)}; cold (restart): list ${fmtMs(listCold)}, 20 MiB session ${fmtMs(sessionCold)}`);
    const listWarm = [];
    const sessionWarm = [];
    const listFetch = [];
    const sessionFetch = [];
    for (let i = 0; i < WARM_REPS; i++) {
      listWarm.push(await firstRender(fresh, list, 'tr.session-row'));
      sessionWarm.push(await firstRender(fresh, session, 'article.item'));
      listFetch.push(await fetchOnly(fresh, serve.base, '/api/v1/view/sessions'));
      sessionFetch.push(await fetchOnly(fresh, serve.base, `/api/v1/view/sessions/${largeId}`));
    }
    log(`[view] warm (median of ${WARM_REPS}): list ${fmtMs(median(listWarm))}, session ${fmtMs(median(sessionWarm))}`);
    return { largeBytes, listFirst, listCold, sessionCold, listWarm, sessionWarm, listFetch, sessionFetch };
  } finally {
    await browserRef.current?.close();
    await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    await stopService(serve, 15_000);
  }
}

export const name = 'view';
export const needs = 'own'; // starts and restarts its own traces serve (a cold start is part of what it measures)
export const after = [];

export async function run() {
  return benchView();
}

export function rows(r) {
  const N = count(CFG.sessions);
  const size = `${(r.largeBytes / MiB).toFixed(0)} MiB`;
  const row = (what, ms, baseline, goal) => [what, fmtMs(ms), fmtMs(baseline), fmtRatio(ms / baseline), `< ${goal} ms`, yesNo(ms < goal)];
  return [
    row(
      `web view: first rows of the list over ${N} sessions, first start of the server (no list kept yet: every file read)`,
      r.listFirst,
      median(r.listFetch),
      GOAL_LIST_MS,
    ),
    row(
      `web view: first rows of the list over ${N} sessions, cold (a restarted server, a fresh browser profile)`,
      r.listCold,
      median(r.listFetch),
      GOAL_LIST_MS,
    ),
    row(`web view: first rows of the list, warm (median of ${WARM_REPS})`, median(r.listWarm), median(r.listFetch), GOAL_LIST_MS),
    row(`web view: first items of a ${size} session, cold`, r.sessionCold, median(r.sessionFetch), GOAL_SESSION_MS),
    row(
      `web view: first items of a ${size} session, warm (median of ${WARM_REPS})`,
      median(r.sessionWarm),
      median(r.sessionFetch),
      GOAL_SESSION_MS,
    ),
  ];
}

export const how = () => [
  "- web view: headless Chromium (the browser tests' flags) loads `/` and `/s/<id>` of `traces serve --no-auth`; the time is `performance.now()` (from navigation start) when the first `tr.session-row` / `article.item` entered the DOM, seen by a MutationObserver installed before the page's scripts. First start: the first load after a server started over a store it never read (no list kept in its state dir). Cold: the first load after a restart of a server that had read the uploads (its list kept in the state dir; the store is listed again), in a fresh profile. Baseline: the same browser fetching and parsing the API JSON alone (warm, median).",
];

export const raw = (r) => [
  `view list warm ${r.listWarm.map((x) => x.toFixed(1)).join(', ')}; list fetch ${r.listFetch.map((x) => x.toFixed(1)).join(', ')}; session warm ${r.sessionWarm.map((x) => x.toFixed(1)).join(', ')}; session fetch ${r.sessionFetch.map((x) => x.toFixed(1)).join(', ')}`,
];
