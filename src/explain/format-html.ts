// The explain report as one self-contained HTML page: per namespace and workload selection, the
// filter chain as Envoy runs it, left to right, in lanes by phase between Istio's own filters
// (where istiod inserts each phase; see README "Render rules" 6 for the Maistra bands). No
// script, font or request; deterministic bytes; every string from the input escaped.

import type { IstioPhase, MaistraPhase } from '../model/extension.ts';
import { MAISTRA_BANDS } from '../emit/finalize.ts';
import type { ChainEntry, NamespaceOrder, WorkloadGroup } from './explain-order.ts';
import { PHASE_ORDER, tieInIstio } from './explain-order.ts';
import { HTML_STYLE } from './_html-style.ts';

/** Istio's filters around the Wasm lanes, in the order istiod builds the HTTP chain. */
const LANDMARKS: Partial<Record<IstioPhase | 'END', readonly (readonly [filter: string, role: string])[]>> = {
  AUTHN: [['istio.metadata_exchange', 'peer metadata'], ['envoy.filters.http.ext_authz', 'CUSTOM authz']],
  AUTHZ: [['envoy.filters.http.jwt_authn', 'Istio authn']],
  STATS: [['envoy.filters.http.rbac', 'Istio authz']],
  END: [['istio.stats', 'Istio stats'], ['envoy.filters.http.router', 'upstream']],
};

export function formatHtml(order: readonly NamespaceOrder[], controlPlaneNamespace: string): string {
  const shown = order.map((ns, i) => [ns, i] as const).filter(([ns]) => ns.groups.length > 0);
  const out = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<title>meshext explain: extension order</title>',
    `<style>${HTML_STYLE}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#chains">Skip to the chains</a>',
    '<header>',
    '<h1>Extension order</h1>',
    '<p class="intro">Per namespace and workload selection, the HTTP filters in the order Envoy runs them: Wasm lanes by phase, highest priority first, between Istio\u2019s own filters (dashed, drawn whether or not a policy enables them).</p>',
    '<ul class="legend" aria-label="Legend">',
    '<li><span class="badge badge-tie">tie</span> equal phase and priority: Istio orders them by creation time</li>',
    '<li><span class="badge badge-maistra">Maistra</span> phase and priority mapped from a ServiceMeshExtension phase</li>',
    `<li><span class="badge badge-mesh">mesh-wide</span> declared in the control-plane namespace ${esc(controlPlaneNamespace)}</li>`,
    '</ul>',
  ];
  if (shown.length > 0) {
    out.push('<nav aria-label="Namespaces"><ul>');
    for (const [ns, i] of shown) out.push(`<li><a href="#ns-${i}">${esc(ns.namespace)}</a></li>`);
    out.push('</ul></nav>');
  }
  out.push('</header>', '<main id="chains">');
  if (shown.length === 0) out.push('<p>No extension applies in any namespace.</p>');
  for (const [ns, i] of shown) {
    out.push(`<section aria-labelledby="ns-${i}">`, `<h2 id="ns-${i}">Namespace <code>${esc(ns.namespace)}</code></h2>`);
    ns.groups.forEach((g, j) => out.push(...group(g, ns.namespace, controlPlaneNamespace, `ns-${i}-g-${j}`)));
    out.push('</section>');
  }
  out.push('</main>', '</body>', '</html>', '');
  return out.join('\n');
}

function group(g: WorkloadGroup, ns: string, root: string, id: string): string[] {
  const chain = g.chain;
  const who = g.selector === '*' ? 'Every workload' : `Workloads with ${g.selector}`;
  const partners = tiePartners(chain, ns);
  const tied = partners.filter((p) => p.length > 0).length;
  const out = [
    `<section class="group" aria-labelledby="${id}">`,
    `<h3 id="${id}">${g.selector === '*' ? who : `Workloads with <code>${esc(g.selector)}</code>`}</h3>`,
    `<p class="summary">${plural(chain.filter((e) => e.change !== 'removed').length, 'extension')}${tied > 0 ? `; ${plural(tied, 'extension')} in a tie` : ''}.</p>`,
    ...g.warnings.map((w) => `<p class="warning" role="note"><strong>Warning:</strong> ${esc(w)}</p>`),
    `<ol class="chain" role="list" aria-label="${esc(`Filter chain of ${who.toLowerCase()} in namespace ${ns}, in run order`)}">`,
  ];
  // Run positions skip the removed entries `--against` shows where they were.
  let run = 0;
  const positions = chain.map((e) => (e.change === 'removed' ? undefined : ++run));
  let index = 0;
  for (const phase of PHASE_ORDER) {
    if (LANDMARKS[phase]) out.push(landmark(LANDMARKS[phase]));
    const first = index;
    while (index < chain.length && chain[index]!.phase === phase) index++;
    out.push(...lane(phase, chain.slice(first, index), positions.slice(first, index), partners.slice(first, index), ns, root, `${id}-${phase}`));
  }
  out.push(landmark(LANDMARKS.END!));
  out.push('</ol>', '</section>');
  return out;
}

/** Consecutive Istio filters as one dashed strip: short names shown, full names in the label. */
function landmark(filters: readonly (readonly [filter: string, role: string])[]): string {
  const label = filters.map(([f, role]) => `${f} (${role})`).join(', then ');
  const lines = filters.map(([f, role]) => `<span class="lm"><strong>${f.replace(/^(envoy\.filters\.http|istio)\./, '')}</strong><span>${role}</span></span>`);
  return `<li class="landmark" aria-label="Istio ${filters.length === 1 ? 'filter' : 'filters'} ${label}"><span class="strip">${lines.join('')}</span></li>`;
}

function lane(phase: IstioPhase, entries: readonly ChainEntry[], positions: readonly (number | undefined)[], partners: readonly string[][], ns: string, root: string, id: string): string[] {
  const title = phase === 'UNSPECIFIED_PHASE' ? 'UNSPECIFIED' : phase;
  const out = [`<li class="lane lane-${phase}${entries.length === 0 ? ' empty' : ''}" aria-labelledby="${id}">`, `<h4 id="${id}">${title}</h4>`];
  if (entries.length === 0) out.push('<p class="lane-note">no extensions</p>');
  else {
    out.push(`<ol class="exts" role="list" aria-label="${title} phase: ${plural(entries.length, 'extension')}">`);
    entries.forEach((e, k) => out.push(...box(e, positions[k], partners[k]!, ns, root)));
    out.push('</ol>');
  }
  out.push('</li>');
  return out;
}

function box(e: ChainEntry, position: number | undefined, tiesWith: readonly string[], ns: string, root: string): string[] {
  const classes = ['ext', tiesWith.length > 0 ? 'tie' : '', e.change === 'removed' ? 'removed' : ''].filter(Boolean).join(' ');
  const meshWide = e.namespace === root;
  const declared = meshWide ? `mesh-wide, from ${e.namespace}` : e.namespace === ns ? `this namespace, ${e.namespace}` : e.namespace;
  const badges: string[] = [];
  if (e.change === 'added') badges.push('<li class="badge badge-added">added</li>');
  if (e.change === 'moved') badges.push(`<li class="badge badge-moved">${e.was !== undefined ? `moved from ${e.was}` : 'moved'}</li>`);
  if (e.change === 'removed') badges.push(`<li class="badge badge-removed">removed${e.was !== undefined ? `, was ${e.was}` : ''}</li>`);
  if (tiesWith.length > 0) badges.push(`<li class="badge badge-tie">tie with ${tiesWith.map(esc).join(', ')}: order not fixed</li>`);
  if (e.maistraPhase) badges.push(`<li class="badge badge-maistra">${maistraNote(e.maistraPhase, e.phase, e.priority)}</li>`);
  if (meshWide) badges.push('<li class="badge badge-mesh">mesh-wide</li>');
  const facts: [string, string][] = [
    ['priority', num(e.priority)],
    ['output', esc(e.kind)],
    ['declared', esc(declared)],
    ['source', e.source !== undefined ? `<code>${esc(e.source)}</code>` : 'stdin'],
    ['traffic', esc(e.modes.join(', ') || 'all')],
  ];
  return [
    `<li class="${classes}" tabindex="0">`,
    `<p class="ext-head"><span class="pos">${position !== undefined ? `#${position}` : '\u2013'}</span> <span class="name">${esc(e.name)}</span></p>`,
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`,
    ...(badges.length > 0 ? [`<ul class="badges" aria-label="notes">${badges.join('')}</ul>`] : []),
    '</li>',
  ];
}

function maistraNote(m: MaistraPhase, phase: IstioPhase, priority: number): string {
  const band = MAISTRA_BANDS[m][1];
  return band === 0 ? `Maistra ${m} \u2192 ${phase}` : `Maistra ${m} band: priority ${num(priority - band)} + ${num(band)}, before every ${m === 'PostAuthN' ? 'PreAuthZ' : 'PreStats'}`;
}

/** For each entry, the others it ties with: same phase and priority, both local or both from the root (as explainOrder warns). */
function tiePartners(chain: readonly ChainEntry[], ns: string): string[][] {
  const runs = (e: ChainEntry) => e.change !== 'removed';
  return chain.map((e) => (runs(e) ? chain.filter((o) => o !== e && runs(o) && tieInIstio(e, o, ns)).map((o) => o.name) : []));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** 2000100 → 2,000,100, independent of the locale. */
function num(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
