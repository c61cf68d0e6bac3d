// Debian's headless Chromium, driven through puppeteer-core, for tests that look at a page as a
// person would. scripts/setup-test-env.sh installs `chromium` as root; without it the test fails
// and says how to get it (never skipped). Every page is loaded with the network cut off except for
// the page's own file, and everything it logs or requests is recorded, so a test can assert that a
// page needs nothing from outside.

import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';

export const CHROMIUM = process.env.MESHEXT_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface WatchedPage {
  readonly page: Page;
  /** Console messages of level error, and uncaught page errors. */
  readonly errors: string[];
  /** Every request the page made, by URL. */
  readonly requests: string[];
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run scripts/setup-test-env.sh as root (apt-get install chromium), or set MESHEXT_TEST_CHROMIUM`);
  // --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
}

/** A new page that records errors and requests; requests other than `allow` are refused. */
export async function watchedPage(browser: Browser, allow: (url: string) => boolean = (u) => u.startsWith('file:') || u.startsWith('data:') || u === 'about:blank'): Promise<WatchedPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => void errors.push(String(e)));
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    requests.push(r.url());
    if (allow(r.url())) void r.continue();
    else void r.abort('blockedbyclient');
  });
  return { page, errors, requests };
}
