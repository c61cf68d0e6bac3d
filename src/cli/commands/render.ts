// meshext render: declarations in, Istio resources out; nothing on stdout unless all succeeded.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command, Io } from '../io.ts';
import type { Emitted } from '../../emit/emit-resources.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { ALL_CLUSTERS_OPTION, INPUT_HELP, INPUT_OPTIONS, requestOf, TIMEOUT_HELP, TIMEOUT_OPTION } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { serialize, writeAtomic, writeBeside, writeStreamBeside } from '../_output.ts';
import type { Format } from '../_output.ts';
import { render } from '../../render.ts';
import type { RenderResult } from '../../render.ts';
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
      --all-clusters render every cluster, each into DIR/<cluster>.yaml (.json with --format
                     json): needs -o DIR. One read, one image resolution, one lock for all
      --kube-api-versions LIST
                     the API versions the destination cluster serves, comma-separated
                     group/version and group/version/Kind (Argo CD's KUBE_API_VERSIONS, which
                     \`meshext argocd generate\` passes): an output kind it lacks is an error
      --diff FILE    instead of the resources, print what changed against FILE (an earlier
                     render's output), resource by resource, as unified diffs
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { ...INPUT_OPTIONS, ...ALL_CLUSTERS_OPTION, ...TIMEOUT_OPTION, format: { type: 'string' }, output: { type: 'string', short: 'o' }, diff: { type: 'string' }, 'kube-api-versions': { type: 'string' } });
  if (typeof p === 'string') return usageError(io, 'render', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const format = (p.values.format ?? 'yaml') as string;
  if (format !== 'yaml' && format !== 'json') return usageError(io, 'render', `--format must be yaml or json, not "${format}"`);
  const req = await requestOf(p, io, 'render');
  if (typeof req === 'string') return usageError(io, 'render', req);
  const apiVersions = typeof p.values['kube-api-versions'] === 'string' ? p.values['kube-api-versions'].split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined;
  if (req.allClusters) {
    if (typeof p.values.output !== 'string') return usageError(io, 'render', '--all-clusters writes one file per cluster: give the directory with -o DIR');
    if (typeof p.values.diff === 'string') return usageError(io, 'render', '--diff compares one render with a file; with --all-clusters, render into a directory and diff the directories');
    if (apiVersions) return usageError(io, 'render', '--kube-api-versions describes one cluster; give --cluster NAME with it, not --all-clusters');
  }
  const result = await render(apiVersions ? { ...req, apiVersions } : req);
  printDiagnostics(io, result.diagnostics, result.root);
  if (result.exitCode !== 0) return result.exitCode;
  if (req.allClusters) return writeClusters(io, resolve(io.cwd, p.values.output as string), result.clusters, format as Format);
  if (typeof p.values.diff === 'string') return printDiff(io, resolve(io.cwd, p.values.diff), result.resources);
  if (format === 'yaml' && typeof p.values.output !== 'string') {
    // Streamed in chunks as it is produced: a 100,000-resource render never holds its whole text,
    // nor all its resources.
    if (io.stdoutBytes) writeYamlBytes(result.stream, io.stdoutBytes);
    else writeYamlStream(result.stream, io.stdout);
    return EXIT.ok;
  }
  const text = serialize(result.resources, format as Format);
  if (typeof p.values.output !== 'string') {
    io.stdout(text);
    return EXIT.ok;
  }
  const file = resolve(io.cwd, p.values.output);
  const failed = writeAtomic(file, text);
  return failed === undefined ? EXIT.ok : usageError(io, 'render', `cannot write ${file}: ${failed}; nothing was written`);
};

/** DIR/<cluster>.yaml for every cluster, each written whole or not at all; other files in DIR are named, never removed. */
function writeClusters(io: Io, dir: string, clusters: RenderResult['clusters'], format: Format): number {
  if (clusters.some((c) => c.cluster === undefined)) {
    const file = clusters[0]!.meshes[0]?.file;
    io.stderr(`meshext render: --all-clusters writes DIR/<cluster>.${format}, and ${file !== undefined ? `the Mesh in ${file} names no cluster: add spec.cluster` : 'the repository declares no Mesh: add one with spec.cluster'} (or render it with -o FILE)\n`);
    return EXIT.invalid;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return usageError(io, 'render', `cannot create the directory ${dir}: ${(e as NodeJS.ErrnoException).code}`);
  }
  // Every file is written beside its target first, and renamed over it only once all are written:
  // a file that cannot be written (a full disk, a directory in the way) leaves DIR as it was.
  const files = clusters.map((c) => ({ c, name: `${c.cluster}.${format}` }));
  const blocked = files.find((f) => isDirectory(join(dir, f.name)));
  if (blocked) return usageError(io, 'render', `cannot write ${join(dir, blocked.name)}: it is a directory; nothing was written`);
  const temps: string[] = [];
  for (const f of files) {
    try {
      temps.push(format === 'yaml' ? writeStreamBeside(join(dir, f.name), f.c.stream) : writeBeside(join(dir, f.name), serialize(f.c.resources, format)));
    } catch (e) {
      for (const t of temps) rmSync(t, { force: true });
      return usageError(io, 'render', `cannot write ${join(dir, f.name)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; nothing was written`);
    }
  }
  for (const [i, f] of files.entries()) renameSync(temps[i]!, join(dir, f.name));
  const written = new Set(files.map((f) => f.name));
  io.stderr(`meshext: wrote ${clusters.length} cluster${clusters.length === 1 ? '' : 's'} into ${dir}: ${[...written].join(', ')}\n`);
  const stale = readdirSync(dir).filter((f) => f.endsWith(`.${format}`) && !written.has(f)).sort();
  if (stale.length > 0) io.stderr(`meshext: warning: ${dir} also holds ${stale.join(', ')}, which no cluster of this repository wrote (left as they were)\n`);
  return EXIT.ok;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

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
