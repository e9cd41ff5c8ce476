import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type Browser, type ConsoleMessage, type Page } from 'puppeteer-core';
import { afterAll, beforeAll } from 'vitest';

export { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const REPO = new URL('../../', import.meta.url).pathname;
/** Where the browser tests leave their screenshots for a reviewer (git-ignored). */
export const SCREENSHOTS = join(REPO, 'test-results', 'screenshots');

/** A fresh headless Chromium with its own profile; `close()` ends it and removes the profile. */
export async function startChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser tests need Chromium, and there is none at ${CHROMIUM}: install Debian's package ` +
        '(apt-get install chromium; .ci/run does) or set CHROMIUM to its path',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'traces-chromium-'));
  const browser = await launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
    defaultViewport: { width: 1280, height: 900 },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}

/** A page and what went wrong in it: console errors, uncaught exceptions, CSP violations it reported. */
export interface Tab {
  page: Page;
  /** Console errors and uncaught exceptions, as text. */
  errors: string[];
  /** `securitypolicyviolation` events the document saw: the directive and the blocked URI. */
  violations(): Promise<string[]>;
}

/**
 * One browser for the calling test file (started before its tests, closed after). `open(url)`
 * opens a new tab that records its console errors and CSP violations; tabs close with the file.
 */
export function useBrowser(): { open(url: string): Promise<Tab>; browser(): Browser } {
  let chromium: Awaited<ReturnType<typeof startChromium>> | undefined;
  beforeAll(async () => {
    const built = join(REPO, 'dist', 'web', 'app.js');
    if (!existsSync(built)) throw new Error(`the web client is not built (${built} is missing): run \`npx tsup\` first`);
    chromium = await startChromium();
  }, 60_000);
  afterAll(async () => chromium?.close());
  const browser = () => {
    if (!chromium) throw new Error('the browser did not start (see the error of beforeAll)');
    return chromium.browser;
  };
  return {
    browser,
    open: async (url) => {
      const page = await browser().newPage();
      const tab = await watch(page);
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      return tab;
    },
  };
}

/** Starts recording a page's errors and CSP violations (before it navigates anywhere). */
export async function watch(page: Page): Promise<Tab> {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url ?? 'the page'})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${String(error)}`));
  // Runs before any script of the document, in its own world: the page cannot hide a violation from it.
  await page.evaluateOnNewDocument(`
    globalThis.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      globalThis.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
    });
  `);
  return { page, errors, violations: () => page.evaluate('globalThis.__violations') as Promise<string[]> };
}

/** The text of every element `selector` matches, in document order. */
export function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (elements) => elements.map((e) => (e.textContent ?? '').trim()));
}

/** One attribute of every element `selector` matches. */
export function attributes(page: Page, selector: string, name: string): Promise<(string | null)[]> {
  return page.$$eval(selector, (elements, attribute) => elements.map((e) => e.getAttribute(attribute)), name);
}

/** Writes a PNG of the page's viewport (or all of it) to test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`) as `${string}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}
