// meshext render: declarations in, Istio resources out; nothing on stdout unless all succeeded.

import { resolve } from 'node:path';
import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { INPUT_HELP, INPUT_OPTIONS, requestOf } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { serialize, writeAtomic } from '../_output.ts';
import type { Format } from '../_output.ts';
import { render } from '../../render.ts';

const HELP = `Usage: meshext render [PATH...] [options]

Reads every *.yaml, *.yml and *.json under PATH (Extension, Mesh, Namespace, ServiceMeshExtension,
WasmExtension, WasmDeployment, WasmPlugin), resolves the images they name, and prints the Istio
resources they expand into: sorted, deterministic, and nothing at all if anything fails.

Options:
${INPUT_HELP}
      --format F     yaml (default) or json (one v1 List)
  -o, --output FILE  write to FILE (atomically) instead of stdout
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { ...INPUT_OPTIONS, format: { type: 'string' }, output: { type: 'string', short: 'o' } });
  if (typeof p === 'string') return usageError(io, 'render', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const format = (p.values.format ?? 'yaml') as string;
  if (format !== 'yaml' && format !== 'json') return usageError(io, 'render', `--format must be yaml or json, not "${format}"`);
  const result = await render(await requestOf(p, io, 'render'));
  printDiagnostics(io, result.diagnostics);
  if (result.exitCode !== 0) return result.exitCode;
  const text = serialize(result.resources, format as Format);
  if (typeof p.values.output === 'string') writeAtomic(resolve(io.cwd, p.values.output), text);
  else io.stdout(text);
  return EXIT.ok;
};
