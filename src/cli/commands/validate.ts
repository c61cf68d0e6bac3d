// meshext validate: every schema and render rule, images unresolved, no network.

import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { ALL_CLUSTERS_OPTION, INPUT_HELP, INPUT_OPTIONS, requestOf } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { render } from '../../render.ts';

const HELP = `Usage: meshext validate [PATH...] [options]

Checks every declaration against its schema and every render rule, without touching the
network: images are taken from the lock when it has them and are otherwise left unresolved.
Prints nothing on stdout; exit 0 when valid, 1 when not.

Options:
${INPUT_HELP}
      --all-clusters check every cluster's render
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { ...INPUT_OPTIONS, ...ALL_CLUSTERS_OPTION });
  if (typeof p === 'string') return usageError(io, 'validate', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const req = await requestOf(p, io, 'none');
  if (typeof req === 'string') return usageError(io, 'validate', req);
  const result = await render({ ...req, live: undefined });
  printDiagnostics(io, result.diagnostics, result.root);
  // Each cluster translates the declarations anew: count them by where they are written.
  const declarations = new Set(result.resolved.map((r) => `${r.origin.file}:${r.origin.line}:${r.origin.col}`)).size;
  const clusters = result.clusters.length > 1 ? ` in ${result.clusters.length} clusters` : '';
  if (result.exitCode === 0) io.stderr(`meshext: valid: ${result.resolved.length} resource${result.resolved.length === 1 ? '' : 's'} from ${declarations} declaration${declarations === 1 ? '' : 's'}${clusters}\n`);
  return result.exitCode;
};
