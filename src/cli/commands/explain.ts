// meshext explain: the order extensions run in, per namespace and selector.

import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { INPUT_HELP, INPUT_OPTIONS, requestOf } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { render } from '../../render.ts';
import { explainOrder } from '../../explain/explain-order.ts';
import { formatExplain } from '../../explain/format-explain.ts';

const HELP = `Usage: meshext explain [PATH...] [options]

Shows, per namespace and per workload selector, the order in which the extensions run:
grouped by phase (AUTHN, AUTHZ, STATS, UNSPECIFIED_PHASE), highest priority first, with
the source file of each, and a warning where two tie (Istio then orders them by creation
time, which GitOps does not control). Never touches the network: image defaults come from
the lock.

Options:
${INPUT_HELP}
      --format F     text (default), markdown or json
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { ...INPUT_OPTIONS, format: { type: 'string' } });
  if (typeof p === 'string') return usageError(io, 'explain', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const format = (p.values.format ?? 'text') as string;
  if (format !== 'text' && format !== 'markdown' && format !== 'json') return usageError(io, 'explain', `--format must be text, markdown or json, not "${format}"`);
  const req = await requestOf(p, io, 'none');
  if (typeof req === 'string') return usageError(io, 'explain', req);
  const result = await render({ ...req, live: undefined });
  printDiagnostics(io, result.diagnostics, result.root);
  if (result.exitCode !== 0 || !result.mesh) return result.exitCode;
  io.stdout(formatExplain(explainOrder(result.resolved, result.mesh), format));
  return EXIT.ok;
};
