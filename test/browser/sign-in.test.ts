import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHome } from '../../fixtures/builder.mjs';
import { attributes, screenshot, texts, useBrowser } from '../helpers/browser.js';
import { useViewWorld } from '../helpers/view-world.js';

/**
 * Sign-in in Chromium against a `traces serve` that has a token: the page asks for it, refuses a
 * wrong one, and the right one gets an HttpOnly, SameSite=Strict cookie the page's script cannot
 * read; the token is never in the address.
 */

describe('the web view: sign-in on a server with a token', () => {
  const world = useViewWorld({ auth: true });
  const chromium = useBrowser();
  let home: ReturnType<typeof buildHome>;

  beforeAll(async () => {
    home = buildHome(join(world.tmp.path, 'agent'), { turns: 1, seed: 'signin' });
    await world.upload(home.home);
  }, 60_000);

  it('shows the form, refuses a wrong token, signs in with the right one into an HttpOnly cookie', async () => {
    const { page } = await chromium.open(`${world.url}/s/${home.childId}`);
    await page.waitForSelector('form#sign-in');
    expect(await page.$('main.session')).toBeNull();
    await screenshot(page, 'sign-in');

    await page.type('#sign-in-token', 'not-the-token');
    await page.click('form#sign-in button[type=submit]');
    await page.waitForSelector('form#sign-in .problem');
    expect(await texts(page, 'form#sign-in .problem')).toEqual(['the server refused that token']);
    expect(await page.cookies()).toEqual([]);

    await page.click('#sign-in-token', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type('#sign-in-token', world.server.token);
    await page.click('form#sign-in button[type=submit]');
    // The page asks again for what was refused: the session it was opened on.
    await page.waitForSelector(`main.session#session-${home.childId} article.item`);
    expect(await attributes(page, 'li.tree-node.selected', 'data-session-id')).toEqual([home.childId]);

    const cookies = await page.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'traces_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookies[0]!.value).not.toContain(world.server.token);
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(page.url()).not.toContain(world.server.token);
    expect(await page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })')).not.toContain(
      world.server.token,
    );

    // The cookie holds across pages: the list opens without asking again.
    await page.goto(`${world.url}/`);
    await page.waitForSelector('tr.session-row');
    expect(await attributes(page, 'tr.session-row', 'data-session-id')).toEqual([home.rootId]);
    expect(await page.$('form#sign-in')).toBeNull();
  });

  it('asks a browser without the cookie again', async () => {
    const context = await chromium.browser().createBrowserContext();
    try {
      const page = await context.newPage();
      await page.goto(`${world.url}/`);
      await page.waitForSelector('form#sign-in');
      expect(await page.$('tr.session-row')).toBeNull();
    } finally {
      await context.close();
    }
  });
});
