// Runs the CLI from its script with V8's code cache (docs/decisions.md, decision 16: start-up is part of every render).
// The build writes the whole CLI as one script, dist/meshext.app.js, and beside it the code cache
// V8 made while that script rendered the examples (dist/meshext.app.cache): its functions arrive
// compiled, so a render neither parses nor compiles them (Node's own compile cache,
// `module.enableCompileCache()`, is made at run time in a directory of its own: the first render in
// each new sidecar would compile everything). A cache another Node made, or one for another build
// of the script, is not used (model/code-cache.ts); the script then compiles as any script does,
// slower and otherwise the same.

import { pathToFileURL } from 'node:url';
import { constants } from 'node:vm';
import type { Script } from 'node:vm';
import { runCommonJsScript } from '../model/code-cache.ts';
import type { cli } from './cli.ts';

export const APP_SCRIPT = 'meshext.app.js';
export const APP_CACHE = 'meshext.app.cache';

export interface App {
  readonly cli: typeof cli;
  /** The compiled script: `createCachedData()` gives the code cache the build writes. */
  readonly script: Script;
  readonly source: string;
}

/**
 * Loads the app script at `file` (an absolute path): a CommonJS-style function expression written
 * by scripts/build.mjs, with the code cache in `cacheFile` when that was made for it by this Node.
 */
export function loadApp(file: string, cacheFile?: string): App {
  // import() of a module the bundle leaves out (undici, when its built script is missing) goes to Node's own loader.
  const { exports, cached } = runCommonJsScript<{ cli: typeof cli }>(file, cacheFile, { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER }, [pathToFileURL(file).href]);
  return { cli: exports.cli, script: cached.script, source: cached.source };
}
