// The command table (name → lazy import): each command is loaded only when it runs, so `render`
// never loads the OCI client or `convert-image`.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Io } from './io.ts';
import { EXIT } from './io.ts';
import { VERSION } from './version.ts';

const COMMANDS: Record<string, { readonly summary: string; readonly load: () => Promise<Command> }> = {
  render: { summary: 'print the Istio resources the declarations expand into', load: async () => (await import('./commands/render.ts')).run },
  lock: { summary: 'resolve every image and write meshext.lock', load: async () => (await import('./commands/lock.ts')).run },
  validate: { summary: 'check schemas and render rules without touching the network', load: async () => (await import('./commands/validate.ts')).run },
  schema: { summary: 'print the JSON Schemas of the meshext kinds (for editors)', load: async () => (await import('./commands/schema.ts')).run },
  verify: { summary: 'check every image against the Mesh\'s trust policies and say why', load: async () => (await import('./commands/verify.ts')).run },
  explain: { summary: 'show, per namespace and selector, the order the extensions run in', load: async () => (await import('./commands/explain.ts')).run },
  'install-kustomize-plugin': { summary: 'install meshext as kustomize\'s ExtensionGenerator exec plugin', load: async () => (await import('./commands/install-kustomize-plugin.ts')).run },
  argocd: { summary: 'the generate command of the Argo CD plugin (plugin.yaml)', load: async () => (await import('./commands/argocd.ts')).run },
  'convert-image': { summary: 'repackage a Maistra image as a Wasm OCI artifact Istio loads', load: async () => (await import('./commands/convert-image.ts')).run },
};

export const USAGE = `meshext ${VERSION}: service-mesh Wasm extensions, declared once, rendered for Istio

Usage: meshext <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(15)} ${c.summary}`)
  .join('\n')}

Run \`meshext <command> --help\` for a command's options.

kustomize: with no arguments and a ResourceList on stdin, meshext runs as a KRM function;
with one argument naming a file (an ExtensionGenerator config), as a legacy exec plugin.
Exit codes: 0 rendered, 1 invalid input, 2 bad usage, 3 image resolution or verification failed.
`;

export async function cli(io: Io): Promise<number> {
  const [name, ...args] = io.argv;
  if (name === undefined) {
    if (!io.stdinIsTTY) return (await import('./commands/krm.ts')).run([], io);
    io.stderr(USAGE);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command && args.length === 0 && !name.startsWith('-') && isFile(resolve(io.cwd, name))) {
    return (await import('./commands/kustomize-plugin.ts')).run([resolve(io.cwd, name)], io);
  }
  if (!command) {
    io.stderr(`meshext: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  return (await command.load())(args, io);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
