// meshext explain: the order extensions run in, per namespace and selector.

import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { INPUT_HELP, INPUT_OPTIONS, requestOf } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { render } from '../../render.ts';
import { explainOrder } from '../../explain/explain-order.ts';
import { formatExplain } from '../../explain/format-explain.ts';
import { formatHtml } from '../../explain/format-html.ts';
import type { AgainstInfo } from '../../explain/format-explain.ts';
import { countChanges, describeChanges, diffOrder } from '../../explain/order-diff.ts';
import { explainOrderAt } from '../_against.ts';
import { formatMermaid } from '../../explain/format-mermaid.ts';

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
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { ...INPUT_OPTIONS, format: { type: 'string' }, against: { type: 'string' }, 'fail-on-move': { type: 'boolean' } });
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
