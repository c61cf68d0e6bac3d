// Unknown fields come with the likely fix: the drifts of published examples, and near spellings of the
// fields the schema allows at that place; nothing when no allowed field is close.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { closestName, editDistance } from '../src/model/closest-name.ts';
import { validatorFiles } from '../src/schema/_generated/validators.js';
import { validatorFor } from '../src/schema/load-validator.ts';
import { suggestField } from '../src/schema/suggest-field.ts';
import type { AllowedFields } from '../src/schema/suggest-field.ts';
import { validateDocument } from '../src/schema/validate-document.ts';

/** The fields allowed at a place; a name written `x[]` takes only a list. */
const at = (...names: string[]): AllowedFields => Object.fromEntries(names.map((n) => (n.endsWith('[]') ? [n.slice(0, -2), 1] : [n, 0])));

const messages = (yaml: string) => {
  const doc = parse(yaml);
  return validateDocument(doc.apiVersion, doc.kind, doc).errors.map((e) => `${e.path.join('.')}: ${e.message}`);
};

// ---- the pieces ----

test('editDistance counts inserts, deletes, replacements and swaps', () => {
  assert.is(editDistance('config', 'config'), 0);
  assert.is(editDistance('confg', 'config'), 1);
  assert.is(editDistance('prioirty', 'priority'), 1);
  assert.is(editDistance('phse', 'phase'), 1);
  assert.is(editDistance('abc', 'xyz'), 3);
  assert.is(editDistance('a', 'abcdef', 2), 2, 'stops at the limit');
});

test('closestName: case-insensitive, at most a third of the name off, ties to the first', () => {
  assert.is(closestName('PLUGINNAME', ['phase', 'pluginName']), 'pluginName');
  assert.is(closestName('uri', ['url', 'image']), 'url');
  assert.is(closestName('id', ['ip']), undefined, 'a two-letter name must match exactly');
  assert.is(closestName('sha', ['sha256']), undefined);
  assert.is(closestName('banana', ['phase', 'priority', 'config']), undefined);
  assert.is(closestName('matchLabel', ['matchLabels', 'matchLabelz']), 'matchLabels');
});

const drifts: [string, unknown, AllowedFields, string][] = [
  ['pullPolicy', 'Always', at('url', 'imagePullPolicy'), 'imagePullPolicy'],
  ['pullSecret', 's', at('url', 'imagePullSecret'), 'imagePullSecret'],
  ['image_pull_policy', 'Always', at('url', 'imagePullPolicy'), 'imagePullPolicy'],
  ['vm-config', {}, at('vmConfig'), 'vmConfig'],
  ['labels', {}, at('matchLabels', 'matchExpressions[]'), 'matchLabels'],
  ['matchLabels', {}, at('labels'), 'labels'],
  ['targetRef', [{ kind: 'Gateway', name: 'g' }], at('selector', 'targetRefs[]'), 'targetRefs'],
  ['root_id', 'r', at('url', 'pluginName'), 'pluginName'],
  ['root_id', 'r', at('rootId', 'vmId'), 'rootId'],
  ['config', {}, at('url', 'pluginConfig'), 'pluginConfig'],
  ['pluginConfig', {}, at('image', 'config'), 'config'],
  ['url', 'oci://x', at('image', 'config'), 'image'],
  ['image', 'oci://x', at('url', 'pluginConfig'), 'url'],
  ['namespace', 'istio-system', at('controlPlaneNamespace', 'namespaces[]'), 'controlPlaneNamespace'],
  ['namespace', ['payments'], at('controlPlaneNamespace', 'namespaces[]'), 'namespaces'],
];
for (const [name, value, allowed, meant] of drifts) {
  test(`drift ${name} ${JSON.stringify(value)} → ${meant}`, () => assert.is(suggestField(name, value, allowed), `; did you mean "${meant}"?`));
}

test('one value where a list is wanted: the suggestion says so', () => {
  assert.is(suggestField('targetRef', { kind: 'Gateway', name: 'g' }, at('targetRefs[]')), '; did you mean "targetRefs", a list with this object as its one item?');
  assert.is(suggestField('namespace', 'payments', at('namespaces[]', 'tenants[]')), '; did you mean "namespaces", a list with this value as its one item?');
});

test('a drift is suggested only where its field exists', () => {
  assert.is(suggestField('pullPolicy', 'Always', at('url', 'phase')), '');
  assert.is(suggestField('labels', {}, at('namespaces[]', 'tenants[]')), '');
  assert.is(suggestField('targetRef', {}, at('selector', 'match[]')), '');
  assert.is(suggestField('constructor', 1, at('url')), '', 'names of Object.prototype are no drift');
});

// ---- driven by the schemas: every kind, every closed object ----

const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

for (const id of Object.keys(validatorFiles)) {
  test(`${id}: every field of every closed object is found from a snake_case, upper-case or misspelt name`, () => {
    const places = validatorFor(id)!.fieldNames();
    assert.ok(Object.keys(places).length > 0, 'the schema has closed objects');
    for (const [place, allowed] of Object.entries(places)) {
      const names = Object.keys(allowed);
      for (const f of names) {
        const others = names.filter((o) => o !== f);
        const value = allowed[f] === 1 ? [] : 'x';
        const want = `; did you mean "${f}"?`;
        if (/[A-Z]/.test(f)) assert.is(suggestField(snake(f), value, allowed), want, `${place}: ${snake(f)}`);
        if (!others.some((o) => o.toLowerCase() === f.toLowerCase())) assert.is(suggestField(f.toUpperCase(), value, allowed), want, `${place}: ${f.toUpperCase()}`);
        // One letter dropped from a long name, when no other field at that place is as close.
        const typo = f.slice(0, 3) + f.slice(4);
        if (f.length >= 8 && !others.some((o) => editDistance(typo.toLowerCase(), o.toLowerCase()) <= 1)) assert.is(suggestField(typo, value, allowed), want, `${place}: ${typo}`);
      }
      assert.is(suggestField('zqxjkvwqz', 'x', allowed), '', `${place}: nothing close`);
    }
  });
}

// ---- whole documents, per kind ----

const perKind: [string, string, string[]][] = [
  [
    'Extension',
    `apiVersion: meshext.dev/v1alpha1
kind: Extension
metadata: {name: a, namespace: istio-system}
spec:
  image: quay.io/org/a:1
  pullPolicy: Always
  targetRef: {kind: Gateway, name: gw}
  vmConfig: {env: [{name: A, value_from: INLINE}]}
  overrides: [{namespaces: [a], priorty: 3, selector: {labels: {app: a}}}]
  zqxjkvwqz: 1`,
    [
      'spec.overrides.0.priorty: unknown field "priorty"; did you mean "priority"?',
      'spec.overrides.0.selector.labels: unknown field "labels"; did you mean "matchLabels"?',
      'spec.pullPolicy: unknown field "pullPolicy"; did you mean "imagePullPolicy"?',
      'spec.targetRef: unknown field "targetRef"; did you mean "targetRefs", a list with this object as its one item?',
      'spec.vmConfig.env.0.value_from: unknown field "value_from"; did you mean "valueFrom"?',
      'spec.zqxjkvwqz: unknown field "zqxjkvwqz"',
    ],
  ],
  [
    'WasmPlugin',
    `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: a, namespace: istio-system}
spec:
  url: oci://quay.io/org/a:1
  selector: {labels: {app: a}}
  image_pull_policy: IfNotPresent
  config: {a: 1}
  PluginName: x`,
    [
      'spec.PluginName: unknown field "PluginName"; did you mean "pluginName"?',
      'spec.config: unknown field "config"; did you mean "pluginConfig"?',
      'spec.image_pull_policy: unknown field "image_pull_policy"; did you mean "imagePullPolicy"?',
      'spec.selector.labels: unknown field "labels"; did you mean "matchLabels"?',
    ],
  ],
  [
    'ServiceMeshExtension',
    `apiVersion: maistra.io/v1
kind: ServiceMeshExtension
metadata: {name: a, namespace: bookinfo}
spec:
  image: quay.io/org/a:1
  workloadSelector: {matchLabels: {app: a}}
  pluginConfig: {a: 1}
  image_pull_policy: Always`,
    [
      'spec.image_pull_policy: unknown field "image_pull_policy"; did you mean "imagePullPolicy"?',
      'spec.pluginConfig: unknown field "pluginConfig"; did you mean "config"?',
      'spec.workloadSelector.matchLabels: unknown field "matchLabels"; did you mean "labels"?',
    ],
  ],
  [
    'WasmExtension',
    `apiVersion: extension.tsb.tetrate.io/v2
kind: WasmExtension
metadata: {name: a, organization: o}
spec:
  url: oci://quay.io/org/a:1
  allowed_in: [organizations/o/tenants/t]
  pullPolicy: Always`,
    [
      'spec.allowed_in: unknown field "allowed_in"; did you mean "allowedIn"?',
      'spec.pullPolicy: unknown field "pullPolicy"; did you mean "imagePullPolicy"?',
    ],
  ],
  [
    'WasmDeployment',
    `apiVersion: networking.enterprise.mesh.gloo.solo.io/v1beta1
kind: WasmDeployment
metadata: {name: a, namespace: gloo-mesh}
spec:
  filters:
  - wasmImageSource: {wasmImageTag: webassemblyhub.io/a/b:1}
    root_id: r
  workloadSelector:
  - matchLabels: {app: a}`,
    [
      'spec.filters.0.root_id: unknown field "root_id"; did you mean "rootId"?',
      'spec.workloadSelector.0.matchLabels: unknown field "matchLabels"; did you mean "labels"?',
    ],
  ],
  [
    'Mesh',
    `apiVersion: meshext.dev/v1alpha1
kind: Mesh
metadata: {name: m}
spec:
  control_plane_namespace: istio-system
  istio_version: "1.24"`,
    [
      'spec.control_plane_namespace: unknown field "control_plane_namespace"; did you mean "controlPlaneNamespace"?',
      'spec.istio_version: unknown field "istio_version"; did you mean "istioVersion"?',
    ],
  ],
  [
    'Namespace',
    `apiVersion: v1
kind: Namespace
metadata: {name: a, label: {a: b}}`,
    ['metadata.label: unknown field "label"; did you mean "labels"?'],
  ],
];
for (const [kind, yaml, want] of perKind) {
  test(`${kind}: unknown fields name the likely field`, () => assert.equal(messages(yaml).filter((m) => m.includes('unknown field')), want));
}

test.run();
