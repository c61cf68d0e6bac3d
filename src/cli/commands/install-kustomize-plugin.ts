// meshext install-kustomize-plugin [DIR]: puts the legacy exec plugin where kustomize looks
// for apiVersion meshext.dev/v1alpha1, kind ExtensionGenerator.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { usageError } from '../_report.ts';

const HELP = `Usage: meshext install-kustomize-plugin [DIR]

Installs meshext as kustomize's legacy exec plugin for ExtensionGenerator, at
  <DIR>/meshext.dev/v1alpha1/extensiongenerator/ExtensionGenerator
DIR defaults to $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin, else
~/.config/kustomize/plugin. Then: kubectl kustomize --enable-alpha-plugins <dir>
(or kustomize build --enable-alpha-plugins), with KUSTOMIZE_PLUGIN_HOME set if you chose DIR.
`;

export const PLUGIN_PATH = ['meshext.dev', 'v1alpha1', 'extensiongenerator', 'ExtensionGenerator'] as const;

export const run: Command = async (args, io) => {
  const p = parse(args, {});
  if (typeof p === 'string') return usageError(io, 'install-kustomize-plugin', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const home = p.positionals[0] ? resolve(io.cwd, p.positionals[0]) : io.env.KUSTOMIZE_PLUGIN_HOME ?? (io.env.XDG_CONFIG_HOME ? join(io.env.XDG_CONFIG_HOME, 'kustomize', 'plugin') : io.env.HOME ? join(io.env.HOME, '.config', 'kustomize', 'plugin') : undefined);
  if (!home) return usageError(io, 'install-kustomize-plugin', 'no plugin directory: pass DIR or set KUSTOMIZE_PLUGIN_HOME');
  const dir = join(home, ...PLUGIN_PATH.slice(0, 3));
  const file = join(dir, PLUGIN_PATH[3]);
  mkdirSync(dir, { recursive: true });
  // A wrapper, not a copy: the bundle loads its command chunks from beside itself.
  writeFileSync(file, `#!/bin/sh\n# meshext ExtensionGenerator plugin for kustomize (written by meshext install-kustomize-plugin)\nexec ${shellQuote(io.self.node)} ${shellQuote(io.self.script)} "$@"\n`);
  chmodSync(file, 0o755);
  io.stderr(`meshext: installed ${file}\n`);
  io.stdout(`${file}\n`);
  return EXIT.ok;
};

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
