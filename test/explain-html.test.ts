// meshext explain --format html, looked at in headless Chromium as a person would: the page loads
// from a file with no console error and no request but itself, draws the boxes in the order
// `--format json` gives, fits a phone, has a dark scheme and visible keyboard focus, and shows
// hostile input as text. Screenshots go to test/artifacts/ (gitignored); UPDATE=1 also rewrites
// docs/explain-native.png, the picture the README shows (look at it before committing).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { launchChromium, watchedPage } from './_chromium.ts';
import type { WatchedPage } from './_chromium.ts';
import { runCli } from './_cli.ts';
import { formatHtml } from '../src/explain/format-html.ts';
import type { NamespaceOrder } from '../src/explain/explain-order.ts';

const ROOT = join(import.meta.dirname, '..');
const NATIVE = join(ROOT, 'examples', 'native');
const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const update = process.env.UPDATE === '1';
const HOSTILE = `<img src=x onerror="document.title='owned'">&'"`;

let browser: Browser;
mkdirSync(ARTIFACTS, { recursive: true });

function pageFile(name: string, html: string): string {
  const file = join(ARTIFACTS, name);
  writeFileSync(file, html);
  return pathToFileURL(file).href;
}

async function open(url: string, width: number, dark = false): Promise<WatchedPage> {
  const w = await watchedPage(browser);
  await w.page.setViewport({ width, height: 900 });
  await w.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: dark ? 'dark' : 'light' }]);
  await w.page.goto(url, { waitUntil: 'load' });
  return w;
}

async function explain(format: string): Promise<string> {
  const r = await runCli(['explain', NATIVE, '--format', format]);
  assert.is(r.code, 0, r.stderr);
  return r.stdout;
}

test.before(async () => {
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
});

test('examples/native: no console error, no request but the file, boxes in the order json gives, per group', async () => {
  const html = await explain('html');
  assert.is(await explain('html'), html, 'deterministic bytes');
  const url = pageFile('explain-native.html', html);
  const w = await open(url, 1280);
  assert.equal(w.errors, []);
  assert.equal(w.requests, [url]);
  const json = JSON.parse(await explain('json')) as { namespaces: { namespace: string; groups: { chain: { name: string }[] }[] }[] };
  const want = json.namespaces.filter((n) => n.groups.length > 0).map((n) => [n.namespace, n.groups.map((g) => g.chain.map((e) => e.name))]);
  const got = await w.page.$$eval('main > section', (sections) =>
    sections.map((s) => [s.querySelector('h2 code')!.textContent, [...s.querySelectorAll('section.group')].map((g) => [...g.querySelectorAll('.ext .name')].map((n) => n.textContent))]),
  );
  assert.equal(got, want);
  // Lanes in phase order between Istio's filters: authn before jwt_authn, authz before rbac, stats before istio.stats.
  const stages = await w.page.$eval('main section.group', (g) => [...g.querySelectorAll('.chain > li')].map((li) => li.querySelector('h4')?.textContent ?? li.getAttribute('aria-label')!.split(' ')[2]));
  assert.equal(stages, ['istio.metadata_exchange', 'AUTHN', 'envoy.filters.http.jwt_authn', 'AUTHZ', 'envoy.filters.http.rbac', 'STATS', 'UNSPECIFIED', 'istio.stats']);
  assert.is(await w.page.$$eval('h1', (h) => h.length), 1);
  const shot = await w.page.screenshot({ fullPage: true });
  writeFileSync(join(ARTIFACTS, 'explain-native-1280.png'), shot);
  // The README's picture: the page down to the end of the first namespace with two selections.
  const bottom = await w.page.evaluate(() => [...document.querySelectorAll('main > section')].find((s) => s.querySelectorAll('section.group').length > 1)!.getBoundingClientRect().bottom);
  if (update) writeFileSync(join(ROOT, 'docs', 'explain-native.png'), await w.page.screenshot({ clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 16 } }));
  await w.page.close();
});

test('a phone (390 px): no horizontal overflow of the page, lanes in a column', async () => {
  const w = await open(pageFile('explain-native.html', await explain('html')), 390);
  const [scroll, inner] = await w.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner, `page is ${scroll} px wide in a ${inner} px viewport`);
  assert.equal([...new Set(await w.page.$$eval('.chain', (cs) => cs.map((c) => getComputedStyle(c).flexDirection)))], ['column']);
  writeFileSync(join(ARTIFACTS, 'explain-native-390.png'), await w.page.screenshot({ fullPage: true }));
  await w.page.close();
});

test('dark scheme: a dark background and light text', async () => {
  const w = await open(pageFile('explain-native.html', await explain('html')), 1280, true);
  const luminance = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).reduce((s, v) => s + Number(v), 0) / 3;
  const [bg, fg] = await w.page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
  assert.ok(luminance(bg) < 60 && luminance(fg) > 180, `background ${bg}, text ${fg}`);
  writeFileSync(join(ARTIFACTS, 'explain-native-dark.png'), await w.page.screenshot({ fullPage: true }));
  await w.page.close();
});

test('keyboard: Tab reaches the skip link, then the extension boxes, with a visible outline', async () => {
  const w = await open(pageFile('explain-native.html', await explain('html')), 1280);
  await w.page.keyboard.press('Tab');
  assert.is(await w.page.evaluate(() => document.activeElement!.className), 'skip');
  let focused = '';
  for (let i = 0; i < 20 && !focused.startsWith('ext'); i++) {
    await w.page.keyboard.press('Tab');
    focused = await w.page.evaluate(() => document.activeElement!.className);
  }
  assert.ok(focused.startsWith('ext'), 'an extension box takes focus');
  const outline = await w.page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.is.not(outline, 'none');
  await w.page.close();
});

/** One group in which every string comes from a hostile input. */
function hostileOrder(): NamespaceOrder[] {
  const e = { phase: 'AUTHZ', priority: 10, kind: HOSTILE, name: HOSTILE, namespace: HOSTILE, source: HOSTILE, modes: [HOSTILE] } as const;
  return [{ namespace: HOSTILE, groups: [{ selector: HOSTILE, chain: [e, { ...e, name: `${HOSTILE}2` }], warnings: [HOSTILE] }] }];
}

test('hostile input is text: no element, no script, shown verbatim', async () => {
  const html = formatHtml(hostileOrder(), HOSTILE);
  assert.not.match(html, /<img|<script|onerror="/i);
  const w = await open(pageFile('explain-hostile.html', html), 1280);
  assert.equal(w.errors, []);
  assert.is(await w.page.$$eval('img, script', (els) => els.length), 0);
  assert.is(await w.page.title(), 'meshext explain: extension order');
  assert.is(await w.page.$eval('h2 code', (c) => c.textContent), HOSTILE);
  assert.is(await w.page.$eval('.ext .name', (c) => c.textContent), HOSTILE);
  await w.page.close();
});

test('ties in colour and in words; --against changes as badges, removed boxes struck through', async () => {
  const base = { phase: 'STATS', kind: 'WasmPlugin', namespace: 'shop', source: 'a.yaml', modes: [] } as const;
  const chain = [
    { ...base, name: 'new-one', priority: 9, change: 'added' },
    { ...base, name: 'tie-a', priority: 5 },
    { ...base, name: 'tie-b', priority: 5, change: 'moved', was: 1 },
    { ...base, name: 'gone', priority: 1, change: 'removed', was: 3 },
  ] as const;
  const w = await open(pageFile('explain-changes.html', formatHtml([{ namespace: 'shop', groups: [{ selector: '*', chain, warnings: [] }] }], 'istio-system')), 1280);
  const boxes = await w.page.$$eval('.ext', (els) => els.map((el) => [el.querySelector('.pos')!.textContent, el.querySelector('.name')!.textContent, [...el.querySelectorAll('.badge')].map((b) => b.textContent), getComputedStyle(el.querySelector('.name')!).textDecorationLine]));
  assert.equal(boxes, [
    ['#1', 'new-one', ['added'], 'none'],
    ['#2', 'tie-a', ['tie with tie-b: order not fixed'], 'none'],
    ['#3', 'tie-b', ['moved from 1', 'tie with tie-a: order not fixed'], 'none'],
    ['\u2013', 'gone', ['removed, was 3'], 'line-through'],
  ]);
  const [tie, plain] = await w.page.$$eval('.ext', (els) => [getComputedStyle(els[1]!).borderTopColor, getComputedStyle(els[0]!).borderTopColor]);
  assert.is.not(tie, plain, 'a tie is also marked in colour');
  await w.page.close();
});

test.run();
