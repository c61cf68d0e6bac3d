// Bundles the CLI into dist/meshext.mjs (design §6.16: one entry file, nothing loaded that a
// command does not use). Commands imported with `await import()` become separate chunks.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { validatorFiles } from '../src/schema/_generated/validators.js';

rmSync('dist', { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: { meshext: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
chmodSync('dist/meshext.mjs', 0o755);

// The per-kind validator scripts go to `_generated/` beside the chunk holding src/schema/load-validator.ts,
// each with V8's code cache of its compiled validator (`<script>.cache`), which that loader hands to V8.
const GENERATED = 'src/schema/_generated';
const chunk = Object.entries(metafile.outputs).find(([, o]) => 'src/schema/load-validator.ts' in o.inputs)?.[0];
if (!chunk) throw new Error('build: src/schema/load-validator.ts is in no output');
const validatorDir = join(dirname(chunk), '_generated');
mkdirSync(validatorDir);
for (const file of Object.values(validatorFiles)) {
  copyFileSync(join(GENERATED, file), join(validatorDir, file));
  const script = new Script(readFileSync(join(GENERATED, file), 'utf8'));
  script.runInThisContext().validate({}); // compiles the validator, so the cache holds its bytecode
  writeFileSync(join(validatorDir, `${file}.cache`), script.createCachedData());
}
