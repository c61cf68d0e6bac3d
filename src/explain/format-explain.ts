// The explain report as text, markdown or JSON.

import type { NamespaceOrder } from './explain-order.ts';

export function formatExplain(order: readonly NamespaceOrder[], format: 'text' | 'markdown' | 'json'): string {
  if (format === 'json') return `${JSON.stringify({ namespaces: order }, null, 2)}\n`;
  const lines: string[] = [];
  const md = format === 'markdown';
  for (const ns of order) {
    if (ns.groups.length === 0) continue;
    lines.push(md ? `## Namespace \`${ns.namespace}\`` : `namespace ${ns.namespace}`);
    for (const g of ns.groups) {
      const who = g.selector === '*' ? 'every workload' : `workloads with ${g.selector}`;
      if (md) {
        lines.push('', `### ${who}`, '', '| # | phase | priority | extension | from | traffic | source |', '|---|---|---|---|---|---|---|');
        g.chain.forEach((e, i) => lines.push(`| ${i + 1} | ${e.phase} | ${e.priority} | ${e.kind} \`${e.name}\` | ${e.namespace} | ${e.modes.join(', ') || 'all'} | ${e.source ?? ''} |`));
        for (const w of g.warnings) lines.push('', `> **warning:** ${w}`);
        lines.push('');
      } else {
        lines.push(`  ${who}:`);
        let phase = '';
        g.chain.forEach((e, i) => {
          if (e.phase !== phase) lines.push(`    ${(phase = e.phase)}`);
          lines.push(`      ${String(i + 1).padStart(2)}. ${e.name.padEnd(24)} priority ${String(e.priority).padEnd(8)} ${e.kind} in ${e.namespace}${e.modes.length ? ` [${e.modes.join(', ')}]` : ''}${e.source ? `  (${e.source})` : ''}`);
        });
        for (const w of g.warnings) lines.push(`    warning: ${w}`);
      }
    }
    if (!md) lines.push('');
  }
  return lines.join('\n') + (lines.length > 0 && !lines[lines.length - 1]!.endsWith('\n') ? '\n' : '');
}
