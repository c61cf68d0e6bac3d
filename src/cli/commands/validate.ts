// meshext validate: every schema and render rule, images unresolved, no network.

import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { INPUT_HELP, INPUT_OPTIONS, requestOf } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { render } from '../../render.ts';

const HELP = `Usage: meshext validate [PATH...] [options]

Checks every declaration against its schema and every render rule, without touching the
network: images are taken from the lock when it has them and are otherwise left unresolved.
Prints nothing on stdout; exit 0 when valid, 1 when not.

Options:
${INPUT_HELP}
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, INPUT_OPTIONS);
  if (typeof p === 'string') return usageError(io, 'validate', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const req = await requestOf(p, io, 'none');
  if (typeof req === 'string') return usageError(io, 'validate', req);
  const result = await render({ ...req, live: undefined });
  printDiagnostics(io, result.diagnostics, result.root);
  const declarations = new Set(result.resolved.map((r) => r.origin)).size;
  if (result.exitCode === 0) io.stderr(`meshext: valid: ${result.resolved.length} resource${result.resolved.length === 1 ? '' : 's'} from ${declarations} declaration${declarations === 1 ? '' : 's'}\n`);
  return result.exitCode;
};
