// `meshext validate` agrees with docker's reference grammar on every vector docker tests with
// (test/fixtures/image-reference-vectors.json, from distribution/reference).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './_cli.ts';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'image-reference-vectors.json'), 'utf8')) as { valid: string[]; invalid: string[] };

const repo = (images: readonly string[]) =>
  images.map((image, i) => `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: e${i}, namespace: istio-system}\nspec: {image: ${JSON.stringify(image)}, phase: AUTHZ}\n`).join('---\n');

test('every name docker accepts validates', async () => {
  const r = await runCli(['validate', '-'], { stdin: repo(vectors.valid) });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`valid: ${vectors.valid.length} resources from ${vectors.valid.length} declarations`));
});

test('every name docker rejects fails validation, each at its own line', async () => {
  // https://github.com/docker/docker is a valid http(s) module URL for meshext; as an OCI name (oci://) it is not.
  const images = vectors.invalid.map((n) => `oci://${n}`);
  const r = await runCli(['validate', '-'], { stdin: repo(images) });
  assert.is(r.code, 1);
  for (const [i, image] of images.entries()) {
    const line = i * 5 + 4;
    assert.ok(r.stderr.includes(`<stdin>:${line}:8: error: invalid image reference "${image}": `), `${image} at line ${line}:\n${r.stderr}`);
  }
  assert.is(r.stderr.split('\n').filter((l) => l.includes('error: invalid image')).length, images.length);
});

test.run();
