import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHome, entries, header, writeSession } from '../../fixtures/builder.mjs';
import type { ViewSession } from '../../src/contracts/view.js';
import { attributes, screenshot, texts, useBrowser } from '../helpers/browser.js';
import { call } from '../helpers/http.js';
import { useViewWorld } from '../helpers/view-world.js';

/**
 * One session in Chromium, served by `traces serve` after `traces upload`: a prime-agent root
 * with a sub-agent, a grand-sub-agent and a fork (the recursion tree), a long conversation (deep
 * links past the first slice), a session that branched, and the title editor (saved through the
 * patch contract, read back through the API).
 */

const TURNS = 60; // 180 items (a tool result joins its call): more than the conversation renders in its first slice

describe('the web view: a session with sub-agents', () => {
  const world = useViewWorld();
  const chromium = useBrowser();
  let home: ReturnType<typeof buildHome>;
  const BRANCHED = '6a0f4c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
  const apiSession = async (id: string) => (await call(`${world.url}/api/v1/view/sessions/${id}`)).json<ViewSession>();
  const node = (id: string) => `li.tree-node[data-session-id="${id}"]`;
  /** A node's own line (not its descendants'). */
  const line = (id: string, part: string) => `${node(id)} > .tree-line > ${part}`;

  beforeAll(async () => {
    home = buildHome(join(world.tmp.path, 'agent'), { turns: TURNS, seed: 'tree' });
    // A session that branched: two answers to the same question, the second one the active branch.
    const [q] = entries('branched', 1);
    const at = (n: number) => `2026-11-01T10:0${n}:00.000Z`;
    const message = (id: string, parentId: string, role: string, text: string, n: number) => ({
      type: 'message',
      id,
      parentId,
      timestamp: at(n),
      message:
        role === 'user'
          ? { role, content: [{ type: 'text', text }] }
          : { role, provider: 'anthropic', model: 'claude-sonnet-4-5', content: [{ type: 'text', text }], stopReason: 'stop' },
    });
    writeSession(join(world.tmp.path, 'branched', `${BRANCHED}.jsonl`), header({ id: BRANCHED, cwd: '/work/branched' }), [
      q!,
      message('abandon1', q!.id, 'assistant', 'the **abandoned** answer', 1),
      message('abandon2', 'abandon1', 'user', 'not like that', 2),
      message('kept0001', q!.id, 'assistant', 'the **kept** answer', 3),
      message('kept0002', 'kept0001', 'user', 'thanks', 4),
    ]);
    await world.upload(home.home);
    await world.upload(join(world.tmp.path, 'branched'));
  }, 120_000);

  it('shows the recursion tree with figures per node and per subtree, and folds and unfolds a node', async () => {
    const tree = (await apiSession(home.rootId)).tree;
    const { page, errors } = await chromium.open(`${world.url}/s/${home.rootId}`);
    await page.waitForSelector('section#conversation article.item');
    expect(await attributes(page, 'main.session', 'data-session-id')).toEqual([home.rootId]);
    // Every stored session of the tree is a node, the root selected.
    const ids = (n: typeof tree): string[] => [n.session_id, ...n.children.flatMap(ids)];
    expect((await attributes(page, 'li.tree-node', 'data-session-id')).sort()).toEqual(ids(tree).sort());
    expect(ids(tree)).toEqual(expect.arrayContaining([home.rootId, home.childId, home.grandId]));
    expect(await attributes(page, 'li.tree-node.selected', 'data-session-id')).toEqual([home.rootId]);
    // The root rolls up its subtree; a leaf has its own figures only.
    expect((await texts(page, `${node(home.rootId)} > .figures.subtree`))[0]).toContain(`Σ ${tree.subtree.sessions} sessions`);
    expect(await texts(page, `${node(home.grandId)} > .figures.subtree`)).toEqual([]);
    expect((await texts(page, `${node(home.grandId)} > .figures.own`))[0]).toMatch(/tok/);
    await screenshot(page, 'session');

    const toggle = line(home.childId, 'button.tree-toggle');
    expect(await attributes(page, toggle, 'aria-expanded')).toEqual(['true']);
    await page.click(toggle);
    await page.waitForSelector(node(home.grandId), { hidden: true });
    expect(await attributes(page, toggle, 'aria-expanded')).toEqual(['false']);
    expect(await page.$(`${node(home.childId)} > ul.tree-children`)).toBeNull();
    await page.click(toggle);
    await page.waitForSelector(node(home.grandId));
    expect(await attributes(page, toggle, 'aria-expanded')).toEqual(['true']);
    expect(errors).toEqual([]);
  });

  it('shows the conversation of the sub-agent chosen in the tree, tool calls collapsed', async () => {
    const { page, errors } = await chromium.open(`${world.url}/s/${home.rootId}`);
    await page.waitForSelector('section#conversation article.item');
    await page.click(line(home.childId, 'a.tree-link'));
    await page.waitForSelector(`main.session#session-${home.childId}`);
    expect(new URL(page.url()).pathname).toBe(`/s/${home.childId}`);
    expect(await attributes(page, 'li.tree-node.selected', 'data-session-id')).toEqual([home.childId]);
    const users = await texts(page, 'article.item-user div.md');
    expect(users.slice(0, 2)).toEqual(['Question 0 for tree:child', 'Question 1 for tree:child']);
    // A tool call and its result, closed until clicked.
    const call0 = 'article.item details.tool-call';
    expect(await page.$eval(call0, (d) => (d as unknown as { open: boolean }).open)).toBe(false);
    expect(await texts(page, `${call0} .tool-result`)).toContain('contents of file 0');
    await page.click(`${call0} > summary`);
    expect(await page.$eval(call0, (d) => (d as unknown as { open: boolean }).open)).toBe(true);
    expect((await texts(page, `${call0} .tool-arguments`))[0]).toContain('"path": "src/file0.ts"');
    await screenshot(page, 'session-sub-agent');
    // Back goes to the root's page.
    await page.goBack();
    await page.waitForSelector(`main.session#session-${home.rootId}`);
    expect(errors).toEqual([]);
  });

  it('follows a deep link to an entry past the first slice: rendered, marked and scrolled to', async () => {
    const items = (await apiSession(home.rootId)).items;
    expect(items.length).toBeGreaterThan(150);
    const last = items.filter((i) => i.type === 'user').at(-1)!;
    const { page, errors } = await chromium.open(`${world.url}/s/${home.rootId}#entry-${last.id}`);
    await page.waitForSelector(`article#entry-${last.id}.target`);
    await page.waitForFunction(
      `(() => { const r = document.getElementById('entry-${last.id}').getBoundingClientRect(); return scrollY > 0 && r.top >= 0 && r.top < innerHeight; })()`,
    );
    expect(await attributes(page, 'article.item.target', 'id')).toEqual([`entry-${last.id}`]);
    expect(await texts(page, `article#entry-${last.id} div.md`)).toEqual([`Question ${TURNS - 1} for tree:root`]);
    // The entry's own anchor is the same address.
    expect(await attributes(page, `article#entry-${last.id} a.anchor`, 'href')).toEqual([`#entry-${last.id}`]);
    expect(errors).toEqual([]);
  });

  it('shows the active branch, the other one a click away, and opens it for a deep link into it', async () => {
    const { page } = await chromium.open(`${world.url}/s/${BRANCHED}`);
    await page.waitForSelector('article.item');
    expect(await page.$('#entry-kept0001')).not.toBeNull();
    expect(await page.$('#entry-abandon1')).toBeNull();
    const toggle = 'button.branch-toggle[data-branch="abandon1"]';
    expect(await attributes(page, toggle, 'aria-pressed')).toEqual(['false']);
    await page.click(toggle);
    await page.waitForSelector('article#entry-abandon1.inactive');
    expect(await attributes(page, toggle, 'aria-pressed')).toEqual(['true']);
    expect(await page.$('article#entry-abandon2.inactive')).not.toBeNull();
    expect(await texts(page, 'article#entry-abandon1 div.md strong')).toEqual(['abandoned']);

    const deep = await chromium.open(`${world.url}/s/${BRANCHED}#entry-abandon2`);
    await deep.page.waitForSelector('article#entry-abandon2.inactive.target');
    expect(await attributes(deep.page, toggle, 'aria-pressed')).toEqual(['true']);
  });

  it('saves an edited title and tags through the API, and shows them after a reload', async () => {
    const { page, errors } = await chromium.open(`${world.url}/s/${home.forkId}`);
    await page.waitForSelector('#title-edit');
    await page.click('#title-edit');
    await page.waitForSelector('form#title-editor');
    await page.click('#title-input', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type('#title-input', 'Renamed <in> the browser');
    await page.type('#tags-input', 'review, browser');
    await page.click('#title-save');
    await page.waitForFunction(`document.querySelector('#session-title')?.textContent === 'Renamed <in> the browser'`);
    expect(await texts(page, '#session-tags .tag')).toEqual(['review', 'browser']);
    expect((await apiSession(home.forkId)).summary).toMatchObject({ title: 'Renamed <in> the browser', tags: ['review', 'browser'] });
    await page.reload();
    await page.waitForSelector('#session-title');
    expect(await texts(page, '#session-title')).toEqual(['Renamed <in> the browser']);
    expect(errors).toEqual([]);
  });
});
