// A plugin's config is emitted with its keys in the order they are written, integer-like keys
// ("200", "1") included, which JavaScript objects would list first and ascending. The golden
// case test/cases/config-keys-as-written covers YAML, JSON files, JSON strings, overrides, an
// Istio WasmPlugin and every output kind as YAML; these check the other ways in and out, and the
// pieces.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { types } from 'node:util';
import { parseCommonYaml } from '../src/load/fast-yaml.ts';
import { inWrittenOrder } from '../src/load/in-written-order.ts';
import { parseJsonAsWritten } from '../src/load/parse-json-as-written.ts';
import { runCli } from './_cli.ts';
import { tempDir } from './_registry.ts';

const CASE = join(import.meta.dirname, 'cases', 'config-keys-as-written', 'input');

type Obj = Record<string, unknown>;

test('the golden case reaches both YAML paths: the fast parser reads native.yaml and the JSON file, the library library.yaml', () => {
  for (const f of ['native.yaml', 'envoy-filter.json', 'maistra.yaml', 'gloo.yaml', 'istio.yaml']) assert.ok(parseCommonYaml(readFileSync(join(CASE, f), 'utf8')) !== undefined, f);
  assert.is(parseCommonYaml(readFileSync(join(CASE, 'library.yaml'), 'utf8')), undefined);
});

test('--format json writes config keys as written', async () => {
  const r = await runCli(['render', CASE, '--offline', '--format', 'json']);
  assert.is(r.code, 0, r.stderr);
  const items = (parseJsonAsWritten(r.stdout) as { items: { kind: string; metadata: { name: string; namespace: string }; spec: Obj }[] }).items;
  const config = (name: string, namespace = 'istio-system') => {
    const spec = items.find((i) => i.metadata.name === name && i.metadata.namespace === namespace)!.spec;
    return JSON.stringify(spec.pluginConfig ?? (spec.wasm as Obj).pluginConfig);
  };
  assert.is(config('status-map', 'orders'), '{"503":"retry","name":"status-map","404":"not-found","10":"ten","2":"two","routes":[{"30":"c","4":"d","x":"e"}],"nested":{"9":"nine","inner":{"11":"eleven","1":"one"}}}');
  assert.is(config('status-map', 'payments'), '{"z":"last-first","7":"seven","0":"zero"}');
  assert.is(config('by-library'), '{"200":"ok","b":{"3":"three","a":"x","1":"one"},"100":"continue","copy":{"3":"three","a":"x","1":"one"}}');
  assert.is(config('json-string'), '{"b":1,"20":{"2":"x","1":"y"},"10":[{"5":5,"4":4}],"0":"escaped zero"}');
  // The EnvoyFilter's configuration is itself a JSON string, and the raw text shows the order.
  assert.ok(r.stdout.includes(String.raw`"value": "{\"limits\":{\"60\":100,\"1\":5},\"20\":\"twenty\",\"3\":\"three\"}"`), r.stdout);
});

test('render --diff against a previous output with the same config, YAML or JSON, finds no change', async () => {
  const json = await runCli(['render', CASE, '--offline', '--format', 'json']);
  const previous = join(tempDir(), 'previous.json');
  writeFileSync(previous, json.stdout);
  for (const before of [join(CASE, '..', 'expected.yaml'), previous]) {
    const r = await runCli(['render', CASE, '--offline', '--diff', before]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '', before);
    assert.match(r.stderr, /0 added, 0 removed, 0 changed/);
  }
});

/** A ResourceList as text, so that its keys are in the order written here. */
const RESOURCE_LIST = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: passed-through}
  data: {"2": two, "1": one}
- apiVersion: meshext.dev/v1alpha1
  kind: Extension
  metadata: {name: krm, namespace: istio-system}
  spec:
    image: reg.example/wasm/plain:1.0
    config: {"30": thirty, a: 1, "4": four}
`;

for (const [path, text] of [
  ['fast parser', RESOURCE_LIST],
  ['yaml library', `${RESOURCE_LIST}#\ttab: the fast parser declines this text\n`],
] as const) {
  test(`KRM (${path}): items passed through and rendered keep their keys as written`, async () => {
    assert.is(parseCommonYaml(text) === undefined, path === 'yaml library');
    const r = await runCli([], { cwd: CASE, stdin: text, stdinIsTTY: false });
    assert.is(r.code, 0, r.stderr);
    const at = (s: string) => {
      const i = r.stdout.indexOf(s);
      assert.ok(i >= 0, `${s} missing from\n${r.stdout}`);
      return i;
    };
    assert.ok(at('"2": two') < at('"1": one'), r.stdout);
    assert.ok(at('"30": thirty') < at('a: 1') && at('a: 1') < at('"4": four'), r.stdout);
  });
}

test('parseJsonAsWritten: JSON.parse values, keys in written order', () => {
  const cases = [
    '{"b": 1, "2": [{"1": null, "0": true}], "1": {"x": -0.5e3}}',
    '{"k": "\\"1\\": not a key", "3": "a \\\\", "2": "{\\"9\\": 1}"}', // quotes, colons and braces inside strings
    '{"\\u0031": "escaped one", "a": 1, "0": 0}',
    '{"1": "first", "b": 2, "1": "last"}', // a repeated key keeps its first place and its last value
    '{"__proto__": {"1": 1}, "0": 0}',
    '{\t"2"\t:\r\n 2, "1": 1}',
    '[{"2": 2, "1": 1}]',
    '"just a string"',
  ];
  for (const text of cases) {
    const value = parseJsonAsWritten(text);
    assert.equal(value, JSON.parse(text), text);
  }
  assert.is(JSON.stringify(parseJsonAsWritten(cases[0]!)), '{"b":1,"2":[{"1":null,"0":true}],"1":{"x":-500}}');
  assert.is(JSON.stringify(parseJsonAsWritten(cases[1]!)), String.raw`{"k":"\"1\": not a key","3":"a \\","2":"{\"9\": 1}"}`);
  assert.is(JSON.stringify(parseJsonAsWritten(cases[2]!)), '{"1":"escaped one","a":1,"0":0}');
  assert.is(JSON.stringify(parseJsonAsWritten(cases[3]!)), '{"1":"last","b":2}');
  const proto = parseJsonAsWritten(cases[4]!) as Obj;
  assert.ok(Object.hasOwn(proto, '__proto__') && Object.getPrototypeOf(proto) === Object.prototype);
  assert.is(JSON.stringify(proto), '{"__proto__":{"1":1},"0":0}');
  assert.is(JSON.stringify(parseJsonAsWritten(cases[5]!)), '{"2":2,"1":1}');
  assert.throws(() => parseJsonAsWritten('{"1": 1,}'));
  // Without an integer-like key, JSON.parse's own objects come back: nothing to wrap.
  assert.not.ok(types.isProxy(parseJsonAsWritten('{"a": {"b": [1]}}')));
  assert.not.ok(types.isProxy((parseJsonAsWritten('{"a": {"b": 1}, "1": 1}') as Obj).a));
});

test('inWrittenOrder: plain when JavaScript already lists the keys so; otherwise every reader sees the written order, through changes', () => {
  const plain = { 1: 'a', 2: 'b', x: 'c' };
  assert.is(inWrittenOrder(plain, ['1', '2', 'x']), plain);
  const o = inWrittenOrder({ 1: 'one', b: 'bee', 0: 'zero' } as Obj, ['b', '1', '0']);
  assert.ok(types.isProxy(o));
  assert.equal(Object.keys(o), ['b', '1', '0']);
  const seen: string[] = [];
  for (const k in o) seen.push(k);
  assert.equal(seen, ['b', '1', '0']);
  assert.is(JSON.stringify(o), '{"b":"bee","1":"one","0":"zero"}');
  assert.equal(Object.entries(o)[1], ['1', 'one']);
  o['5'] = 'five';
  delete o['1'];
  o.b = 'changed';
  assert.is(JSON.stringify(o), '{"b":"changed","0":"zero","5":"five"}');
  assert.equal(o, { 0: 'zero', 5: 'five', b: 'changed' });
  Object.freeze(o);
  assert.equal(Object.keys(o), ['b', '0', '5']);
});

test.run();
