// A file the CLI cannot write (render -o FILE, the lock) is a clear error with nothing left
// behind, never an internal error (exit 70) with a temporary file beside the target.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './_cli.ts';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'native');

test('render -o FILE where FILE is a directory: exit 2 naming the file and the reason, nothing written, no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshext-write-'));
  const target = join(dir, 'out.yaml');
  mkdirSync(target);
  const r = await runCli(['render', EXAMPLE, '--offline', '--format', 'json', '-o', target]);
  assert.is(r.code, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.is(r.stderr.split('\n')[0], `meshext render: cannot write ${target}: EISDIR; nothing was written`);
  assert.equal(readdirSync(dir), ['out.yaml']);
  assert.equal(readdirSync(target), []);
});

test('lock --lock FILE in a directory that does not exist: exit 2 naming the file, the lock unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshext-write-'));
  const repo = mkdtempSync(join(tmpdir(), 'meshext-write-repo-'));
  // A file:// module is never fetched: the lock is made without a registry.
  writeFileSync(join(repo, 'ext.yaml'), 'apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: local, namespace: istio-system}\nspec: {image: "file:///opt/filters/local.wasm"}\n');
  const target = join(dir, 'missing', 'meshext.lock');
  const r = await runCli(['lock', repo, '--lock', target]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, `meshext lock: cannot write ${target}: ENOENT; the lock is unchanged`);
  assert.equal(readdirSync(dir), []);
});

test.run();
