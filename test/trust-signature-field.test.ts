// An Extension's spec.signature without a trust policy to check it against: rendered, with a
// warning at the field, since a bundle location nobody verifies is most likely a forgotten policy.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './_cli.ts';

test('spec.signature without spec.trust: the module renders unverified, with a warning pointing at the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshext-signature-field-'));
  cpSync(join(import.meta.dirname, '..', 'examples', 'istio', 'meshext.lock'), join(dir, 'meshext.lock'));
  writeFileSync(
    join(dir, 'ext.yaml'),
    `apiVersion: meshext.dev/v1alpha1
kind: Extension
metadata: {name: basic-auth, namespace: istio-system}
spec:
  image: https://artifacts.example.com/wasm/basic-auth-1.0.wasm
  signature: https://artifacts.example.com/wasm/basic-auth-1.0.bundle.json
`,
  );
  const r = await runCli(['render', dir, '--offline']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, /verified-by/);
  assert.match(r.stdout, /sha256: "4bb942d915a819f2d28379dd3b2d50a40520192e1945d705465bec7b0d2090b8"/);
  assert.is(
    r.stderr.split('\n')[0],
    "ext.yaml:6:3: warning: signature is read only to verify the module against the Mesh's spec.trust, which this Mesh does not declare: https://artifacts.example.com/wasm/basic-auth-1.0.wasm renders unverified (field spec.signature)",
  );
});

test.run();
