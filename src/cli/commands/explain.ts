// meshext explain: the order extensions run in, per namespace and selector.

import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { ALL_CLUSTERS_OPTION, INPUT_HELP, INPUT_OPTIONS, requestOf } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { render } from '../../render.ts';
import { explainOrder } from '../../explain/explain-order.ts';
import { formatExplain } from '../../explain/format-explain.ts';
import { formatHtml } from '../../explain/format-html.ts';
import type { AgainstInfo } from '../../explain/format-explain.ts';
import { countChanges, describeChanges, diffOrder } from '../../explain/order-diff.ts';
import { explainOrderAt } from '../_against.ts';
import { formatMermaid } from '../../explain/format-mermaid.ts';
import type { Mesh } from '../../model/mesh.ts';

const HELP = `Usage: meshext explain [PATH...] [options]

Shows, per namespace and per workload selector, the order in which the extensions run:
grouped by phase (AUTHN, AUTHZ, STATS, UNSPECIFIED_PHASE), highest priority first, with
the source file of each, and a warning where two tie (Istio then orders them by creation
time, which GitOps does not control). Never touches the network: image defaults come from
the lock.

Options:
${INPUT_HELP}
      --format F     text (default), markdown, json or mermaid. markdown draws each chain as a
                     mermaid flowchart under its table; mermaid prints only the flowcharts,
                     one per namespace and selector, each after a "%% namespace NS, ..."
                     line and a blank line between: paste one at a time into a mermaid
                     editor or a \`\`\`mermaid block
      --against REF  also explain REF, a directory (another copy of the declarations, standing
                     in for the first PATH's directory) or a git revision of the repository the
                     first PATH is in (main, HEAD~1, a commit; read without touching the working
                     tree), and mark each extension added, removed or moved against it; a
                     summary goes to stderr. Exit 0 whether or not the order changed
      --fail-on-move with --against: exit 1 when anything was added, removed or moved
      --format html  one self-contained page (no script, no requests): each chain in lanes by
                     phase between Istio's own filters, ties and Maistra bands marked
      --all-clusters every cluster's order, one after another under a heading per cluster (and
                     revision); json: {"clusters": [{cluster, revision, namespaces}]}. A cluster
                     with two revisions is explained per revision the same way
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { ...INPUT_OPTIONS, ...ALL_CLUSTERS_OPTION, format: { type: 'string' }, against: { type: 'string' }, 'fail-on-move': { type: 'boolean' } });
  if (typeof p === 'string') return usageError(io, 'explain', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const format = (p.values.format ?? 'text') as string;
  if (format !== 'text' && format !== 'markdown' && format !== 'json' && format !== 'mermaid' && format !== 'html') return usageError(io, 'explain', `--format must be text, markdown, json, mermaid or html, not "${format}"`);
  const ref = p.values.against as string | undefined;
  if (p.values['fail-on-move'] && ref === undefined) return usageError(io, 'explain', '--fail-on-move needs --against REF');
  const req = await requestOf(p, io, 'none');
  if (typeof req === 'string') return usageError(io, 'explain', req);
  if (ref !== undefined && req.stdin) return usageError(io, 'explain', '--against compares PATHs with their copy at REF; it cannot read stdin (-)');
  const result = await render({ ...req, live: undefined });
  printDiagnostics(io, result.diagnostics, result.root);
  if (result.exitCode !== 0 || !result.mesh) return result.exitCode;
  // Each Mesh's proxies run its own resources only: a cluster with two revisions has two orders.
  const sections = result.clusters.flatMap((c) => c.meshes.map((mesh, i) => ({ cluster: c.cluster, mesh, resolved: c.resolvedByMesh[i]! })));
  if (sections.length > 1) {
    const names = sections.map((x) => sectionName(x.cluster, x.mesh)).join(', ');
    if (ref !== undefined) return usageError(io, 'explain', `--against compares one Mesh's order, and this explains ${sections.length} (${names}): give --cluster NAME of a cluster with one revision`);
    if (format === 'html') return usageError(io, 'explain', `--format html draws one Mesh's order, and this explains ${sections.length} (${names}): give --cluster NAME of a cluster with one revision`);
    io.stdout(formatSections(sections.map((x) => ({ cluster: x.cluster, revision: x.mesh.revision, order: explainOrder(x.resolved, x.mesh) })), format));
    return EXIT.ok;
  }
  let order = explainOrder(result.resolved, result.mesh);
  let against: AgainstInfo | undefined;
  if (ref !== undefined) {
    const before = await explainOrderAt(ref, req, io);
    if (typeof before === 'number') return before;
    order = diffOrder(order, before);
    against = { ref, changes: countChanges(order) };
  }
  io.stdout(format === 'html' ? formatHtml(order, result.mesh.controlPlaneNamespace) : format === 'mermaid' ? formatMermaid(order) : formatExplain(order, format, against));
  if (!against) return EXIT.ok;
  const { added, removed, moved } = against.changes;
  io.stderr(`meshext explain --against ${ref}: ${describeChanges(against.changes)}\n`);
  if (p.values['fail-on-move'] && added + removed + moved > 0) {
    io.stderr(`meshext explain: --fail-on-move: the order changed against ${ref}\n`);
    return EXIT.invalid;
  }
  return EXIT.ok;
};

function sectionName(cluster: string | undefined, mesh: Mesh): string {
  return `cluster ${cluster ?? '(unnamed)'}${mesh.revision !== undefined ? `, revision ${mesh.revision}` : ''}`;
}

/** Several Meshes' orders, each under a heading naming its cluster (and revision). */
function formatSections(sections: readonly { cluster: string | undefined; revision: string | undefined; order: ReturnType<typeof explainOrder> }[], format: 'text' | 'markdown' | 'json' | 'mermaid'): string {
  if (format === 'json') {
    const clusters = sections.map((x) => ({ cluster: x.cluster ?? null, ...(x.revision !== undefined ? { revision: x.revision } : {}), ...(JSON.parse(formatExplain(x.order, 'json')) as object) }));
    return `${JSON.stringify({ clusters }, null, 2)}\n`;
  }
  return sections
    .map((x) => {
      const name = `cluster ${x.cluster ?? '(unnamed)'}${x.revision !== undefined ? `, revision ${x.revision}` : ''}`;
      if (format === 'mermaid') return `%% ${name}\n\n${formatMermaid(x.order)}`;
      if (format === 'markdown') return `# ${name[0]!.toUpperCase()}${name.slice(1)}\n\n${formatExplain(x.order, 'markdown')}`;
      return `== ${name} ==\n${formatExplain(x.order, 'text')}`;
    })
    .join('\n');
}
