// Runs the CLI from its script with V8's code cache (design §6.16: start-up is part of every render).
// The build writes the whole CLI as one script, dist/meshext.app.js, and beside it the code cache
// V8 made while that script rendered the examples (dist/meshext.app.cache): its functions arrive
// compiled, so a render neither parses nor compiles them (Node 20 keeps no compile cache of its own
// for ES modules). V8 refuses a cache that another Node version or other V8 flags made; the script
// then compiles as any script does, slower and otherwise the same.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script, constants } from 'node:vm';
import type { cli } from './cli.ts';

export const APP_SCRIPT = 'meshext.app.js';
export const APP_CACHE = 'meshext.app.cache';

export interface App {
  readonly cli: typeof cli;
  /** The compiled script: `createCachedData()` gives the code cache the build writes. */
  readonly script: Script;
}

/**
 * Loads the app script at `file` (an absolute path). The script is a CommonJS-style function
 * expression written by scripts/build.mjs; `cache` is the code cache for it, if any.
 */
export function loadApp(file: string, cache?: Buffer): App {
  // import() of a module the bundle leaves out (none today) goes to Node's own loader, not to an error.
  const script = new Script(readFileSync(file, 'utf8'), { filename: file, cachedData: cache, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const module = { exports: {} as { cli: typeof cli } };
  const run = script.runInThisContext() as (exports: object, require: NodeRequire, module: object, filename: string, dirname: string, url: string) => void;
  run(module.exports, createRequire(file), module, file, dirname(file), pathToFileURL(file).href);
  return { cli: module.exports.cli, script };
}

/** The code cache beside the app script, or undefined (a build without one, or unreadable: only time is lost). */
export function readAppCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
