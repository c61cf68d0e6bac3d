// explain's mermaid flowcharts, drawn by the real mermaid in headless Chromium as GitHub would draw them:
// every diagram of `--format mermaid` and of the ```mermaid blocks of `--format markdown`, for the
// explain cases under test/cases, examples/native, the README and a chain of hostile names, must render
// without a syntax error and show each extension in its own node, left to right in run order. A broken
// diagram must fail, so a renderer that accepts anything cannot make this pass.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { runCli } from './_cli.ts';
import { launchChromium, watchedPage } from './_chromium.ts';
import type { WatchedPage } from './_chromium.ts';
import type { ChainEntry, NamespaceOrder } from '../src/explain/explain-order.ts';
import { formatMermaid } from '../src/explain/format-mermaid.ts';

const ROOT = join(import.meta.dirname, '..');
const CASES = join(import.meta.dirname, 'cases');
const MERMAID_JS = join(createRequire(import.meta.url).resolve('mermaid/package.json'), '..', 'dist', 'mermaid.min.js');

interface Drawn {
  /** Each node's text, by its position in the chain (`e1` first). */
  readonly nodes: { readonly id: number; readonly text: string; readonly x: number }[];
  /** Elements a label could only have made by being read as HTML or markdown. */
  readonly injected: number;
}

let browser: Browser;
let watched: WatchedPage;
let count = 0;

test.before(async () => {
  browser = await launchChromium();
  watched = await watchedPage(browser);
  await watched.page.goto('about:blank');
  await watched.page.addScriptTag({ path: MERMAID_JS });
  await watched.page.evaluate(() => (globalThis as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({ startOnLoad: false }));
});

test.after(async () => {
  await browser?.close();
});

/** Renders one diagram; rejects with mermaid's message on a syntax error. */
async function draw(text: string): Promise<Drawn> {
  return watched.page.evaluate(
    async (id, src) => {
      const { svg } = await (globalThis as unknown as { mermaid: { render(id: string, text: string): Promise<{ svg: string }> } }).mermaid.render(id, src);
      const host = document.createElement('div');
      host.innerHTML = svg;
      document.body.append(host);
      const nodes = [...host.querySelectorAll('g.node')].map((n) => ({ id: Number(/-flowchart-e(\d+)-\d+$/.exec(n.id)?.[1] ?? -1), text: n.textContent ?? '', x: n.getBoundingClientRect().x }));
      const injected = host.querySelectorAll('foreignObject img, foreignObject script, foreignObject strong, foreignObject em, foreignObject code, foreignObject a').length;
      host.remove();
      return { nodes, injected };
    },
    `d${++count}`,
    text,
  );
}

/** Draws a diagram and checks it shows `chain` in order: one node per entry, running ones left to right. */
async function assertDrawn(where: string, text: string, chain: readonly (Pick<ChainEntry, 'name'> & { change?: string })[]): Promise<void> {
  let drawn: Drawn;
  try {
    drawn = await draw(text);
  } catch (e) {
    throw new assert.Assertion({ message: `${where}: mermaid rejects the diagram: ${String(e)}\n${text}`, operator: 'draw', expects: 'a diagram', actual: text, generated: false });
  }
  assert.equal(watched.errors, [], `${where}: page errors`);
  assert.is(drawn.injected, 0, `${where}: a label was read as HTML or markdown`);
  assert.equal(drawn.nodes.map((n) => n.id).sort((a, b) => a - b), chain.map((_, i) => i + 1), `${where}: one node per entry, ids by position`);
  const byId = new Map(drawn.nodes.map((n) => [n.id, n]));
  let lastX = -Infinity;
  chain.forEach((e, i) => {
    const node = byId.get(i + 1)!;
    assert.ok(squash(node.text).startsWith(squash(e.name)), `${where}: node e${i + 1} should show ${JSON.stringify(e.name)}, shows ${JSON.stringify(node.text)}`);
    if (e.change === 'removed') return;
    assert.ok(node.x > lastX, `${where}: ${e.name} should be right of the entry before it`);
    lastX = node.x;
  });
}

/** Mermaid drops line breaks inside a label; compare without white space. */
const squash = (s: string) => s.replace(/\s+/g, '');

function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);
}

/** The chains in report order, from `--format json` of the same input. */
async function chainsOf(argv: readonly string[], cwd: string): Promise<{ where: string; chain: ChainEntry[] }[]> {
  const j = await runCli([...argv, '--format', 'json'], { cwd });
  assert.is(j.code, 0, j.stderr);
  // explain --all-clusters: each cluster's namespaces, in the order the clusters are printed.
  const parsed = JSON.parse(j.stdout) as { namespaces?: NamespaceOrder[]; clusters?: { namespaces: NamespaceOrder[] }[] };
  const order = parsed.namespaces ?? parsed.clusters!.flatMap((c) => c.namespaces);
  return order.flatMap((ns) => ns.groups.map((g) => ({ where: `${ns.namespace} ${g.selector}`, chain: [...g.chain] })));
}

/** explain with `format`, split into its diagrams, each drawn and checked against the JSON chains. */
async function assertExplainDraws(label: string, argv: readonly string[], format: 'mermaid' | 'markdown', cwd: string): Promise<void> {
  const r = await runCli([...argv, '--format', format], { cwd });
  assert.is(r.code, 0, r.stderr);
  const diagrams = format === 'mermaid' ? r.stdout.split('\n\n').map((d) => d.trimEnd()) : mermaidBlocks(r.stdout);
  const chains = await chainsOf(argv, cwd);
  assert.is(diagrams.length, chains.length, `${label}: one diagram per namespace and selector`);
  for (const [i, d] of diagrams.entries()) await assertDrawn(`${label} ${chains[i]!.where}`, d, chains[i]!.chain);
}

const explainCases = readdirSync(CASES)
  .sort()
  .filter((name) => existsSync(join(CASES, name, 'args')) && !existsSync(join(CASES, name, 'errors.txt')))
  .filter((name) => /^explain\n[\s\S]*\n--format\n(mermaid|markdown)\n/.test(readFileSync(join(CASES, name, 'args'), 'utf8')));

test('the explain cases include a mermaid and a markdown one', () => {
  const formats = explainCases.map((name) => readFileSync(join(CASES, name, 'args'), 'utf8'));
  assert.ok(formats.some((a) => a.includes('\nmermaid')) && formats.some((a) => a.includes('\nmarkdown')), explainCases.join(', '));
});

for (const name of explainCases) {
  test(`case ${name}: every diagram draws, in run order`, async () => {
    const dir = join(CASES, name);
    const args = readFileSync(join(dir, 'args'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((a) => a.replace('$INPUT', join(dir, 'input')));
    const at = args.indexOf('--format');
    const format = args[at + 1] as 'mermaid' | 'markdown';
    await assertExplainDraws(name, args.filter((_, i) => i !== at && i !== at + 1), format, dir);
  });
}

test('examples/native: every diagram draws, as mermaid and inside markdown', async () => {
  await assertExplainDraws('native', ['explain', 'examples/native'], 'mermaid', ROOT);
  await assertExplainDraws('native markdown', ['explain', 'examples/native'], 'markdown', ROOT);
});

test("the README's flowchart is explain's for examples/native, and draws", async () => {
  const blocks = mermaidBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8')).filter((b) => b.startsWith('flowchart LR\n  subgraph phase1'));
  assert.ok(blocks.length > 0, 'README shows a flowchart of explain');
  const r = await runCli(['explain', 'examples/native', '--format', 'mermaid'], { cwd: ROOT });
  const diagrams = r.stdout.split('\n\n').map((d) => d.trimEnd().replace(/^%%.*\n/, ''));
  for (const b of blocks) {
    assert.ok(diagrams.includes(b), `README's flowchart is not in the current output:\n${b}`);
    await draw(b);
  }
});

const hostile: ChainEntry[] = [
  'quote"] --> x["injected',
  '<img src=x onerror=alert(1)>',
  '**bold** _em_ `code` [link](http://x)',
  '#35; &amp; &lt;b&gt; #quot;',
  'end',
  '%%{init: {"theme": "dark"}}%%',
  'new\nline\u2028and|pipe;{brace}',
  'ünïcode ✓ 🚀',
].map((name, i) => ({ phase: i < 4 ? 'AUTHN' : 'UNSPECIFIED_PHASE', priority: i < 2 ? 7 : -i, kind: 'WasmPlugin', name, namespace: 'ns', source: `dir [${i}]/"${name}".yaml`, modes: [] }));

test('hostile names stay text: quotes, brackets, HTML, entities, markdown, keywords, directives, line breaks', async () => {
  const order: NamespaceOrder[] = [{ namespace: 'ns\n%%{init}', groups: [{ selector: 'a"]=%%{b}\nflowchart', chain: hostile, warnings: [] }] }];
  const text = formatMermaid(order);
  assert.is(text.split('\n\n').length, 1, 'one diagram');
  assert.ok(text.includes('e1 -. tie .-> e2'), 'the first two tie');
  await assertDrawn('hostile', text.trimEnd(), hostile);
});

test('--against markers: added, removed and moved entries draw, removed ones out of the run', async () => {
  const entry = (name: string, extra: object): ChainEntry => ({ phase: 'AUTHZ', priority: 1, kind: 'WasmPlugin', name, namespace: 'ns', modes: [], ...extra });
  const chain = [entry('new', { change: 'added' }), entry('same', {}), entry('gone', { change: 'removed', was: 1 }), entry('shifted', { change: 'moved', was: 2, priority: 0 })];
  const text = formatMermaid([{ namespace: 'ns', groups: [{ selector: '*', chain, warnings: [] }] }]);
  assert.ok(text.includes('moved from 2') && text.includes('removed #40;was 1#41;') && text.includes('<br/>added'), text);
  assert.ok(text.includes('e2 --> e4') && !/e3 (--|-\.)/.test(text) && !/--> e3|\.-> e3/.test(text), `removed entries are not linked:\n${text}`);
  assert.ok(/class e1 added\n[\s\S]*class e3 removed\n[\s\S]*class e4 moved/.test(text), text);
  await assertDrawn('against', text.trimEnd(), chain);
});

test('positive controls: broken diagrams fail to draw, an unescaped name that adds a node fails the check', async () => {
  for (const bad of ['flowchart LR\n  e1["a"b"] --> e2', 'flowchart LR\n  subgraph phase1["AUTHN"]\n    e1["x"]\n  e1 --> ']) {
    let failed = false;
    try {
      await draw(bad);
    } catch {
      failed = true;
    }
    assert.ok(failed, `mermaid drew a broken diagram:\n${bad}`);
  }
  let caught = '';
  try {
    await assertDrawn('unescaped', `flowchart LR\n  e1["${hostile[0]!.name}"]`, [hostile[0]!]);
  } catch (e) {
    caught = String(e);
  }
  assert.match(caught, /one node per entry/);
});

test.run();
