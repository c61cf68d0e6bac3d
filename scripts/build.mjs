// Builds dist/ (docs/decisions.md, decision 16: one entry file, validators precompiled, nothing compiled at start-up
// that the build could compile):
//   dist/meshext.cjs          the bin: a small CommonJS entry (Node starts CommonJS ~3 ms sooner than
//                             an ES module) that runs the app script with its code cache
//   dist/meshext.app.js       the whole CLI, bundled into one script (src/cli/load-app.ts runs it)
//   dist/meshext.app.cache    V8's code cache of that script, made after it rendered warm-up repos
//   dist/_generated/          the per-kind validator scripts, each with its code cache
//   dist/meshext.undici.js    the HTTP client (undici), run with its code cache by the first request
//                             of a render (src/resolve/load-undici.ts), never by a render without one
//   dist/meshext.sigstore.js  the signature verifier (src/resolve/trust/verifier.ts and the Sigstore
//                             libraries), run with its code cache when a render first verifies an
//                             image (src/resolve/trust/load-verifier.ts), never by one without spec.trust
// Code that a command does not use is bundled but never run: esbuild wraps lazily imported modules
// and CommonJS dependencies in initialisers that run on first import.
import './on-node-24.mjs';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatorFiles } from '../src/schema/_generated/validators.js';

const DIST = 'dist';

/** A script with a first line naming its build (a hash of it), which each code cache's stamp repeats (src/model/code-cache.ts). */
const tagged = (text) => `//meshext-build ${createHash('sha256').update(text).digest('hex').slice(0, 32)}\n${text}`;
rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST);

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node24',
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS has no import.meta: the entry derives its URL from __filename, the app gets it from its loader.
  define: { 'import.meta.url': '__meshext_url' },
};

// The app: a function expression with CommonJS's parameters, plus the URL of its own file.
// Whitespace and syntax minified (a third less to read at every start); names kept for stack traces.
// undici stays out of the app script (every start would read it): load-undici.ts runs its own script.
// So does the verifier, for the same reason: load-verifier.ts runs its own script.
const VERIFIER = './src/resolve/trust/verifier.ts';
const app = await build({ ...common, entryPoints: ['src/cli/cli.ts'], write: false, minifyWhitespace: true, minifySyntax: true, external: ['undici', VERIFIER] });
const appText = tagged(`(function (exports, require, module, __filename, __dirname, __meshext_url) {${app.outputFiles[0].text}\n})`);
writeFileSync(join(DIST, 'meshext.app.js'), appText);

const undici = await build({ ...common, entryPoints: ['scripts/undici-entry.cjs'], write: false, minifyWhitespace: true, minifySyntax: true });
writeFileSync(join(DIST, 'meshext.undici.js'), tagged(`(function (exports, require, module, __filename, __dirname) {${undici.outputFiles[0].text}\n})`));

const sigstore = await build({ ...common, entryPoints: [VERIFIER], write: false, minifyWhitespace: true, minifySyntax: true });
writeFileSync(join(DIST, 'meshext.sigstore.js'), tagged(`(function (exports, require, module, __filename, __dirname) {${sigstore.outputFiles[0].text}\n})`));

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: join(DIST, 'meshext.cjs'),
  banner: { js: "const __meshext_url = require('node:url').pathToFileURL(__filename).href;" },
});
chmodSync(join(DIST, 'meshext.cjs'), 0o755);

// The per-kind validator scripts, each to get V8's code cache of its compiled validator
// (`<script>.cache`), which src/schema/load-validator.ts hands to V8 when it meets that kind: kept out
// of the app's cache, which V8 reads whole on every start, so a render pays only for its own kinds.
const GENERATED = 'src/schema/_generated';
const validatorDir = join(DIST, '_generated');
mkdirSync(validatorDir);
for (const file of Object.values(validatorFiles)) writeFileSync(join(validatorDir, file), tagged(readFileSync(join(GENERATED, file), 'utf8')));

// The code caches, made in a fresh Node process with no flags (V8 ties a cache to its flags): the
// app's after it rendered a generated repository, and each validator's.
const warm = join(DIST, '.warm-code-cache.cjs');
await build({ ...common, entryPoints: ['scripts/warm-code-cache.ts'], outfile: warm, banner: { js: "const __meshext_url = require('node:url').pathToFileURL(__filename).href;" } });
const r = spawnSync(process.execPath, [warm, DIST], { stdio: ['ignore', 'inherit', 'inherit'] });
rmSync(warm);
if (r.status !== 0) throw new Error(`build: making the code cache failed (exit ${r.status})`);
