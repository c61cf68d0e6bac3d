// The explain report as text, markdown or JSON.

import type { ChainEntry, NamespaceOrder } from './explain-order.ts';
import type { OrderChanges } from './order-diff.ts';
import { describeChanges, ORDER_DIFF_NOTE } from './order-diff.ts';
import { mermaidBlock } from './format-mermaid.ts';

/** With `explain --against REF`: the REF and what changed, for the headers. */
export interface AgainstInfo {
  readonly ref: string;
  readonly changes: OrderChanges;
}

export function formatExplain(order: readonly NamespaceOrder[], format: 'text' | 'markdown' | 'json', against?: AgainstInfo): string {
  if (format === 'json') return `${JSON.stringify(against ? { against: { ref: against.ref, ...against.changes, note: ORDER_DIFF_NOTE }, namespaces: order } : { namespaces: order }, null, 2)}\n`;
  const lines: string[] = [];
  const md = format === 'markdown';
  if (md && against) lines.push(`Compared with \`${against.ref}\`: ${describeChanges(against.changes)}.`, '');
  for (const ns of order) {
    if (ns.groups.length === 0) continue;
    lines.push(md ? `## Namespace \`${ns.namespace}\`` : `namespace ${ns.namespace}`);
    for (const g of ns.groups) {
      const who = g.selector === '*' ? 'every workload' : `workloads with ${g.selector}`;
      if (md) {
        const nums = positions(g.chain);
        lines.push('', `### ${who}`, '', `| # |${against ? ' change |' : ''} phase | priority | extension | from | traffic | source |`, `|---|${against ? '---|' : ''}---|---|---|---|---|---|`);
        g.chain.forEach((e, i) => lines.push(`| ${nums[i]} |${against ? ` ${changeNote(e)} |` : ''} ${e.phase} | ${e.priority} | ${e.kind} \`${e.name}\` | ${e.namespace} | ${e.modes.join(', ') || 'all'} | ${e.source ?? ''} |`));
        for (const w of g.warnings) lines.push('', `> **warning:** ${w}`);
        lines.push('', mermaidBlock(g, ns.namespace));
        lines.push('');
      } else {
        lines.push(`  ${who}:`);
        let phase = '';
        const nums = positions(g.chain);
        g.chain.forEach((e, i) => {
          if (e.phase !== phase) lines.push(`    ${(phase = e.phase)}`);
          const note = changeNote(e);
          lines.push(`    ${MARK[e.change ?? 'none']} ${nums[i]!.padStart(2)}${e.change === 'removed' ? ' ' : '.'} ${e.name.padEnd(24)} priority ${String(e.priority).padEnd(8)} ${e.kind} in ${e.namespace}${e.modes.length ? ` [${e.modes.join(', ')}]` : ''}${e.source ? `  (${e.source})` : ''}${note ? `  <- ${note}` : ''}`);
        });
        for (const w of g.warnings) lines.push(`    warning: ${w}`);
      }
    }
    if (!md) lines.push('');
  }
  return lines.join('\n') + (lines.length > 0 && !lines[lines.length - 1]!.endsWith('\n') ? '\n' : '');
}

const MARK = { none: ' ', added: '+', removed: '-', moved: '~' } as const;

/** Each entry's 1-based position in the chain as it is now; removed entries have none. */
function positions(chain: readonly ChainEntry[]): string[] {
  let n = 0;
  return chain.map((e) => (e.change === 'removed' ? '' : String(++n)));
}

/** `moved, was 3; priority was 5`: what `--against` found for the entry, or ''. */
function changeNote(e: ChainEntry): string {
  const parts = [e.change === 'added' ? 'added' : e.change ? `${e.change}, was ${e.was}` : '', e.wasPhase ? `phase was ${e.wasPhase}` : '', e.wasPriority !== undefined ? `priority was ${e.wasPriority}` : ''];
  return parts.filter((p) => p !== '').join('; ');
}
