import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ViewList } from '../../src/contracts/view.js';
import { writeClaudeHome } from '../helpers/agent-files/claude.js';
import { writeCodexHome } from '../helpers/agent-files/codex.js';
import { writeGeminiHome } from '../helpers/agent-files/gemini.js';
import { attributes, screenshot, texts, useBrowser } from '../helpers/browser.js';
import { call } from '../helpers/http.js';
import { bulkId, useViewWorld, writeBulkSessions } from '../helpers/view-world.js';

/**
 * The list page of `traces serve` in Chromium, over sessions uploaded by `traces upload`: 105
 * prime-agent roots (more than one page) and the homes of claude-code, codex and gemini-cli with
 * their sub-agents. Filters live in the URL; back and forward put the list and the form back.
 */

const BULK = 105;

describe('the web view: the list of sessions', () => {
  const world = useViewWorld();
  const chromium = useBrowser();
  const rows = 'tr.session-row';
  /** The ids the read API lists for `query`, every page. */
  const apiIds = async (query: string) => {
    const answer = await call(`${world.url}/api/v1/view/sessions?limit=1000${query}`);
    return answer.json<ViewList>().sessions.map((s) => s.session_id);
  };

  beforeAll(async () => {
    writeBulkSessions(join(world.tmp.path, 'bulk'), BULK);
    await world.upload(join(world.tmp.path, 'bulk'));
    writeClaudeHome(world.home);
    writeCodexHome(world.home);
    writeGeminiHome(world.home);
    for (const agent of ['claude', 'codex', 'gemini']) await world.upload('--agent', agent);
  }, 120_000);

  it('shows the newest page of roots with every column, and loads the rest on request', async () => {
    const { page, errors } = await chromium.open(`${world.url}/`);
    await page.waitForSelector(rows);
    const all = await apiIds('');
    expect(all.length).toBeGreaterThan(BULK);
    expect(await texts(page, '#list-total')).toEqual([`${all.length} sessions`]);
    // One page of 100, in the API's order (newest first).
    expect(await attributes(page, rows, 'data-session-id')).toEqual(all.slice(0, 100));
    const newestBulk = `tr.session-row[data-session-id="${bulkId(BULK - 1)}"]`;
    expect(await texts(page, `${newestBulk} td`)).toEqual([
      'prime-agent',
      `bulk session ${BULK - 1}`,
      `/work/bulk/${BULK - 1}`,
      'claude-sonnet-4-5',
      // Shown in the browser's time zone.
      expect.stringMatching(/^2026-1[01]-\d\d \d\d:\d\d$/),
      expect.stringMatching(/^4\dm \d+s$/),
      '6',
      expect.stringMatching(/\d/),
      expect.stringMatching(/\$0\.0/),
      '0',
    ]);
    await screenshot(page, 'list', true);

    await page.click('#load-more');
    await page.waitForFunction(`document.querySelectorAll('${rows}').length === ${all.length}`);
    expect(await attributes(page, rows, 'data-session-id')).toEqual(all);
    expect(await page.$('#load-more')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('filters by text and by agent through the URL, and back and forward restore the list and the form', async () => {
    const { page, errors } = await chromium.open(`${world.url}/`);
    await page.waitForSelector(rows);
    const everything = await attributes(page, rows, 'data-session-id');

    await page.type('#filter-q', 'bulk session 42');
    await page.click('#filters button[type=submit]');
    await page.waitForFunction(`location.search === '?q=bulk+session+42' && document.querySelectorAll('${rows}').length === 1`);
    expect(await attributes(page, rows, 'data-session-id')).toEqual([bulkId(42)]);
    expect(await texts(page, '#list-total')).toEqual(['1 session']);

    await page.click('#filter-q', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.select('#filter-agent', 'codex');
    const codex = await apiIds('&agent=codex');
    expect(codex.length).toBeGreaterThan(0);
    await page.click('#filters button[type=submit]');
    // As many rows as the API has, all codex's: while the page loads its list has none, and "every
    // row is codex's" alone would hold then.
    await page.waitForFunction(
      `location.search === '?agent=codex' && document.querySelectorAll('${rows}').length === ${codex.length} && [...document.querySelectorAll('${rows} .agent')].every((c) => c.textContent === 'codex')`,
    );
    expect(await attributes(page, rows, 'data-session-id')).toEqual(codex);
    await screenshot(page, 'list-filtered');

    await page.goBack();
    await page.waitForFunction(`location.search === '?q=bulk+session+42' && document.querySelectorAll('${rows}').length === 1`);
    expect(await page.$eval('#filter-q', (input) => (input as unknown as { value: string }).value)).toBe('bulk session 42');
    expect(await page.$eval('#filter-agent', (select) => (select as unknown as { value: string }).value)).toBe('');

    await page.goBack();
    await page.waitForFunction(`location.search === '' && document.querySelectorAll('${rows}').length === ${everything.length}`);
    expect(await attributes(page, rows, 'data-session-id')).toEqual(everything);

    await page.goForward();
    await page.waitForFunction(`location.search === '?q=bulk+session+42' && document.querySelectorAll('${rows}').length === 1`);
    expect(errors).toEqual([]);
  });

  it('shows the sub-agents too when asked, with each root counting its own', async () => {
    const { page } = await chromium.open(`${world.url}/?all=true&agent=claude-code`);
    await page.waitForSelector(rows);
    const every = await apiIds('&all=true&agent=claude-code');
    const roots = await apiIds('&agent=claude-code');
    expect(every.length).toBeGreaterThan(roots.length);
    expect(await attributes(page, rows, 'data-session-id')).toEqual(every);
    expect(await page.$eval('#filter-all', (box) => (box as unknown as { checked: boolean }).checked)).toBe(true);
    const subAgents = await page.$$eval(`${rows}.kind-sub-agent`, (r) => r.length);
    expect(subAgents).toBeGreaterThan(0);
  });

  it('opens a session from its title without reloading the page', async () => {
    const { page } = await chromium.open(`${world.url}/?q=bulk+session+7`);
    await page.waitForSelector(`tr.session-row[data-session-id="${bulkId(7)}"]`);
    await page.evaluate('globalThis.__samePage = true');
    await page.click(`tr.session-row[data-session-id="${bulkId(7)}"] td.title a`);
    await page.waitForSelector(`main.session[data-session-id="${bulkId(7)}"] article.item`);
    expect(new URL(page.url()).pathname).toBe(`/s/${bulkId(7)}`);
    expect(await texts(page, '#session-title')).toEqual(['bulk session 7']);
    expect(await page.evaluate('globalThis.__samePage')).toBe(true);
  });
});
