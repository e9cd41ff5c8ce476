// The web view in headless Chromium: time to first render of the list over CFG.sessions stored
// sessions and of a 20 MiB session page, from navigation start to the first rows / first
// conversation items in the DOM. Cold is the first load after `traces serve` started (its summary
// index and the session's parse included); warm is the median of the loads after. The baseline is
// the same browser fetching and parsing the same API JSON alone (what the page cannot do without).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
  startServe,
  stopService,
  tail,
  tracesEnv,
  WORK,
  yesNo,
} from '../harness.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The browser tests' flags (test/helpers/browser.ts): quiet, no GPU, no background traffic.
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
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
  // Cold: a server that has not yet read the store, and a browser with an empty profile.
  await stopService(serve, 15_000);
  serve = await startServe(data);
  const profile = mkdtempSync(join(tmpdir(), 'traces-bench-chromium-'));
  const browser = await launch({ executablePath: CHROMIUM, args: [...ARGS, `--user-data-dir=${profile}`] });
  try {
    const list = `${serve.base}/`;
    const session = `${serve.base}/s/${largeId}`;
    const listCold = await firstRender(browser, list, 'tr.session-row');
    const sessionCold = await firstRender(browser, session, 'article.item');
    log(`[view] cold: list ${fmtMs(listCold)}, 20 MiB session ${fmtMs(sessionCold)}`);
    const listWarm = [];
    const sessionWarm = [];
    const listFetch = [];
    const sessionFetch = [];
    for (let i = 0; i < WARM_REPS; i++) {
      listWarm.push(await firstRender(browser, list, 'tr.session-row'));
      sessionWarm.push(await firstRender(browser, session, 'article.item'));
      listFetch.push(await fetchOnly(browser, serve.base, '/api/v1/view/sessions'));
      sessionFetch.push(await fetchOnly(browser, serve.base, `/api/v1/view/sessions/${largeId}`));
    }
    log(`[view] warm (median of ${WARM_REPS}): list ${fmtMs(median(listWarm))}, session ${fmtMs(median(sessionWarm))}`);
    return { largeBytes, listCold, sessionCold, listWarm, sessionWarm, listFetch, sessionFetch };
  } finally {
    await browser.close();
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
    row(`web view: first rows of the list over ${N} sessions, cold`, r.listCold, median(r.listFetch), GOAL_LIST_MS),
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
  "- web view: headless Chromium (the browser tests' flags) loads `/` and `/s/<id>` of `traces serve --no-auth`; the time is `performance.now()` (from navigation start) when the first `tr.session-row` / `article.item` entered the DOM, seen by a MutationObserver installed before the page's scripts. Cold: the first load after the server started, in a fresh profile. Baseline: the same browser fetching and parsing the API JSON alone (warm, median).",
];

export const raw = (r) => [
  `view list warm ${r.listWarm.map((x) => x.toFixed(1)).join(', ')}; list fetch ${r.listFetch.map((x) => x.toFixed(1)).join(', ')}; session warm ${r.sessionWarm.map((x) => x.toFixed(1)).join(', ')}; session fetch ${r.sessionFetch.map((x) => x.toFixed(1)).join(', ')}`,
];
