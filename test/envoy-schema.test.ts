// Every EnvoyFilter meshext renders, read as istiod and Envoy read it: each configPatch's value must
// satisfy test/fixtures/envoy-filter-patch.schema.yaml, a JSON Schema of the Envoy messages it becomes
// (TypedExtensionConfig with the Wasm filter, HttpFilter with config_discovery), written from Envoy's
// protos and their validate rules. The renders checked are the golden cases (every
// test/cases/*/expected.yaml) and the examples' reviewed output (test/fixtures/examples/*.yaml).
// The negative table proves the schema refuses what a proxy refuses.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

type Obj = Record<string, any>;

const FIXTURES = join(import.meta.dirname, 'fixtures');
const ajv = new Ajv2020({ allErrors: true });
const validatePatch = ajv.compile(parse(readFileSync(join(FIXTURES, 'envoy-filter-patch.schema.yaml'), 'utf8')));

/** Every problem with one configPatch as `path: message`; empty when a proxy would load it. */
function patchProblems(patch: unknown): string[] {
  if (validatePatch(patch)) return [];
  // An if/then failure is reported again by the rule inside `then`.
  return (validatePatch.errors ?? []).filter((e) => e.keyword !== 'if').map(describe);
}

function describe(e: ErrorObject): string {
  const extra = e.keyword === 'additionalProperties' ? ` (${e.params.additionalProperty})` : e.keyword === 'const' ? ` (${JSON.stringify(e.params.allowedValue)})` : '';
  return `${e.instancePath || '/'}: ${e.message}${extra}`;
}

/** The rendered output files: golden cases and the reviewed examples. */
function renderedFiles(): string[] {
  const cases = join(import.meta.dirname, 'cases');
  const examples = join(FIXTURES, 'examples');
  return [
    ...readdirSync(cases).sort().map((c) => join(cases, c, 'expected.yaml')),
    ...readdirSync(examples).sort().filter((f) => f.endsWith('.yaml')).map((f) => join(examples, f)),
  ].filter((f) => existsSync(f));
}

/** The EnvoyFilters in one render, YAML stream or `--format json` List alike. */
function envoyFilters(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Obj | null);
  return docs.flatMap((d) => (d?.kind === 'List' ? (d.items as Obj[]) : d ? [d] : [])).filter((d) => d.kind === 'EnvoyFilter');
}

const rendered = renderedFiles().flatMap((file) => envoyFilters(file).map((ef) => ({ file, ef })));

test('the renders hold EnvoyFilters with both local and remote module code', () => {
  const codes = rendered.flatMap(({ ef }) => (ef.spec.configPatches as Obj[]).map((p) => p.patch.value.typed_config?.config?.vm_config?.code)).filter(Boolean);
  assert.ok(codes.some((c) => c.local), 'a module on the proxy disk');
  assert.ok(codes.some((c) => c.remote), 'a downloaded module');
});

for (const { file, ef } of rendered) {
  const where = `${file.slice(import.meta.dirname.length + 1)} ${ef.metadata.namespace}/${ef.metadata.name}`;
  test(`${where}: every patch value is an Envoy message a proxy loads`, () => {
    const patches = ef.spec.configPatches as Obj[];
    const problems = patches.flatMap((p, i) => patchProblems(p).map((m) => `configPatches[${i}]${m}`));
    assert.equal(problems, [], problems.join('\n'));
    // The HTTP filter discovers its config by name: an EXTENSION_CONFIG of the same EnvoyFilter must carry it.
    const provided = new Set(patches.filter((p) => p.applyTo === 'EXTENSION_CONFIG').map((p) => p.patch.value.name));
    for (const p of patches.filter((p) => p.applyTo === 'HTTP_FILTER')) assert.ok(provided.has(p.patch.value.name), `no EXTENSION_CONFIG named ${p.patch.value.name}`);
  });
}

// --- the schema refuses what a proxy refuses ---

const WASM = 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm';
const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const extensionConfig = (config: Obj, value: Obj = {}): Obj => ({
  applyTo: 'EXTENSION_CONFIG',
  patch: { operation: 'ADD', value: { name: 'ns.ext', typed_config: { '@type': WASM, config }, ...value } },
});
const wasmConfig = (code: Obj, config: Obj = {}): Obj =>
  extensionConfig({ name: 'ns.ext', vm_config: { runtime: 'envoy.wasm.runtime.v8', code }, failure_policy: 'FAIL_CLOSED', ...config });
const remote = (over: Obj = {}, uri: Obj = {}): Obj => ({ remote: { http_uri: { uri: 'oci://reg.example/x@sha256:' + 'a'.repeat(64), cluster: '_', timeout: '30s', ...uri }, sha256: 'a'.repeat(64), ...over } });
const httpFilter = (discovery: Obj = {}): Obj => ({
  applyTo: 'HTTP_FILTER',
  match: { listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
  patch: { operation: 'INSERT_BEFORE', value: { name: 'ns.ext', config_discovery: { config_source: { ads: {}, initial_fetch_timeout: '0s' }, type_urls: [WASM, RBAC], ...discovery } } },
});
const without = (o: Obj, key: string): Obj => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

test('accepts the shapes it is meant to accept', () => {
  // istio-agent's deny-all fallback (istio/istio pkg/wasm/convert.go) as a default config.
  const denyAll = { '@type': RBAC, rules: {}, rules_stat_prefix: 'wasm-default-deny' };
  for (const patch of [
    wasmConfig(remote()),
    wasmConfig(remote({}, { uri: 'https://files.example/m.wasm' })),
    wasmConfig({ local: { filename: '/var/lib/wasm/x.wasm' } }),
    wasmConfig({ local: { inline_string: 'envoy.wasm.stats' } }, { configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: '{}' } }),
    // The older style: the Wasm message as a TypedStruct.
    extensionConfig({}, { typed_config: { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: WASM, value: { config: { vm_config: { code: remote() } } } } }),
    httpFilter(),
    httpFilter({ default_config: denyAll, apply_default_config_without_warming: true }),
  ]) {
    assert.equal(patchProblems(patch), [], JSON.stringify(patch));
  }
});

const REJECTED: Record<string, { patch: Obj; problem: RegExp }> = {
  'an empty sha256': { patch: wasmConfig(remote({ sha256: '' })), problem: /sha256: must NOT have fewer than 1 characters/ },
  'a remote without sha256': { patch: wasmConfig({ remote: without(remote().remote, 'sha256') }), problem: /must have required property 'sha256'/ },
  'a remote without cluster': { patch: wasmConfig({ remote: { ...remote().remote, http_uri: without(remote().remote.http_uri, 'cluster') } }), problem: /must have required property 'cluster'/ },
  'an empty cluster': { patch: wasmConfig(remote({}, { cluster: '' })), problem: /cluster: must NOT have fewer than 1 characters/ },
  'a remote without timeout': { patch: wasmConfig({ remote: { ...remote().remote, http_uri: without(remote().remote.http_uri, 'timeout') } }), problem: /must have required property 'timeout'/ },
  'a timeout of 2^32 seconds': { patch: wasmConfig(remote({}, { timeout: '4294967296s' })), problem: /timeout: must match pattern/ },
  'a file:// URL in http_uri': { patch: wasmConfig(remote({}, { uri: 'file:///var/lib/wasm/x.wasm' })), problem: /uri: must match pattern/ },
  'an unknown field': { patch: wasmConfig({ ...remote(), sha: 'x' }), problem: /additional properties \(sha\)/ },
  'an unknown field in PluginConfig': { patch: wasmConfig(remote(), { rootId: 'r' }), problem: /additional properties \(rootId\)/ },
  'code both local and remote': { patch: wasmConfig({ ...remote(), local: { filename: '/x.wasm' } }), problem: /must match exactly one schema in oneOf/ },
  'no code at all': { patch: wasmConfig({}), problem: /must match exactly one schema in oneOf/ },
  'no vm_config': { patch: wasmConfig(remote(), { vm_config: undefined }), problem: /must have required property 'vm_config'/ },
  'an empty filename': { patch: wasmConfig({ local: { filename: '' } }), problem: /filename: must NOT have fewer than 1 characters/ },
  'an unknown runtime': { patch: wasmConfig(remote(), { vm_config: { runtime: 'v8', code: remote() } }), problem: /runtime: must be equal to one of the allowed values/ },
  'an unknown failure_policy': { patch: wasmConfig(remote(), { failure_policy: 'FAIL_CLOSE' }), problem: /failure_policy: must be equal to one of the allowed values/ },
  'an extension config without name': { patch: extensionConfig({}, { name: undefined }), problem: /must have required property 'name'/ },
  'a typed_config of another type': { patch: extensionConfig({}, { typed_config: { '@type': RBAC } }), problem: /typed_config\/@type: must be equal to one of the allowed values/ },
  'configuration that is not an Any': { patch: wasmConfig(remote(), { configuration: { a: 1 } }), problem: /configuration: must have required property '@type'/ },
  'a StringValue configuration that is not a string': { patch: wasmConfig(remote(), { configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: { a: 1 } } }), problem: /configuration\/value: must be string/ },
  'a TypedStruct whose Wasm has no code': { patch: extensionConfig({}, { typed_config: { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: WASM, value: { config: {} } } }), problem: /must have required property 'vm_config'/ },
  'an HTTP filter without type_urls': { patch: httpFilter({ type_urls: [] }), problem: /type_urls: must NOT have fewer than 1 items/ },
  'an HTTP filter that does not allow the RBAC fallback': { patch: httpFilter({ type_urls: [WASM] }), problem: /type_urls: must contain at least 1 valid item/ },
  'an HTTP filter without config_source': { patch: httpFilter({ config_source: undefined }), problem: /must have required property 'config_source'/ },
  'an HTTP filter with inline config instead of discovery': { patch: { ...httpFilter(), patch: { operation: 'INSERT_BEFORE', value: { name: 'n', typed_config: { '@type': WASM } } } }, problem: /additional properties \(typed_config\)/ },
  'a default config with an unknown field': { patch: httpFilter({ default_config: { '@type': RBAC, rule: {} } }), problem: /additional properties \(rule\)/ },
  'an HTTP filter added after the router': { patch: { ...httpFilter(), patch: { ...httpFilter().patch, operation: 'ADD' } }, problem: /operation: must be equal to constant/ },
};

for (const [name, { patch, problem }] of Object.entries(REJECTED)) {
  test(`rejects ${name}`, () => {
    const problems = patchProblems(JSON.parse(JSON.stringify(patch)));
    assert.ok(problems.some((p) => problem.test(p)), `expected ${problem}; got:\n${problems.join('\n') || '(accepted)'}`);
  });
}

test.run();
