import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHome, header, writeSession } from '../../fixtures/builder.mjs';
import type { ViewSession } from '../../src/contracts/view.js';
import { attributes, screenshot, texts, useBrowser, watch, type Tab } from '../helpers/browser.js';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { useViewWorld } from '../helpers/view-world.js';

/**
 * Hostile session content in Chromium, served by `traces serve` and written by `traces view`:
 * markup, a javascript: link, entities, ANSI escapes and a 10 MB line render as text; no payload
 * runs (each would set `window.__pwned`); the app causes no CSP violation; the page still answers.
 * And the page `traces view` writes, opened from disk, makes no request at all.
 */

const HOSTILE_ID = '7e1d2c3b-4a59-4687-8766-554433221100';
const SCRIPT = '<script>window.__pwned=1</script>';
const IMG = '<img src=x onerror="window.__pwned=1">';
const LINK = '[x](javascript:window.__pwned=1)';
const ENTITIES = '&lt;b&gt;not bold&lt;/b&gt; &amp;amp; &#x3C;i&#x3E;';
const ANSI = '\u001b[31mred\u001b[0m and \u001b]8;;http://evil.example\u0007a hyperlink\u001b]8;;\u0007';
const LONG = 10 * 1024 * 1024;

function writeHostileSession(dir: string): string {
  let n = 0;
  let parentId: string | null = null;
  const entry = (message: object) => {
    const id = `hostile${++n}`;
    const out = { type: 'message', id, parentId, timestamp: `2026-11-01T10:00:${String(n).padStart(2, '0')}.000Z`, message };
    parentId = id;
    return out;
  };
  const user = (text: string) => entry({ role: 'user', content: [{ type: 'text', text }] });
  const assistant = (content: object[]) =>
    entry({ role: 'assistant', provider: 'anthropic', model: 'claude-sonnet-4-5', content, stopReason: 'stop' });
  const lines = [
    user(`a script: ${SCRIPT}`),
    assistant([
      { type: 'thinking', thinking: `thinking ${IMG}` },
      {
        type: 'text',
        text: `an image: ${IMG}\n\na link: ${LINK}\n\nentities: ${ENTITIES}\n\n<a href="javascript:window.__pwned=1">raw link</a>`,
      },
      { type: 'toolCall', id: 'call_hostile', name: `bash${SCRIPT}`, arguments: { command: `echo '${SCRIPT}'` } },
    ]),
    entry({
      role: 'toolResult',
      toolCallId: 'call_hostile',
      toolName: 'bash',
      content: [{ type: 'text', text: `${ANSI}\n${IMG}` }],
      isError: true,
    }),
    user(`${'A'.repeat(LONG)} ${SCRIPT}`),
    { type: 'session_info', id: 'hostileT', parentId, timestamp: '2026-11-01T10:01:00.000Z', name: `title ${IMG}` },
  ];
  return writeSession(join(dir, `${HOSTILE_ID}.jsonl`), header({ id: HOSTILE_ID, cwd: `/work/${SCRIPT}` }), lines);
}

/** What every hostile page must show: nothing ran, nothing was refused, no live markup from a message. */
async function expectInert(tab: Tab): Promise<void> {
  const { page } = tab;
  expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
  expect(await tab.violations()).toEqual([]);
  expect(tab.errors).toEqual([]);
  expect(await page.$$eval('#app script, #app img, #app iframe, #app [onerror]', (found) => found.length)).toBe(0);
  expect(await attributes(page, 'a', 'href')).not.toContainEqual(expect.stringMatching(/^\s*javascript:/i));
  // Still answering: a click opens a tool call.
  await page.click('details.tool-call > summary');
  expect(await page.$eval('details.tool-call', (d) => (d as unknown as { open: boolean }).open)).toBe(true);
}

async function expectShownAsText(page: Tab['page']): Promise<void> {
  expect((await texts(page, `#entry-hostile1 .md`))[0]).toBe(`a script: ${SCRIPT}`);
  const answer = (await texts(page, '#entry-hostile2 > .md'))[0]!;
  expect(answer).toContain(`an image: ${IMG}`);
  expect(answer).toContain(`a link: ${LINK}`);
  // Entities as the author typed them are decoded once by Markdown, as any Markdown reader shows them.
  expect(answer).toContain('entities: <b>not bold</b> &amp; <i>');
  expect(answer).toContain('<a href="javascript:window.__pwned=1">raw link</a>');
  expect((await texts(page, '#entry-hostile2 .tool-name'))[0]).toBe(`bash${SCRIPT}`);
  // ANSI escapes are neither colours nor links: the text is there, the escape bytes are not markup.
  const result = (await texts(page, '#entry-hostile2 .tool-result'))[0]!;
  expect(result).toContain('red');
  expect(result).toContain(IMG);
  expect(await page.$$eval('#entry-hostile2 .tool-result a', (links) => links.length)).toBe(0);
  expect((await texts(page, '#session-title'))[0]).toBe(`title ${IMG}`);
  // The 10 MB line: its first part as plain text, the rest one click away.
  expect(await page.$('#entry-hostile4 pre.plain')).not.toBeNull();
  expect(await page.$('#entry-hostile4 button.show-all')).not.toBeNull();
}

describe('the web view: hostile content', () => {
  const world = useViewWorld();
  const chromium = useBrowser();
  let home: ReturnType<typeof buildHome>;

  beforeAll(async () => {
    writeHostileSession(join(world.tmp.path, 'hostile'));
    await world.upload(join(world.tmp.path, 'hostile'));
    home = buildHome(join(world.tmp.path, 'agent'), { turns: 3, seed: 'page' });
  }, 120_000);

  it('served: renders every payload as text, runs none, and violates no policy', async () => {
    const session = (await call(`${world.url}/api/v1/view/sessions/${HOSTILE_ID}`)).json<ViewSession>();
    expect(session.items.map((i) => i.id)).toContain('hostile4');
    const tab = await chromium.open(`${world.url}/s/${HOSTILE_ID}`);
    await tab.page.waitForSelector('#entry-hostile4');
    await expectShownAsText(tab.page);
    await screenshot(tab.page, 'session-hostile');
    await expectInert(tab);
    // The whole 10 MB line on request, still as text, and the page answers afterwards.
    await tab.page.click('#entry-hostile4 button.show-all');
    await tab.page.waitForSelector('#entry-hostile4 button.show-all', { hidden: true });
    const shown = await tab.page.$eval('#entry-hostile4 pre.plain', (pre) => (pre.textContent ?? '').length);
    expect(shown).toBeGreaterThan(Math.min(LONG, session.max_text) - 1);
    expect(await tab.page.evaluate('typeof window.__pwned')).toBe('undefined');
    await tab.page.click('#entry-hostile1 a.anchor');
    await tab.page.waitForSelector('#entry-hostile1.target');
  });

  it('an address with a malformed percent-escape shows a message, not a blank page, and throws nothing', async () => {
    const missing = await chromium.open(`${world.url}/s/%E0`);
    await missing.page.waitForSelector('.problem');
    expect(missing.errors.filter((e) => e.startsWith('uncaught'))).toEqual([]);
    const entry = await chromium.open(`${world.url}/s/${HOSTILE_ID}#entry-%E0`);
    await entry.page.waitForSelector('#entry-hostile1');
    expect(entry.errors.filter((e) => e.startsWith('uncaught'))).toEqual([]);
  });

  it('the list shows a hostile title and cwd as text', async () => {
    const tab = await chromium.open(`${world.url}/?q=__pwned`);
    await tab.page.waitForSelector('tr.session-row');
    const row = `tr.session-row[data-session-id="${HOSTILE_ID}"]`;
    expect(await texts(tab.page, `${row} td.title a`)).toEqual([`title ${IMG}`]);
    expect(await texts(tab.page, `${row} td.cwd`)).toEqual([`/work/${SCRIPT}`]);
    expect(await tab.page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await tab.violations()).toEqual([]);
    expect(tab.errors).toEqual([]);
  });

  it('traces view: the written page opens from disk with no request, shows the tree and conversations, runs nothing', async () => {
    const out = join(world.tmp.path, 'page.html');
    const hostile = join(world.tmp.path, 'hostile', `${HOSTILE_ID}.jsonl`);
    const env = isolatedEnv(world.tmp.path, { HOME: world.home, TRACES_SESSIONS_DIR: home.sessions });
    for (const [file, name] of [
      [home.root, 'view-page'],
      [hostile, 'view-page-hostile'],
    ] as const) {
      const result = await runCli(['view', file, '-o', out, '--force'], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toContain('Content-Security-Policy');

      const page = await chromium.browser().newPage();
      const tab = await watch(page);
      const requests: string[] = [];
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        if (request.url() !== pathToFileURL(out).href) requests.push(request.url());
        void request.continue();
      });
      await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
      await page.waitForSelector('section#conversation article.item');
      if (name === 'view-page') {
        // Every session of the tree is in the page; a sub-agent is its own section, reached from the tree.
        expect((await attributes(page, 'li.tree-node', 'data-session-id')).sort()).toEqual(
          [home.rootId, home.childId, home.grandId].sort(),
        );
        expect(await texts(page, 'article.item-user .md')).toEqual([
          'Question 0 for page:root',
          'Question 1 for page:root',
          'Question 2 for page:root',
        ]);
        await screenshot(page, name);
        await page.click(`li.tree-node[data-session-id="${home.grandId}"] > .tree-line > a.tree-link`);
        await page.waitForSelector(`main.session#session-${home.grandId}`);
        expect((await texts(page, 'article.item-user .md'))[0]).toBe('Question 0 for page:grand');
        expect(await page.$('#title-edit')).toBeNull();
      } else {
        await page.waitForSelector('#entry-hostile4');
        await expectShownAsText(page);
        await screenshot(page, name);
        await expectInert(tab);
      }
      await page.evaluate('new Promise((resolve) => setTimeout(resolve, 0))');
      expect(requests).toEqual([]);
      expect(tab.errors).toEqual([]);
      expect(await tab.violations()).toEqual([]);
      await page.close();
    }
  });
});
