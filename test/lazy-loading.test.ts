// docs/decisions.md, decision 16: nothing run that the command does not use. A render of plain declarations never
// loads fast-glob (only a PATH that is a glob pattern does) nor the yaml library (only a file the
// fast parser declines does), nor the Sigstore libraries (only verifying an image does). Checked
// in-process, where they load as CommonJS modules into require.cache; the bundle keeps them behind
// the same import() calls, or in scripts of their own (scripts/build.mjs). This file imports none
// of them before its last test, so the cache shows what the CLI loaded.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './_cli.ts';

const require = createRequire(import.meta.url);
const loaded = (pkg: string): boolean => Object.keys(require.cache).some((id) => id.includes(`/node_modules/${pkg}/`));

const dir = mkdtempSync(join(tmpdir(), 'meshext-lazy-'));
cpSync('examples/native', join(dir, 'repo'), { recursive: true });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('a render of named paths in plain YAML loads neither fast-glob nor the yaml library', async () => {
  assert.not.ok(loaded('fast-glob') || loaded('yaml'), 'loaded before the render');
  const r = await runCli(['render', 'repo', '--offline'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('kind: WasmPlugin'));
  assert.not.ok(loaded('fast-glob'), 'fast-glob was loaded');
  assert.not.ok(loaded('yaml'), 'the yaml library was loaded');
  // The HTTP client is loaded by a render's first request only; an offline render makes none.
  assert.not.ok(loaded('undici'), 'undici was loaded');
  // The signature verifier is loaded when an image is verified only; this Mesh has no spec.trust.
  assert.not.ok(loaded('@sigstore/verify') || loaded('@sigstore/core'), 'the Sigstore libraries were loaded');
});

test('a glob pattern loads fast-glob; YAML the fast parser declines loads the yaml library', async () => {
  const r = await runCli(['render', 'rep?', '--offline', '--lock', 'repo/meshext.lock'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.ok(loaded('fast-glob'));
  assert.not.ok(loaded('yaml'));
  writeFileSync(join(dir, 'repo', 'anchored.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: &n anchored\n  labels: {copy: *n}\n');
  const again = await runCli(['render', 'repo', '--offline'], { cwd: dir });
  assert.is(again.code, 0, again.stderr);
  assert.ok(loaded('yaml'));
});

test('loadVerifier loads the Sigstore libraries (what the render above did not)', async () => {
  const { loadVerifier } = await import('../src/resolve/trust/load-verifier.ts');
  await loadVerifier();
  assert.ok(loaded('@sigstore/verify') && loaded('@sigstore/core') && loaded('@sigstore/bundle'));
});

test.run();
