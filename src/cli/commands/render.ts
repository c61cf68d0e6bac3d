// meshext render: declarations in, Istio resources out; nothing on stdout unless all succeeded.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Io } from '../io.ts';
import type { Emitted } from '../../emit/emit-resources.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { INPUT_HELP, INPUT_OPTIONS, requestOf, TIMEOUT_HELP, TIMEOUT_OPTION } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { serialize, writeAtomic } from '../_output.ts';
import type { Format } from '../_output.ts';
import { render } from '../../render.ts';
import { writeYamlBytes, writeYamlStream } from '../../emit/to-yaml.ts';

const HELP = `Usage: meshext render [PATH...] [options]

Reads every *.yaml, *.yml and *.json under PATH (Extension, Mesh, Namespace, ServiceMeshExtension,
WasmExtension, WasmDeployment, WasmDeploymentPolicy, WasmPlugin, TrafficExtension), resolves the
images they name, and prints the Istio resources they expand into: sorted, deterministic, and
nothing at all if anything fails.

Options:
${INPUT_HELP}
${TIMEOUT_HELP}
      --format F     yaml (default) or json (one v1 List)
  -o, --output FILE  write to FILE (atomically) instead of stdout
      --diff FILE    instead of the resources, print what changed against FILE (an earlier
                     render's output), resource by resource, as unified diffs
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { ...INPUT_OPTIONS, ...TIMEOUT_OPTION, format: { type: 'string' }, output: { type: 'string', short: 'o' }, diff: { type: 'string' } });
  if (typeof p === 'string') return usageError(io, 'render', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const format = (p.values.format ?? 'yaml') as string;
  if (format !== 'yaml' && format !== 'json') return usageError(io, 'render', `--format must be yaml or json, not "${format}"`);
  const req = await requestOf(p, io, 'render');
  if (typeof req === 'string') return usageError(io, 'render', req);
  const result = await render(req);
  printDiagnostics(io, result.diagnostics, result.root);
  if (result.exitCode !== 0) return result.exitCode;
  if (typeof p.values.diff === 'string') return printDiff(io, resolve(io.cwd, p.values.diff), result.resources);
  if (format === 'yaml' && typeof p.values.output !== 'string') {
    // Streamed in chunks as it is produced: a 100,000-resource render never holds its whole text,
    // nor all its resources.
    if (io.stdoutBytes) writeYamlBytes(result.stream, io.stdoutBytes);
    else writeYamlStream(result.stream, io.stdout);
    return EXIT.ok;
  }
  const text = serialize(result.resources, format as Format);
  if (typeof p.values.output === 'string') writeAtomic(resolve(io.cwd, p.values.output), text);
  else io.stdout(text);
  return EXIT.ok;
};

async function printDiff(io: Io, file: string, resources: readonly Emitted[]): Promise<number> {
  const { diffResources, parsePreviousOutput } = await import('../../diff/diff-resources.ts');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return usageError(io, 'render', `cannot read --diff ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const before = parsePreviousOutput(text);
  if (typeof before === 'string') return usageError(io, 'render', `--diff ${file} is not a rendered stream: ${before}`);
  const d = diffResources(before, resources);
  io.stdout(d.text);
  io.stderr(`meshext: ${d.added} added, ${d.removed} removed, ${d.changed} changed against ${file}\n`);
  return EXIT.ok;
}
