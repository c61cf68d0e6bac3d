// The explain order as mermaid flowcharts, one per namespace and selection, for GitHub and GitLab to draw
// in a pull-request comment: extensions left to right in the order they run, boxed by phase.
//
// Only features old mermaid versions already had (flowchart LR, subgraph, classDef, class, linkStyle,
// `#code;` entities), since the forges pin theirs. Ids come from positions (`e3` is the third entry,
// `phase2` the second phase box), so the same order always prints the same text. Every label goes
// through `mermaidText`: anything but letters, digits and ` .,/=+-` becomes an entity, so quotes,
// brackets, `#`, `&`, `<`, backticks and markdown marks in a file or extension name stay text.

import type { ChainEntry, NamespaceOrder, WorkloadGroup } from './explain-order.ts';
import { tieInIstio } from './explain-order.ts';

const CLASS_STYLE: Readonly<Record<string, string>> = {
  tie: 'stroke:#bc4c00,stroke-width:3px',
  added: 'fill:#dafbe1,stroke:#1a7f37',
  removed: 'fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4 4',
  moved: 'fill:#fff8c5,stroke:#9a6700',
};
const TIE_LINK = 'stroke:#bc4c00,stroke-width:2px';

/**
 * `explain --format mermaid`: one flowchart per namespace and selection, each after a
 * `%% namespace NS, SELECTION` comment, a blank line between them.
 */
export function formatMermaid(order: readonly NamespaceOrder[]): string {
  const diagrams = order.flatMap((ns) => ns.groups.map((g) => `%% namespace ${mermaidComment(ns.namespace)}, ${mermaidComment(who(g))}\n${mermaidFlowchart(g, ns.namespace)}`));
  return diagrams.map((d) => `${d}\n`).join('\n');
}

/** The flowchart of one group in a ```mermaid fence, for the markdown report. */
export function mermaidBlock(group: WorkloadGroup, namespace: string): string {
  return `\`\`\`mermaid\n${mermaidFlowchart(group, namespace)}\n\`\`\``;
}

/** One group's flowchart, without a trailing newline. */
export function mermaidFlowchart(group: WorkloadGroup, namespace: string): string {
  const chain = group.chain;
  const lines = ['flowchart LR'];
  const classes = new Map<string, string[]>();
  const addClass = (cls: string, id: string) => classes.set(cls, [...(classes.get(cls) ?? []), id]);
  let run = 0;
  chain.forEach((e, i) => {
    if (i === 0 || chain[i - 1]!.phase !== e.phase) {
      if (i > 0) lines.push('  end');
      lines.push(`  subgraph phase${countRuns(chain, i)}["${mermaidText(e.phase)}"]`);
    }
    const removed = e.change === 'removed';
    lines.push(`    e${i + 1}["${mermaidText(e.name)}<br/>${labelDetails(e, removed ? undefined : ++run)}"]`);
    if (e.change) addClass(e.change, `e${i + 1}`);
  });
  if (chain.length > 0) lines.push('  end');
  // Links join the entries that run, in order; removed entries stand unlinked in their phase.
  const running = chain.flatMap((e, i) => (e.change === 'removed' ? [] : [{ e, id: `e${i + 1}` }]));
  const tieLinks: number[] = [];
  for (let k = 1; k < running.length; k++) {
    const a = running[k - 1]!;
    const b = running[k]!;
    if (tieInIstio(a.e, b.e, namespace)) {
      lines.push(`  ${a.id} -. tie .-> ${b.id}`);
      tieLinks.push(k - 1);
      for (const id of [a.id, b.id]) if (!classes.get('tie')?.includes(id)) addClass('tie', id);
    } else {
      lines.push(`  ${a.id} --> ${b.id}`);
    }
  }
  for (const cls of Object.keys(CLASS_STYLE)) {
    const ids = classes.get(cls);
    if (ids) lines.push(`  classDef ${cls} ${CLASS_STYLE[cls]}`, `  class ${ids.join(',')} ${cls}`);
  }
  if (tieLinks.length > 0) lines.push(`  linkStyle ${tieLinks.join(',')} ${TIE_LINK}`);
  return lines.join('\n');
}

/** `step 2, priority 10, WasmPlugin<br/>from shop, decl.yaml`, plus what `--against` found. */
function labelDetails(e: ChainEntry, position: number | undefined): string {
  const parts = [`${position !== undefined ? `step ${position}, ` : ''}priority ${e.priority}, ${e.kind}`, `from ${e.namespace}${e.source !== undefined ? `, ${e.source}` : ''}`];
  if (e.change === 'added') parts.push('added');
  else if (e.change === 'moved') parts.push(`moved${e.was !== undefined ? ` from ${e.was}` : ''}`);
  else if (e.change === 'removed') parts.push(`removed${e.was !== undefined ? ` (was ${e.was})` : ''}`);
  return parts.map(mermaidText).join('<br/>');
}

/** The 1-based number of the phase run that starts at `i`. */
function countRuns(chain: readonly ChainEntry[], i: number): number {
  let n = 1;
  for (let k = 1; k <= i; k++) if (chain[k]!.phase !== chain[k - 1]!.phase) n++;
  return n;
}

function who(g: WorkloadGroup): string {
  return g.selector === '*' ? 'every workload' : `workloads with ${g.selector}`;
}

/** Text for inside a quoted mermaid label: every character but ` .,/=+-` and ASCII letters and digits as `#code;`. */
export function mermaidText(s: string): string {
  let out = '';
  for (const ch of s) out += /^[A-Za-z0-9 .,/=+-]$/.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/**
 * Text for a `%%` comment line: line breaks and other control characters become spaces, and `%` is
 * written `%25`, since mermaid reads a `%%{` anywhere, even inside a comment, as a directive running
 * to the next `}%%`.
 */
function mermaidComment(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replaceAll('%', '%25');
}
