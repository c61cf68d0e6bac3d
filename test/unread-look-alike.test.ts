// Documents that look like declarations but that meshext does not read get a warning that says what
// they are and what meshext reads instead; documents of unrelated kinds pass in silence.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { LoadedDocument } from '../src/load/parse-documents.ts';
import type { Diagnostic } from '../src/model/diagnostic.ts';
import { classifyDocuments } from '../src/translate/index.ts';

function classify(yaml: string) {
  const doc: LoadedDocument = { file: 'x.yaml', index: 0, value: parse(yaml), locate: () => [1, 1] };
  const diagnostics: Diagnostic[] = [];
  const c = classifyDocuments([doc], (d) => diagnostics.push(d));
  return { c, diagnostics, doc };
}

/** Each case: a document, then the words its one warning must hold (all of them). */
const warned: [string, string, string[]][] = [
  [
    'Higress WasmPlugin',
    'apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: request-block, namespace: higress-system}\nspec: {url: "oci://r/request-block:2.0.0", defaultConfig: {block_urls: [swagger.html]}}',
    ["Higress's", 'meshext reads WasmPlugin in extensions.istio.io/v1alpha1'],
  ],
  [
    'wasmxds WasmExtension',
    'apiVersion: wasmxds.tetrate.io/v1alpha1\nkind: WasmExtension\nmetadata: {name: sample-filter, namespace: default}\nspec: {runtime: v8, vm_id: a, root_id: b}',
    ['Tetrate Labs', 'not Tetrate Service Bridge', 'extension.tsb.tetrate.io/v2'],
  ],
  [
    'misspelt Gloo group',
    'apiVersion: networking.enterprise.mesh.glo.solo.io/v1beta1\nkind: WasmDeployment\nmetadata: {name: a, namespace: gloo-mesh}\nspec: {}',
    ['did you mean apiVersion networking.enterprise.mesh.gloo.solo.io/v1beta1?'],
  ],
  [
    'misspelt Gloo group, unknown version',
    'apiVersion: networking.enterprise.mesh.gloo.solo.i/v2\nkind: WasmDeployment\nmetadata: {name: a, namespace: gloo-mesh}\nspec: {}',
    ['did you mean apiVersion networking.enterprise.mesh.gloo.solo.io/v1alpha1?', 'v1alpha1, networking.enterprise.mesh.gloo.solo.io/v1beta1'],
  ],
  [
    'misspelt Gloo 2 group',
    'apiVersion: extension.policy.gloo.solo.io/v2\nkind: WasmDeploymentPolicy\nmetadata: {name: a, namespace: gloo-mesh}\nspec: {}',
    ['did you mean apiVersion extensions.policy.gloo.solo.io/v2?'],
  ],
  [
    'Gloo Mesh open-source group',
    'apiVersion: networking.mesh.gloo.solo.io/v1\nkind: WasmDeployment\nmetadata: {name: a, namespace: gloo-mesh}\nspec: {}',
    ['is not read: meshext reads WasmDeployment in networking.enterprise.mesh.gloo.solo.io/v1alpha1'],
  ],
  [
    'WasmPlugin without a group',
    'apiVersion: v1alpha1\nkind: WasmPlugin\nmetadata: {name: a, namespace: b}\nspec: {}',
    ['meshext reads WasmPlugin in extensions.istio.io/v1alpha1'],
  ],
  ['a near miss of meshext.dev', 'apiVersion: meshext.io/v1alpha1\nkind: Extension\nmetadata: {name: a, namespace: b}\nspec: {}', ['did you mean apiVersion meshext.dev/v1alpha1?']],
  ['a misspelt kind in a group meshext reads', 'apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugins\nmetadata: {name: a, namespace: b}\nspec: {}', ['not a kind meshext reads: did you mean WasmPlugin?']],
  [
    'wasme FilterDeployment',
    'apiVersion: wasme.io/v1\nkind: FilterDeployment\nmetadata: {name: myfilter, namespace: bookinfo}\nspec: {deployment: {istio: {kind: Deployment}}, filter: {image: "webassemblyhub.io/sodman/assemblyscript-example:v0.4"}}',
    ["is wasme's", 'no longer maintained', 'Extension (meshext.dev/v1alpha1)', 'WasmPlugin', 'rootID becomes pluginName'],
  ],
  [
    'EnvoyFilter with an inline Wasm HTTP filter',
    `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: a, namespace: b}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.wasm
        typed_config:
          '@type': type.googleapis.com/udpa.type.v1.TypedStruct
          type_url: type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
          value: {config: {vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /x.wasm}}}}}`,
    ['loads a Wasm module', 'meshext does not read EnvoyFilters', 'leaves this one as it is', 'Extension (meshext.dev/v1alpha1)', 'WasmPlugin'],
  ],
  [
    'EnvoyFilter with only a vm_config',
    'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: a, namespace: b}\nspec: {configPatches: [{applyTo: EXTENSION_CONFIG, patch: {value: {typed_config: {config: {vm_config: {vm_id: x}}}}}}]}',
    ['meshext does not read EnvoyFilters'],
  ],
];

for (const [name, yaml, words] of warned) {
  test(`${name}: one warning, not an error, and the document counts as unread`, () => {
    const { c, diagnostics, doc } = classify(yaml);
    assert.is(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [d] = diagnostics;
    assert.is(d!.severity, 'warning');
    assert.is(d!.code, 'NOT_READ');
    assert.is(d!.file, 'x.yaml');
    for (const w of words) assert.ok(d!.message.includes(w), `"${d!.message}" lacks "${w}"`);
    assert.equal(c.unread, [doc]);
    assert.equal(c.others, [doc], 'passed through untouched');
    assert.equal(c.declarations, []);
  });
}

const silent: [string, string][] = [
  ['a Deployment', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}'],
  ["Kuma's Mesh", 'apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: default}'],
  ["Gardener's Extension", 'apiVersion: extensions.gardener.cloud/v1alpha1\nkind: Extension\nmetadata: {name: a, namespace: b}\nspec: {type: x}'],
  ['a Maistra control plane', 'apiVersion: maistra.io/v2\nkind: ServiceMeshControlPlane\nmetadata: {name: basic, namespace: istio-system}'],
  ['an EnvoyFilter without Wasm', 'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: a, namespace: b}\nspec: {configPatches: [{applyTo: HTTP_FILTER, patch: {value: {name: envoy.filters.http.lua}}}]}'],
  ['an EnvoyFilter with no spec', 'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: a, namespace: b}'],
  [
    "meshext's own EnvoyFilter output",
    'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: a, namespace: b, labels: {app.kubernetes.io/managed-by: meshext}, annotations: {meshext.dev/image: "r/x:1"}}\nspec: {configPatches: [{patch: {value: {name: envoy.filters.http.wasm}}}]}',
  ],
  ['a kind named like a prototype member', 'apiVersion: extensions.istio.io/v1alpha1\nkind: constructor\nmetadata: {name: a}'],
];
for (const [name, yaml] of silent) {
  test(`${name}: passed over in silence`, () => {
    const { c, diagnostics } = classify(yaml);
    assert.equal(diagnostics, []);
    assert.equal(c.unread, []);
  });
}

test('an unknown version of a group meshext reads stays an error', () => {
  const { diagnostics, c } = classify('apiVersion: extensions.istio.io/v1beta1\nkind: WasmPlugin\nmetadata: {name: a, namespace: b}\nspec: {}');
  assert.equal(diagnostics.map((d) => [d.severity, d.code]), [['error', 'UNKNOWN_VERSION']]);
  assert.equal(c.unread, []);
});

test('an unknown kind in meshext.dev stays an error', () => {
  const { diagnostics } = classify('apiVersion: meshext.dev/v1alpha1\nkind: Extensions\nmetadata: {name: a}');
  assert.equal(diagnostics.map((d) => [d.severity, d.code]), [['error', 'UNKNOWN_KIND']]);
});

test.run();
