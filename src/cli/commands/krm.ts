// The KRM function (kustomize functions spec): a ResourceList in, a ResourceList out. One
// function serves as generator and transformer (docs/decisions.md, decision 14): it renders functionConfig's
// spec.paths and every declaration among the items; Namespace items feed the inventory and
// pass through; its own config item is dropped; every other item passes through unchanged.

import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command, Io } from '../io.ts';
import { EXIT } from '../io.ts';
import type { Diagnostic } from '../../model/diagnostic.ts';
import { sortDiagnostics } from '../../model/diagnostic.ts';
import { parseResourceList } from '../../load/parse-resource-list.ts';
import { documentsFromObjects } from '../../load/from-objects.ts';
import { render } from '../../render.ts';
import { toYaml } from '../../emit/to-yaml.ts';
import type { Plain } from '../../emit/to-yaml.ts';
import { LOCK_FILE } from '../../resolve/lock.ts';
import { generatorOptions, generatorRequest, isGeneratorConfig } from '../_generator-config.ts';
import type { GeneratorOptions } from '../_generator-config.ts';
import { timeoutOf } from '../_timeout.ts';
import { nowMs } from '../../model/clock.ts';
import { checkKustomizeNamespace } from '../_kustomize-namespace.ts';
import { isPseudoFile } from '../../model/where.ts';

type Obj = Readonly<Record<string, unknown>>;

export const run: Command = async (_args, io) => {
  const start = nowMs();
  const input = (await io.stdin()).toString('utf8');
  if (input.trim() === '') {
    io.stderr('meshext: stdin is empty. With no arguments meshext runs as a KRM function and reads a ResourceList from stdin; run `meshext --help` for the commands.\n');
    return EXIT.usage;
  }
  const early: Diagnostic[] = [];
  const list = await parseResourceList(input, (d) => early.push(d));
  if (!list) return writeResults(io, early);
  const config = list.functionConfig;
  // No functionConfig: a plain transformer over the items.
  const options = config && Object.keys(config).length > 0 ? generatorOptions(config, io.cwd, io.env, 'functionConfig', (d) => early.push(d)) : plainTransformer(io.env, (d) => early.push(d));
  if (!options) return writeResults(io, early);

  // Our own config comes back from kustomize as a local-config item: it is not a resource.
  const mine = list.items.filter((item) => !isGeneratorConfig(item));
  const documents = documentsFromObjects(mine);
  const lockPath = options.lockPath ?? (options.paths.length === 0 && existsSync(join(io.cwd, LOCK_FILE)) ? join(io.cwd, LOCK_FILE) : undefined);
  const result = await render({ ...generatorRequest(options, io, start), documents, lockPath, allowEmpty: true });
  const diagnostics = [...early, ...result.diagnostics];
  if (result.exitCode !== 0) return writeResults(io, diagnostics, result.exitCode);
  // As a generator (kustomize sends only the config as an item), the output meets the namespace:
  // of the kustomization that lists it, in whose directory kustomize runs the function.
  const generating = list.items.length > 0 && mine.length === 0;
  const conflict = generating ? await checkKustomizeNamespace(io.cwd, result.resources, result.mesh!.controlPlaneNamespace) : undefined;
  if (conflict) return writeResults(io, [...diagnostics, conflict]);
  // Declarations are replaced by what they render; Namespaces and foreign kinds pass through.
  const consumed = new Set<Obj>([...(result.classified?.declarations ?? []), ...(result.classified?.meshes ?? []), ...(result.classified?.configs ?? [])].map((d) => d.value));
  const items = [...mine.filter((m) => !consumed.has(m)), ...(result.resources as Obj[])];
  io.stdout(toYaml({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: items as Plain[], ...(diagnostics.length > 0 ? { results: resultsOf(diagnostics) } : {}) }));
  return EXIT.ok;
};

/** Options with no functionConfig: no paths, the deadline from MESHEXT_TIMEOUT or the default. */
function plainTransformer(env: Io['env'], report: (d: Diagnostic) => void): GeneratorOptions | undefined {
  const timeout = timeoutOf([[env.MESHEXT_TIMEOUT, 'MESHEXT_TIMEOUT']]);
  if (typeof timeout !== 'string') return { paths: [], offline: false, locked: false, timeout };
  report({ code: 'SCHEMA', severity: 'error', message: timeout });
  return undefined;
}

/** On failure: results only, no items (nothing partial reaches kustomize), and a non-zero exit. */
function writeResults(io: Io, diagnostics: readonly Diagnostic[], code: number = EXIT.invalid): number {
  const sorted = sortDiagnostics(diagnostics);
  io.stdout(toYaml({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], results: resultsOf(sorted) }));
  for (const d of sorted) if (d.severity === 'error') io.stderr(`meshext: ${d.file ? `${d.file}: ` : ''}${d.message}${d.field ? ` (field ${d.field})` : ''}\n`);
  return code;
}

function resultsOf(ds: readonly Diagnostic[]): Plain[] {
  return sortDiagnostics(ds).map((d) => {
    const r: Record<string, Plain> = { message: d.line ? `${d.message} (line ${d.line})` : d.message, severity: d.severity };
    if (d.resource) r.resourceRef = { ...d.resource };
    if (d.field && d.resource) r.field = { path: d.field };
    if (d.file && !isPseudoFile(d.file)) r.file = { path: d.file };
    return r;
  });
}
