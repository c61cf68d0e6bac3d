import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { validatorFiles } from '../src/schema/_generated/validators.js';
import { checkIstioRules, isIstioUrl, parseRequestUri } from '../src/schema/istio-rules.ts';
import { NATIVE_SCHEMAS } from '../src/schema/native-schemas.ts';
import { validateDocument } from '../src/schema/validate-document.ts';
import type { SchemaIssue } from '../src/schema/validate-document.ts';
import { validateIstioResource } from './_istio-crd.ts';

type Obj = Record<string, any>;

/** Dedents a YAML literal so documents can sit indented in the test source. */
function source(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '').replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const dotted = (path: readonly (string | number)[]) => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
const lines = (issues: readonly SchemaIssue[]) => issues.map((i) => `${dotted(i.path)}: ${i.message}`);
const check = (doc: Obj) => lines(validateDocument(doc.apiVersion, doc.kind, doc).errors);
/** Parses a YAML document, applies `edit` to a copy, and validates it. */
const checkEdited = (yaml: string, edit: (d: Obj) => void) => {
  const doc = parse(yaml);
  edit(doc);
  return check(doc);
};

// ---- Istio's own validation cases (meshext validate accepts and rejects them alike) ----

const istioCases = (file: string): Obj[] => parseAllDocuments(fixture(`istio-validation/${file}`)).map((d) => d.toJS());

/** What our wording for Istio's `_err` must contain, and where (when Istio names the field). */
function essence(err: string): { path?: string; text: string | RegExp } {
  const TYPES: Obj = { object: 'must be an object', string: 'must be a string' };
  let m: RegExpExecArray | null;
  if ((m = /^(\S+): Required value$/.exec(err))) return { path: m[1], text: 'missing required field' };
  if ((m = /^(\S+) in body should be at least/.exec(err))) return { path: m[1], text: 'must be at least' };
  if ((m = /^(\S+) in body should match/.exec(err))) return { path: m[1], text: /^must (match|be empty or)/ };
  if ((m = /^(\S+) in body must be of type (\w+)/.exec(err))) return { path: m[1], text: TYPES[m[2]!] };
  return { text: err }; // CEL messages and "Duplicate value": the words themselves
}

for (const doc of istioCases('wasm-valid.yaml')) {
  test(`istio valid case ${doc.metadata.name}: accepted (schema + rules)`, () => {
    assert.equal(check(doc), []);
    assert.equal(checkIstioRules('WasmPlugin', doc.spec), []);
    assert.equal(validateIstioResource({ ...doc, metadata: { ...doc.metadata, namespace: 'default' } }), []);
  });
}

istioCases('wasm-invalid.yaml').forEach(({ _err, ...doc }, i) => {
  test(`istio invalid case ${i} ${doc.metadata.name}: rejected with "${_err}"`, () => {
    const want = essence(_err);
    const errors = validateDocument(doc.apiVersion, doc.kind, doc).errors;
    const says = (m: string) => (typeof want.text === 'string' ? m.includes(want.text) : want.text.test(m));
    const hit = errors.find((e) => says(e.message) && (want.path === undefined || dotted(e.path) === want.path));
    assert.ok(hit, `no issue like ${JSON.stringify(want)} in ${JSON.stringify(lines(errors))}`);
    assert.ok(validateIstioResource({ ...doc, metadata: { ...doc.metadata, namespace: 'default' } }).length > 0);
  });
});

// ---- good and bad documents per kind ----

const extension = source`
  apiVersion: meshext.dev/v1alpha1
  kind: Extension
  metadata:
    name: header-append
    namespace: istio-system
    labels: {team: shop}
  spec:
    image: quay.io/org/header-append:1.2
    sha256: null
    pluginName: add_header
    phase: AUTHZ
    priority: 100
    config: {header: x-team}
    selector: {matchLabels: {app: httpbin}}
    match: [{mode: SERVER, ports: [{number: 8080}]}]
    type: HTTP
    failStrategy: FAIL_CLOSE
    imagePullPolicy: IfNotPresent
    imagePullSecret: regcred
    vmConfig: {env: [{name: MODE, valueFrom: INLINE, value: strict}, {name: POD, valueFrom: HOST}]}
    scope:
      namespaces: [payments, orders]
      namespaceSelector: {matchLabels: {team: shop}, matchExpressions: [{key: tier, operator: In, values: [web]}, {key: canary, operator: DoesNotExist}]}
      tenants: [shop]
      exclude: [orders-canary]
    allowedIn: [shop]
    overrides:
    - namespaces: [payments]
      config: {header: x-pay}
      priority: 200
    - tenants: [shop]
      targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: web}]
    output: WasmPlugin
`;

const mesh = source`
  apiVersion: meshext.dev/v1alpha1
  kind: Mesh
  metadata: {name: prod}
  spec:
    controlPlaneNamespace: istio-system
    cluster: prod-east
    istioVersion: "1.24"
    output: WasmPlugin
    tenantLabel: meshext.dev/tenant
    namespaces:
    - {name: payments, labels: {team: shop}, tenant: shop}
    - {name: orders}
    insecureRegistries: [localhost:5000]
`;

const generator = source`
  apiVersion: meshext.dev/v1alpha1
  kind: ExtensionGenerator
  metadata:
    name: mesh-extensions
    annotations:
      config.kubernetes.io/function: |
        exec: {path: meshext}
      config.kubernetes.io/local-config: "true"
  spec: {paths: [extensions/], lock: meshext.lock, offline: false, locked: true}
`;

const lock = source`
  apiVersion: meshext.dev/v1alpha1
  kind: Lock
  images:
    quay.io/org/header-append:1.2:
      url: oci://quay.io/org/header-append@sha256:${'a'.repeat(64)}
      digest: sha256:${'a'.repeat(64)}
      format: compat
      moduleSha256: ${'b'.repeat(64)}
      defaults: {phase: PreAuthZ, priority: 100, rootIds: [add_header]}
    https://example.com/x.wasm:
      url: https://example.com/x.wasm
      format: http
      defaults: {}
`;

const namespace = source`
  apiVersion: v1
  kind: Namespace
  metadata:
    name: payments
    labels: {team: shop, meshext.dev/tenant: shop}
    uid: 0b7c
    resourceVersion: "12"
    creationTimestamp: null
    managedFields: [{manager: kubectl, operation: Apply}]
  spec: {finalizers: [kubernetes]}
  status: {phase: Active}
`;

const smeV1 = source`
  apiVersion: maistra.io/v1
  kind: ServiceMeshExtension
  metadata: {name: threescale-auth, namespace: bookinfo}
  spec:
    image: registry.redhat.io/openshift-service-mesh/3scale-auth-wasm-rhel8:0.0.1
    imagePullPolicy: Always
    imagePullSecrets: [{name: regcred}]
    phase: PostAuthZ
    priority: 100
    workloadSelector: {labels: {app: productpage}}
    config: {api: v1, backend: {extensions: [no_body]}}
  status: {phase: PostAuthZ, priority: 100, deployment: {ready: true}}
`;

const smeV1alpha1 = source`
  apiVersion: maistra.io/v1alpha1
  kind: ServiceMeshExtension
  metadata: {name: header-append, namespace: istio-system}
  spec:
    config: test
    image: quay.io/maistra-dev/header-append-filter:latest
    phase: PostAuthZ
    priority: 100
`;

const tetrate = source`
  apiVersion: extension.tsb.tetrate.io/v2
  kind: WasmExtension
  metadata:
    organization: org
    name: wasm-auth
  spec:
    allowedIn:
      - organizations/org/tenants/tenant1
    url: oci://docker.io/example/my-wasm-extension:1.0
    source: https://github.com/example/wasm-extension
    description: |
      Long description for the extension
    phase: AUTHZ
    priority: 1000
    config:
      some_key: some_value
    imagePullPolicy: IfNotPresent
    imagePullSecret: regcred
    vmConfig: {env: [{name: MODE, valueFrom: INLINE, value: x}, {name: _HOST, valueFrom: HOST}]}
    match: {mode: SERVER}
`;

const gloo = (version: string) => source`
  apiVersion: networking.enterprise.mesh.gloo.solo.io/${version}
  kind: WasmDeployment
  metadata: {name: reviews-wasm, namespace: gloo-mesh}
  spec:
    filters:
    - filterContext: SIDECAR_INBOUND
      wasmImageSource: {wasmImageTag: webassemblyhub.io/djannot/myfilter:0.2}
      staticFilterConfig:
        '@type': type.googleapis.com/google.protobuf.StringValue
        value: "Gloo Mesh Enterprise"
    - httpUriSource: {uri: https://example.com/f.wasm, sha: ${'c'.repeat(64)}}
      rootId: my_root
      vmId: shared
      dynamicFilterConfig: dyn
      insertBeforeFilter: envoy.filters.http.router
    workloadSelector:
    - kubeWorkloadMatcher: {clusters: [cluster1], labels: {app: reviews}, namespaces: [default]}
    - {labels: {app: ratings}, namespaces: [default]}
    weight: 7
  status: {observedGeneration: 1}
`;

const glooPolicy = source`
  apiVersion: extensions.policy.gloo.solo.io/v2
  kind: WasmDeploymentPolicy
  metadata: {name: reviews-wasm}
  spec:
    applyToWorkloads:
    - kind: KUBE
      selector: {cluster: cluster1, labels: {app: reviews}, namespace: bookinfo-backends}
      port: {number: 9080}
    config:
      weight: 7
      filters:
      - filterContext: WAYPOINT
        wasmImageSource: {wasmImageTag: webassemblyhub.io/djannot/myfilter:0.2}
        staticFilterConfig:
          '@type': type.googleapis.com/google.protobuf.StringValue
          value: "Gloo Mesh Enterprise"
      - localPathSource: /var/local/lib/f.wasm
        rootId: my_root
        vmId: shared
        insertBeforeFilter: envoy.router
  status: {common: {state: {approval: ACCEPTED}}, numSelectedWorkloads: 1}
`;

const wasmPlugin = source`
  apiVersion: extensions.istio.io/v1alpha1
  kind: WasmPlugin
  metadata: {name: openid, namespace: istio-system}
  spec:
    targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: web}]
    url: oci://quay.io/org/openid:1.0
    priority: null
    failStrategy: FAIL_OPEN
    type: NETWORK
    match: [{mode: CLIENT, ports: [{number: 80}, {number: 443}]}]
  status: {conditions: [{type: Ready, status: "True"}]}
`;

const good: Record<string, string> = {
  Extension: extension,
  Mesh: mesh,
  ExtensionGenerator: generator,
  Lock: lock,
  Namespace: namespace,
  'ServiceMeshExtension maistra.io/v1': smeV1,
  'ServiceMeshExtension maistra.io/v1alpha1': smeV1alpha1,
  'ServiceMeshExtension extensions.maistra.io/v1alpha1': smeV1alpha1.replace('maistra.io/v1alpha1', 'extensions.maistra.io/v1alpha1'),
  WasmExtension: tetrate,
  'WasmDeployment v1alpha1': gloo('v1alpha1'),
  'WasmDeployment v1beta1': gloo('v1beta1'),
  WasmDeploymentPolicy: glooPolicy,
  WasmPlugin: wasmPlugin,
};

for (const [name, yaml] of Object.entries(good)) {
  test(`good ${name}: no issues`, () => assert.equal(check(parse(yaml)), []));
}

const MAX_INT32 = 2147483647;
const bad: [name: string, yaml: string, edit: (d: Obj) => void, errors: string[]][] = [
  // Extension
  // The namespace may come from the render's context (-n), so only the render refuses its absence.
  ['Extension without namespace and image', extension, (d) => (delete d.metadata.namespace, delete d.spec.image), [
    'spec.image: missing required field "image"',
  ]],
  ['Extension with a misspelt phase', extension, (d) => (d.spec.phase = 'AUTHX'), [
    'spec.phase: must be one of AUTHN, AUTHZ, STATS, UNSPECIFIED_PHASE, PreAuthN, PostAuthN, PreAuthZ, PostAuthZ, PreStats, PostStats (got "AUTHX")',
  ]],
  ['Extension with an unknown field and bad priorities', extension, (d) => ((d.spec.foo = 1), (d.spec.priority = 1.5), (d.spec.overrides[0].priority = MAX_INT32 + 1)), [
    'spec.foo: unknown field "foo"',
    `spec.overrides[0].priority: must be at most ${MAX_INT32}`,
    'spec.priority: must be an integer',
  ]],
  ['Extension with selector and targetRefs', extension, (d) => (d.spec.targetRefs = [{ kind: 'Gateway', name: 'web' }]), [
    'spec: only one of targetRefs or selector can be set',
  ]],
  ['Extension with an upper-case sha256 and name', extension, (d) => ((d.spec.sha256 = 'A'.repeat(64)), (d.metadata.name = 'Header_Append')), [
    `metadata.name: must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (got "Header_Append")`,
    `spec.sha256: must be 64 lowercase hex digits (got "${'A'.repeat(64)}")`,
  ]],
  ['Extension overrides without a place, or with sha256', extension, (d) => ((d.spec.overrides[0] = { config: {} }), (d.spec.overrides[1].sha256 = 'a'.repeat(64))), [
    'spec.overrides[0]: an override must say where it applies: give namespaces, namespaceSelector, tenants, clusters or clusterSelector',
    'spec.overrides[1].sha256: unknown field "sha256"',
  ]],
  ['Extension with a HOST env value and a repeated name', extension, (d) => d.spec.vmConfig.env.push({ name: 'POD', valueFrom: 'HOST', value: 'x' }), [
    'spec.vmConfig.env[2].name: Duplicate value: env name "POD" is already used by env[1]',
    'spec.vmConfig.env[2].value: value may only be set when valueFrom is INLINE',
  ]],
  ['Extension with a bad scope', extension, (d) => ((d.spec.scope.namespaces = ['Payments']), (d.spec.scope.namespaceSelector.matchExpressions[0] = { key: 'tier', operator: 'In' })), [
    `spec.scope.namespaceSelector.matchExpressions[0]: In and NotIn need a non-empty values list; Exists and DoesNotExist take no values`,
    `spec.scope.namespaces[0]: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (got "Payments")`,
  ]],
  ['Extension with 17 targetRefs and a wildcard selector', extension, (d) => ((d.spec.overrides[1].targetRefs = Array(17).fill({ kind: 'Gateway', name: 'g' })), (d.spec.selector.matchLabels.app = 'http*')), [
    'spec.overrides[1].targetRefs: must have at most 16 items',
    'spec.selector.matchLabels.app: wildcard not allowed in label value match',
  ]],
  ['Extension with a numeric label and a bad output', extension, (d) => ((d.metadata.labels.team = 7), (d.spec.output = 'Lua')), [
    'metadata.labels.team: must be a string',
    'spec.output: must be one of WasmPlugin, TrafficExtension, EnvoyFilter (got "Lua")',
  ]],
  ['Extension with a duplicate match port', extension, (d) => d.spec.match[0].ports.push({ number: 8080 }, { number: 0 }), [
    'spec.match[0].ports[1].number: Duplicate value: port 8080 is already listed at ports[0]',
    'spec.match[0].ports[2].number: must be at least 1',
  ]],
  ['Extension that is not an object', extension, (d) => (d.spec = ['image']), ['spec: must be an object']],
  // Mesh
  ['Mesh with an unquoted version', mesh, (d) => (d.spec.istioVersion = 1.3), ['spec.istioVersion: must be a quoted Istio minor version such as "1.24" (got 1.3)']],
  ['Mesh with bad inventory', mesh, (d) => ((d.spec.namespaces[1] = { labels: {} }), (d.spec.output = 'wasmplugin'), (d.spec.tenantLabel = 'a b')), [
    'spec.namespaces[1].name: missing required field "name"',
    'spec.output: must be one of WasmPlugin, TrafficExtension, EnvoyFilter (got "wasmplugin")',
    'spec.tenantLabel: must be a Kubernetes label key: an optional DNS subdomain prefix and "/", then letters, digits, "-", "_" or "." (got "a b")',
  ]],
  // ExtensionGenerator
  ['ExtensionGenerator with a path string and a yes', generator, (d) => ((d.spec.paths = 'extensions/'), (d.spec.offline = 'yes'), (d.spec.format = 'json')), [
    'spec.format: unknown field "format"',
    'spec.offline: must be true or false',
    'spec.paths: must be a list',
  ]],
  ['ExtensionGenerator without a name', generator, (d) => delete d.metadata.name, ['metadata.name: missing required field "name"']],
  // Lock
  ['Lock with bad entries', lock, (d) => {
    const [first, second] = Object.values(d.images) as Obj[];
    first!.digest = 'a'.repeat(64);
    first!.format = 'tar';
    delete second!.defaults;
    second!.ref = 'x';
  }, [
    'images.https://example.com/x.wasm.defaults: missing required field "defaults"',
    'images.https://example.com/x.wasm.ref: unknown field "ref"',
    `images.quay.io/org/header-append:1.2.digest: must be "sha256:" and 64 lowercase hex digits (got "${'a'.repeat(64)}")`,
    'images.quay.io/org/header-append:1.2.format: must be one of compat, oci-artifact, http, file (got "tar")',
  ]],
  ['Lock with metadata', lock, (d) => (d.metadata = { name: 'x' }), ['metadata: unknown field "metadata"']],
  // Namespace
  ['Namespace with a dotted name', namespace, (d) => (d.metadata.name = 'a.b'), [
    `metadata.name: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (got "a.b")`,
  ]],
  ['Namespace with an unknown metadata key', namespace, (d) => (d.metadata.tenant = 'shop'), ['metadata.tenant: unknown field "tenant"']],
  // Maistra
  ['ServiceMeshExtension v1alpha1 with an object config', smeV1alpha1, (d) => (d.spec.config = { a: 1 }), ['spec.config: must be a string']],
  ['ServiceMeshExtension v1 with a string config and an Istio phase', smeV1, (d) => ((d.spec.config = 'x'), (d.spec.phase = 'AUTHZ')), [
    'spec.config: must be an object',
    'spec.phase: must be one of PreAuthN, PostAuthN, PreAuthZ, PostAuthZ, PreStats, PostStats (got "AUTHZ")',
  ]],
  ['ServiceMeshExtension v1 with bad pull settings', smeV1, (d) => ((d.spec.imagePullPolicy = 'Sometimes'), (d.spec.imagePullSecrets = ['regcred']), (d.spec.workloadSelector = {})), [
    'spec.imagePullPolicy: must be one of Always, IfNotPresent, Never (got "Sometimes")',
    'spec.imagePullSecrets[0]: must be an object',
    'spec.workloadSelector.labels: missing required field "labels"',
  ]],
  // Tetrate
  ['WasmExtension without url or image', tetrate, (d) => delete d.spec.url, ['spec.url: missing required field "url"']],
  ['WasmExtension with a scheme-less url and bad fields', tetrate, (d) => ((d.spec.url = 'docker.io/x:1'), (d.spec.vmConfig.env[0].name = '1X'), (d.spec.match.ports = [80]), (d.spec.phase = 'PreAuthZ')), [
    'spec.match.ports: unknown field "ports"',
    'spec.phase: must be one of AUTHN, AUTHZ, STATS, UNSPECIFIED_PHASE (got "PreAuthZ")',
    'spec.url: must start with oci://, http://, https:// or file:// (got "docker.io/x:1")',
    'spec.vmConfig.env[0].name: must be a letter or "_" followed by letters, digits or "_" (got "1X")',
  ]],
  ['WasmExtension with the deprecated image only', tetrate, (d) => ((d.spec.image = 'oci://docker.io/x:1'), delete d.spec.url), []],
  // Gloo
  ['WasmDeployment filters with no source, two sources, two configs', gloo('v1beta1'), (d) => {
    d.spec.filters.push({ rootId: 'r' }, { localPathSource: '/a.wasm', wasmImageSource: { wasmImageTag: 'x:1' } });
    d.spec.filters[0].dynamicFilterConfig = 'dyn';
  }, [
    'spec.filters[0]: set staticFilterConfig or dynamicFilterConfig, not both',
    'spec.filters[2]: a filter needs exactly one source: localPathSource, httpUriSource or wasmImageSource',
    'spec.filters[3]: a filter needs exactly one source: localPathSource, httpUriSource or wasmImageSource',
  ]],
  ['WasmDeployment with a mixed selector and bad fields', gloo('v1alpha1'), (d) => {
    d.spec.workloadSelector[0].labels = { app: 'x' };
    d.spec.workloadSelector[1].kubeWorkloadMatcher = { cluster: 'c1' };
    d.spec.weight = -1;
    d.spec.filters[0].filterContext = 'WAYPOINT';
    delete d.spec.filters[0].staticFilterConfig['@type'];
    delete d.spec.filters[1].httpUriSource.sha;
  }, [
    'spec.filters[0].filterContext: must be one of ANY, SIDECAR_INBOUND, SIDECAR_OUTBOUND, GATEWAY (got "WAYPOINT")',
    'spec.filters[0].staticFilterConfig.@type: missing required field "@type"',
    'spec.filters[1].httpUriSource.sha: missing required field "sha"',
    'spec.weight: must be at least 0',
    'spec.workloadSelector[0]: use either kubeWorkloadMatcher or the flat labels/namespaces/clusters, not both',
    'spec.workloadSelector[1]: use either kubeWorkloadMatcher or the flat labels/namespaces/clusters, not both',
    'spec.workloadSelector[1].kubeWorkloadMatcher.cluster: unknown field "cluster"; did you mean "clusters", a list with this value as its one item?',
  ]],
  ['WasmDeployment without filters', gloo('v1beta1'), (d) => (d.spec.filters = []), ['spec.filters: must have at least 1 item']],
  ['WasmDeploymentPolicy filters: no source, an http module without rootId, no source nor rootId', glooPolicy, (d) => {
    d.spec.config.filters.push({ rootId: 'r' }, { httpUriSource: { uri: 'https://example.com/f.wasm', sha: 'c'.repeat(64) } }, {});
    delete d.spec.config.filters[1].rootId;
  }, [
    'spec.config.filters[1]: rootId is required unless the source is wasmImageSource: only an image can name its root id',
    'spec.config.filters[2]: a filter needs exactly one source: localPathSource, httpUriSource or wasmImageSource',
    'spec.config.filters[3]: rootId is required unless the source is wasmImageSource: only an image can name its root id',
    'spec.config.filters[4]: a filter needs exactly one source: localPathSource, httpUriSource or wasmImageSource',
  ]],
  ['WasmDeploymentPolicy with bad selectors', glooPolicy, (d) => {
    d.spec.applyToWorkloads[0].kind = 'Deployment';
    d.spec.applyToWorkloads[0].selector.topology = 'east';
    d.spec.applyToWorkloads[0].port = { number: 65536 };
    d.spec.applyToWorkloads.push({ selector: { namespace: 'Bookinfo' }, port: {} });
  }, [
    'spec.applyToWorkloads[0].kind: must be one of KUBE, VM (got "Deployment")',
    'spec.applyToWorkloads[0].port.number: must be at most 65535',
    'spec.applyToWorkloads[0].selector.topology: unknown field "topology"',
    'spec.applyToWorkloads[1].port: a port selector needs exactly one of number or name',
    `spec.applyToWorkloads[1].selector.namespace: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (got "Bookinfo")`,
  ]],
  ['WasmDeploymentPolicy with the 1.x layout', glooPolicy, (d) => ((d.spec.filters = d.spec.config.filters), delete d.spec.config), [
    'spec.config: missing required field "config"',
    'spec.filters: unknown field "filters"',
  ]],
  // WasmPlugin
  ['WasmPlugin with selector, targetRef and targetRefs', wasmPlugin, (d) => ((d.spec.selector = { matchLabels: { '': 'x' } }), (d.spec.targetRef = { kind: 'Gateway', name: 'g', namespace: 'other' })), [
    'spec: only one of targetRefs or selector can be set',
    'spec.selector.matchLabels.: key must not be empty',
    'spec.targetRef.namespace: cross namespace referencing is not currently supported',
  ]],
  ['WasmPlugin with a Maistra phase and a bad url', wasmPlugin, (d) => ((d.spec.phase = 'PreAuthN'), (d.spec.url = 'localhost:5000/filter')), [
    'spec.phase: must be one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS (got "PreAuthN")',
    'spec.url: url must have schema one of [http, https, file, oci]',
  ]],
  ['WasmPlugin with a pluginConfig list and a long secret', wasmPlugin, (d) => ((d.spec.pluginConfig = [1]), (d.spec.imagePullSecret = 'x'.repeat(254))), [
    'spec.imagePullSecret: must be at most 253 characters long',
    'spec.pluginConfig: must be an object',
  ]],
];

for (const [name, yaml, edit, errors] of bad) {
  test(`bad ${name}`, () => assert.equal(checkEdited(yaml, edit), errors));
}

test('every input kind README "Declarations" lists has a validator, keyed apiVersion/kind', () => {
  assert.equal(Object.keys(validatorFiles).sort(), [
    'extension.tsb.tetrate.io/v2/WasmExtension',
    'extensions.istio.io/v1alpha1/TrafficExtension',
    'extensions.istio.io/v1alpha1/WasmPlugin',
    'extensions.maistra.io/v1alpha1/ServiceMeshExtension',
    'extensions.policy.gloo.solo.io/v2/WasmDeploymentPolicy',
    'maistra.io/v1/ServiceMeshExtension',
    'maistra.io/v1alpha1/ServiceMeshExtension',
    'meshext.dev/v1alpha1/Extension',
    'meshext.dev/v1alpha1/ExtensionGenerator',
    'meshext.dev/v1alpha1/Lock',
    'meshext.dev/v1alpha1/Mesh',
    'networking.enterprise.mesh.gloo.solo.io/v1alpha1/WasmDeployment',
    'networking.enterprise.mesh.gloo.solo.io/v1beta1/WasmDeployment',
    'v1/Namespace',
  ]);
});

test('an unknown apiVersion/kind is reported as unknown, not as invalid', () => {
  assert.equal(validateDocument('apps/v1', 'Deployment', {}), { known: false, errors: [] });
  assert.equal(validateDocument('meshext.dev/v1alpha1', 'Extensions', {}), { known: false, errors: [] });
  assert.equal(validateDocument('meshext.dev/v1alpha1', 'constructor', {}).known, false);
});

test('issues come out in path order whatever the key order of the input', () => {
  const a = { apiVersion: 'meshext.dev/v1alpha1', kind: 'Mesh', metadata: { name: 'M', x: 1 }, spec: { output: 'x', cluster: '' } };
  const b = { spec: { cluster: '', output: 'x' }, metadata: { x: 1, name: 'M' }, kind: 'Mesh', apiVersion: 'meshext.dev/v1alpha1' };
  assert.equal(check(a), check(b));
  assert.equal(check(a).map((l) => l.split(':')[0]), ['metadata.name', 'metadata.x', 'spec.cluster', 'spec.output']);
});

test('one issue per place: a type error hides the other complaints about that value', () => {
  const doc = parse(gloo('v1beta1'));
  doc.spec.workloadSelector = ['app=x'];
  assert.equal(check(doc), ['spec.workloadSelector[0]: must be an object']);
});

// ---- istio-rules ----

test('isIstioUrl agrees with the CRD rule on Istio cases and on the http:// retry', () => {
  for (const url of ['test', 'http://test', 'file:///opt/filters/openid.wasm', 'oci://reg/repo:tag', 'HTTPS://x/y', '/abs/path', 'docker.io/org/x:1', `quay.io/org/x@sha256:${'a'.repeat(64)}`, 'http://[::1]:8080/x', ''])
    assert.ok(isIstioUrl(url), url);
  for (const url of ['#%blah$#@', 'fake://example.com', 'ftp://x', 'localhost:5000/x', 'oci://reg/x%zz', '%', 'a\nb', 'mailto:a@b'])
    assert.not.ok(isIstioUrl(url), url);
});

test('parseRequestUri follows Go url.ParseRequestURI', () => {
  const cases: [string, string | undefined][] = [
    ['/abs', ''],
    ['*', ''],
    ['test', undefined],
    [':x', undefined],
    ['HTTP://X', 'http'],
    ['mailto:a@b', 'mailto'],
    ['http://[::1]:80/x', 'http'],
    ['http://[::ffff:1.2.3.4]/', 'http'],
    ['http://[fe80::1%25en0]/', 'http'],
    ['http://[1.2.3.4]/', undefined],
    ['http://[::1/', undefined],
    ['http://x:99a/', undefined],
    ['http://user:p@ss@host/', 'http'],
    ['http://us er@host/', undefined],
    ['http://%41/', undefined],
    ['http://%C3%A9/', 'http'],
    ['http://h/%zz', undefined],
    ['http://h/a?%zz', 'http'],
    ['http://h/a#frag', 'http'],
    ['http://h#/', undefined],
  ];
  for (const [raw, scheme] of cases) assert.equal(parseRequestUri(raw)?.scheme, scheme, raw);
});

test('TrafficExtension rules: exactly one of wasm or lua, rules inside wasm', () => {
  const issues = (spec: Obj) => lines(checkIstioRules('TrafficExtension', spec));
  assert.equal(issues({ lua: { inlineCode: 'x' } }), []);
  assert.equal(issues({}), ['spec: exactly one of wasm or lua must be set']);
  assert.equal(issues({ wasm: { url: 'fake://x', vmConfig: { env: [{ name: 'a', valueFrom: 'HOST', value: 'v' }] } }, lua: { inlineCode: 'x' }, selector: {}, targetRefs: [] }), [
    'spec: only one of targetRefs or selector can be set',
    'spec: exactly one of wasm or lua must be set',
    'spec.wasm.url: url must have schema one of [http, https, file, oci]',
    'spec.wasm.vmConfig.env[0].value: value may only be set when valueFrom is INLINE',
  ]);
  assert.equal(issues({ wasm: { url: 'oci://x' }, targetRef: { kind: 'Gateway', name: 'g', namespace: 'o' }, selector: {} }), [], 'TrafficExtension has no targetRef');
});

test('rules skip values of the wrong type (the schema reports those)', () => {
  assert.equal(checkIstioRules('WasmPlugin', { url: 5, selector: 'x', match: {}, vmConfig: { env: 'x' } }), []);
  assert.equal(checkIstioRules('WasmPlugin', { targetRefs: [null, 'x'], match: [null, { ports: 'x' }], vmConfig: { env: [null, 'x'] } }), []);
  assert.equal(checkIstioRules('WasmPlugin', null), []);
});

// ---- the schemas as data ----

const schemaFiles = readdirSync(new URL('../src/schema/schemas/', import.meta.url)).filter((f) => f.endsWith('.json')).sort();
const readSchema = (f: string) => JSON.parse(readFileSync(new URL(`../src/schema/schemas/${f}`, import.meta.url), 'utf8'));

test('every field of every schema has a description (editors show them)', () => {
  const missing: string[] = [];
  const walk = (s: Obj, path: string) => {
    for (const [name, sub] of Object.entries<Obj>(s.properties ?? {})) {
      // A $ref'd field is described by its definition, checked below.
      if (!sub.description && !sub.$ref) missing.push(`${path}.${name}`);
      walk(sub, `${path}.${name}`);
    }
    for (const k of ['items', 'additionalProperties']) if (typeof s[k] === 'object') walk(s[k], `${path}.${k}`);
    for (const [name, sub] of Object.entries<Obj>(s.definitions ?? {})) {
      if (!sub.description) missing.push(`${path}#${name}`);
      walk(sub, `${path}#${name}`);
    }
  };
  for (const f of schemaFiles) walk(readSchema(f), f);
  assert.equal(missing, []);
});

test('schemas are self-contained draft-07 with $id apiVersion/kind', () => {
  for (const f of schemaFiles) {
    const s = readSchema(f);
    assert.is(s.$schema, 'http://json-schema.org/draft-07/schema#', f);
    assert.is(s.$id, `${s.properties.apiVersion.const}/${s.properties.kind.const}`, f);
    const refs = JSON.stringify(s).match(/"\$ref":"[^"]*"/g) ?? [];
    for (const r of refs) assert.ok(r.startsWith('"$ref":"#/definitions/'), `${f}: ${r}`);
  }
});

test('NATIVE_SCHEMAS: Extension, ExtensionGenerator and Mesh, as the files hold them', () => {
  assert.equal(Object.keys(NATIVE_SCHEMAS), ['Extension', 'ExtensionGenerator', 'Mesh']);
  for (const [kind, schema] of Object.entries(NATIVE_SCHEMAS)) assert.is(schema.$id, `meshext.dev/v1alpha1/${kind}`);
  assert.equal(NATIVE_SCHEMAS.Extension, readSchema('extension.json'));
});

test('gen-validators output is deterministic and matches the generated files', () => {
  const script = fileURLToPath(new URL('../scripts/gen-validators.mjs', import.meta.url));
  const filesOf = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const outs = [1, 2].map(() => {
    const dir = mkdtempSync(join(tmpdir(), 'meshext-gen-'));
    try {
      const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      return filesOf(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  assert.ok(JSON.stringify(outs[0]) === JSON.stringify(outs[1]), 'two runs differ');
  assert.ok(JSON.stringify(outs[0]) === JSON.stringify(filesOf(fileURLToPath(new URL('../src/schema/_generated/', import.meta.url)))), 'stale: run npm run gen');
  assert.equal(Object.keys(outs[0]!).filter((f) => f !== 'validators.js' && f !== 'validators.d.ts').sort(), Object.values(validatorFiles).sort());
  for (const [file, text] of Object.entries(outs[0]!)) assert.not.ok(/\brequire\(/.test(text), `${file}: no CommonJS`);
});

// ---- the test helper that checks emitted resources against the CRDs ----

const emitted = {
  WasmPlugin: source`
    apiVersion: extensions.istio.io/v1alpha1
    kind: WasmPlugin
    metadata:
      name: header-append
      namespace: payments
      labels: {app.kubernetes.io/managed-by: meshext}
      annotations: {meshext.dev/source: extensions/header.yaml, meshext.dev/image: quay.io/org/header-append:1.2}
    spec:
      selector: {matchLabels: {app: httpbin}}
      url: oci://quay.io/org/header-append@sha256:${'a'.repeat(64)}
      imagePullPolicy: IfNotPresent
      pluginConfig: {header: x-pay}
      pluginName: add_header
      phase: AUTHZ
      priority: 200
      failStrategy: FAIL_CLOSE
      vmConfig: {env: [{name: MODE, value: strict}]}
      match: [{mode: SERVER, ports: [{number: 8080}]}]
  `,
  TrafficExtension: source`
    apiVersion: extensions.istio.io/v1alpha1
    kind: TrafficExtension
    metadata: {name: header-append, namespace: payments}
    spec:
      targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: web}]
      phase: AUTHZ
      priority: 200
      wasm:
        url: oci://quay.io/org/header-append@sha256:${'a'.repeat(64)}
        pluginName: add_header
        pluginConfig: {header: x-pay}
  `,
  EnvoyFilter: source`
    apiVersion: networking.istio.io/v1alpha3
    kind: EnvoyFilter
    metadata: {name: header-append, namespace: payments}
    spec:
      workloadSelector: {labels: {app: httpbin}}
      priority: -200
      configPatches:
      - applyTo: EXTENSION_CONFIG
        patch:
          operation: ADD
          value:
            name: payments.header-append
            typed_config:
              '@type': type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config: {root_id: add_header}
      - applyTo: HTTP_FILTER
        match:
          context: SIDECAR_INBOUND
          listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}
        patch:
          operation: INSERT_BEFORE
          value:
            name: payments.header-append
            config_discovery:
              config_source: {ads: {}}
              type_urls: [type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm, type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC]
  `,
};

for (const [kind, yaml] of Object.entries(emitted)) {
  test(`validateIstioResource accepts a well-formed emitted ${kind}`, () => assert.equal(validateIstioResource(parse(yaml)), []));
}

test('validateIstioResource rejects a bad emitted WasmPlugin', () => {
  const doc = parse(emitted.WasmPlugin);
  doc.spec.sha256 = 'x';
  doc.spec.targetRefs = [{ kind: 'Gateway', name: 'g' }];
  doc.spec.vmConfig.env.push({ name: 'MODE', valueFrom: 'HOST', value: 'x' });
  doc.metadata.uid = 'u';
  assert.equal(validateIstioResource(doc), [
    'metadata.uid: unknown field',
    'spec.sha256: must match pattern "(^$|^[a-f0-9]{64}$)"',
    'spec.vmConfig.env[1].name: Duplicate value: env name "MODE" is already used by env[0]',
    'spec.vmConfig.env[1].value: value may only be set when valueFrom is INLINE',
    'spec.vmConfig.env[1]: Duplicate value: ["MODE"]',
    'spec.vmConfig.env[1]: value may only be set when valueFrom is INLINE',
    'spec: only one of targetRefs or selector can be set',
  ]);
});

test('validateIstioResource rejects a bad emitted TrafficExtension (WasmPlugin phase names, wasm and lua)', () => {
  const doc = parse(emitted.TrafficExtension);
  doc.spec.phase = 'UNSPECIFIED_PHASE';
  doc.spec.lua = { inlineCode: 'x' };
  doc.spec.wasm.priority = 1;
  const issues = validateIstioResource(doc);
  assert.ok(issues.includes('spec.phase: must be equal to one of the allowed values (UNSPECIFIED, AUTHN, AUTHZ, STATS)'), issues.join('\n'));
  assert.ok(issues.includes('spec: exactly one of wasm or lua must be set'), issues.join('\n'));
  assert.ok(issues.includes('spec.wasm.priority: unknown field'), issues.join('\n'));
});

test('validateIstioResource rejects a bad emitted EnvoyFilter', () => {
  const doc = parse(emitted.EnvoyFilter);
  doc.spec.configPatches[0].applyTo = 'HTTP_FILTERS';
  doc.spec.configPatches[1].match.waypoint = { portNumber: 70000 };
  doc.spec.workloadSelector.labels.app = 'http*';
  doc.spec.priority = 2 ** 31;
  const issues = validateIstioResource(doc);
  for (const want of [
    'spec.configPatches[0].applyTo: must be equal to one of the allowed values (INVALID, LISTENER, FILTER_CHAIN, NETWORK_FILTER, HTTP_FILTER, ROUTE_CONFIGURATION, VIRTUAL_HOST, HTTP_ROUTE, CLUSTER, EXTENSION_CONFIG, BOOTSTRAP, LISTENER_FILTER)',
    'spec.configPatches[1].match: only support waypointMatch when context is WAYPOINT',
    'spec.configPatches[1].match.waypoint.portNumber: port must be between 1-65535',
    'spec.priority: must match format "int32"',
    'spec.workloadSelector.labels.app: wildcard is not supported in selector',
  ])
    assert.ok(issues.includes(want), `missing ${want} in\n${issues.join('\n')}`);
});

test('validateIstioResource names what it cannot check', () => {
  assert.equal(validateIstioResource({ apiVersion: 'networking.istio.io/v1', kind: 'EnvoyFilter' }), ['<root>: no CRD for networking.istio.io/v1 EnvoyFilter']);
});

test.run();
