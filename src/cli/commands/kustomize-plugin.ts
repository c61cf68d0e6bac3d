// The legacy kustomize exec plugin (kustomize api/internal/plugins/execplugin/execplugin.go): kustomize runs the
// installed executable with one argument, a file holding the ExtensionGenerator config, in the
// kustomization directory; the plugin prints the rendered YAML stream on stdout.

import { readFileSync } from 'node:fs';
import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { loadBytes } from '../../load/read-input.ts';
import type { Diagnostic } from '../../model/diagnostic.ts';
import { sortDiagnostics } from '../../model/diagnostic.ts';
import { render } from '../../render.ts';
import { toYamlStream } from '../../emit/to-yaml.ts';
import { generatorOptions, generatorRequest } from '../_generator-config.ts';
import { nowMs } from '../../model/clock.ts';
import { printDiagnostics } from '../_report.ts';
import { checkKustomizeNamespace } from '../_kustomize-namespace.ts';

export const run: Command = async (args, io) => {
  const start = nowMs();
  const configFile = args[0]!;
  const diagnostics: Diagnostic[] = [];
  let bytes: Buffer;
  try {
    bytes = readFileSync(configFile);
  } catch (e) {
    io.stderr(`meshext: cannot read the plugin config ${configFile}: ${(e as NodeJS.ErrnoException).code}\n`);
    return EXIT.usage;
  }
  const docs = await loadBytes(bytes, 'ExtensionGenerator config', (d) => diagnostics.push(d));
  // kustomize runs the plugin in the directory of the kustomization that lists it.
  const configRoot = io.env.KUSTOMIZE_PLUGIN_CONFIG_ROOT ?? io.cwd;
  const options = docs.length === 1 ? generatorOptions(docs[0]!.value, configRoot, io.env, 'ExtensionGenerator config', (d) => diagnostics.push(d)) : undefined;
  if (!options) {
    if (docs.length !== 1) diagnostics.push({ code: 'SCHEMA', severity: 'error', message: 'the plugin config must be one ExtensionGenerator document', file: configFile });
    printDiagnostics(io, diagnostics);
    return EXIT.invalid;
  }
  if (options.paths.length === 0) {
    printDiagnostics(io, [{ code: 'SCHEMA', severity: 'error', message: 'spec.paths is empty: the generator has nothing to render', file: 'ExtensionGenerator config', field: 'spec.paths' }]);
    return EXIT.invalid;
  }
  const result = await render({ ...generatorRequest(options, io, start), lockPath: options.lockPath, allowEmpty: false });
  const conflict = result.exitCode === 0 ? await checkKustomizeNamespace(configRoot, result.resources, result.mesh!.controlPlaneNamespace) : undefined;
  printDiagnostics(io, conflict ? sortDiagnostics([...result.diagnostics, conflict]) : result.diagnostics, result.root);
  if (result.exitCode !== 0) return result.exitCode;
  if (conflict) return EXIT.invalid;
  io.stdout(toYamlStream(result.resources));
  return EXIT.ok;
};
