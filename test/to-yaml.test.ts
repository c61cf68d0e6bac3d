// The hand-written serializer against the `yaml` library's parser (YAML 1.2 core and 1.1):
// whatever we print must read back as exactly the value we printed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { toYaml, toYamlStream, isPlainSafe } from '../src/emit/to-yaml.ts';
import type { Plain } from '../src/emit/to-yaml.ts';

const TRICKY = ['', ' ', 'a ', ' a', 'yes', 'No', 'ON', 'off', 'y', 'n', 'Y', 'true', 'False', 'null', 'Null', '~', '0', '0777', '0x1f', '1e3', '1_000', '1:20', '.5', '-1', '+1', '.inf', '-.inf', '.NaN', '2001-12-14', 'a: b', 'a #b', 'a#b', '#x', '- x', '-x', '? x', '@x', '`x', '!x', '&x', '*x', '|x', '>x', '%x', "'x", '"x', '{x}', '[x]', 'x,y', 'line\nbreak', 'tab\there', 'trailing:', 'oci://reg.example/x@sha256:abc', 'app.kubernetes.io/managed-by', '@type', 'unicode é ✓', '\u2028', '<<', '=', 'a\\b', '😀'];

test('every tricky string survives a round trip, as value and as key', () => {
  for (const s of TRICKY) {
    const doc: Plain = { [s]: s, list: [s] };
    for (const version of ['1.1', '1.2'] as const) assert.equal(parse(toYaml(doc), { version }), doc, JSON.stringify(s) + ' in YAML ' + version);
  }
});

test('nested structures round-trip and use kubectl layout', () => {
  const doc: Plain = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: {} }, spec: { list: [{ a: 1, b: [true, null, 2.5] }, [1, [2]], []], empty: {}, num: -3 } };
  const text = toYaml(doc);
  assert.equal(parse(text), doc);
  assert.is(
    text,
    'apiVersion: v1\nkind: X\nmetadata:\n  name: a\n  labels: {}\nspec:\n  list:\n  - a: 1\n    b:\n    - true\n    - null\n    - 2.5\n  - - 1\n    - - 2\n  - []\n  empty: {}\n  num: -3\n',
  );
});

test('a stream separates documents with ---', () => {
  assert.is(toYamlStream([{ a: 1 }, { b: 2 }]), 'a: 1\n---\nb: 2\n');
  assert.is(toYamlStream([]), '');
});

test('plain-safe strings are left unquoted', () => {
  for (const s of ['istio-system', 'oci://reg.example/x@sha256:abc', 'app.kubernetes.io/managed-by', 'AUTHZ', 'hello world']) assert.ok(isPlainSafe(s), s);
  for (const s of ['yes', '123', '@type', 'a: b', '']) assert.not.ok(isPlainSafe(s), s);
});

test('random JSON values round-trip', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const gen = (depth: number): Plain => {
    const r = rnd();
    if (depth > 3 || r < 0.4) return pick<Plain>([pick(TRICKY), Math.floor(rnd() * 1e6) - 5e5, rnd(), true, false, null]);
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(TRICKY), gen(depth + 1)]));
  };
  for (let i = 0; i < 300; i++) {
    const doc = { root: gen(0) };
    assert.equal(parse(toYaml(doc), { version: '1.1' }), doc);
    assert.equal(parse(toYaml(doc)), doc);
  }
});

test('non-finite numbers print as YAML floats', () => {
  assert.is(toYaml({ a: Infinity, b: -Infinity, c: NaN }), 'a: .inf\nb: -.inf\nc: .nan\n');
});

test.run();
