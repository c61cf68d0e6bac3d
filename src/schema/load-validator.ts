// Loads one kind's precompiled validator when it is first needed (docs/decisions.md, decision 16: nothing loaded that the
// command does not use): the script scripts/gen-validators.mjs wrote for that kind, run synchronously. Beside
// the bundle, scripts/build.mjs leaves V8's code cache of each script (`<script>.cache`), so a render
// deserializes the validator's bytecode instead of compiling it; a cache another Node made is left
// unused (model/code-cache.ts), and the script then compiles as it does under tsx, where there is none.

import { fileURLToPath } from 'node:url';
import { runCachedScript } from '../model/code-cache.ts';
import { validatorFiles } from './_generated/validators.js';
import type { KindValidator } from './_generated/validators.js';

const loaded = new Map<string, KindValidator>();

/** The validator of `apiVersion/kind` (the schema's $id), or undefined when no schema exists for it. */
export function validatorFor(id: string): KindValidator | undefined {
  if (!Object.hasOwn(validatorFiles, id)) return undefined;
  let validator = loaded.get(id);
  if (validator === undefined) {
    validator = run(fileURLToPath(new URL(`./_generated/${validatorFiles[id]!}`, here())));
    loaded.set(id, validator);
  }
  return validator;
}

/** This file under tsx; in the bundle, its chunk, beside which the build puts `_generated/`. */
function here(): string {
  // A CommonJS bundle (esbuild format 'cjs') has no import.meta.url unless the bundler defines it.
  const url: string | undefined = import.meta.url;
  if (url === undefined) throw new Error('load-validator: import.meta.url is undefined: define it (esbuild `define`) as the URL of src/schema/load-validator.ts');
  return url;
}

function run(path: string): KindValidator {
  return runCachedScript(path, `${path}.cache`).value as KindValidator;
}
