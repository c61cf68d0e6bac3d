// The hand-written serializer against the `yaml` library's parser (YAML 1.2 core and 1.1):
// whatever we print must read back as exactly the value we printed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { markShared, toYaml, toYamlStream, writeYamlBytes, writeYamlStream, isPlainSafe } from '../src/emit/to-yaml.ts';
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

/** Documents that reuse shared objects at several depths, under other keys and after a dash, beside the same data unshared. */
function sharingDocs(): { shared: Plain[]; plain: Plain[] } {
  const spec: Plain = { selector: { matchLabels: { app: 'a' } }, list: [{ a: 1, b: ['x', 'yes'] }, []], empty: {}, 'a: b': '😀', wide: 'ü'.repeat(40) };
  const list: Plain = ['x', { y: null }, [1, 2]];
  const long = 'é'.repeat(5000);
  const make = (s: (o: Plain) => Plain): Plain[] =>
    ['ns-1', 'ns-2', 'yes'].flatMap((ns): Plain[] => [
      { apiVersion: 'v1', kind: 'X', metadata: { name: 'n', namespace: ns, labels: s({ 'app.kubernetes.io/managed-by': 'meshext' }) }, spec: s(spec) },
      { other: s(spec), nested: { spec: s(spec), items: [s(spec), s(list)], list: s(list) }, long },
      [s(list), s(spec)],
      ns,
    ]);
  return { shared: make((o) => markShared(o as object) as Plain), plain: make((o) => structuredClone(o)) };
}

test('shared objects print as their unshared copies would, at every depth and under every key', () => {
  const { shared, plain } = sharingDocs();
  const text = toYamlStream(plain);
  assert.is(toYamlStream(shared), text);
  assert.equal(parse(toYaml({ docs: shared })), { docs: plain });
});

test('the byte stream is the text stream in UTF-8, however small its chunks', () => {
  const { shared } = sharingDocs();
  const text = toYamlStream(shared);
  for (const size of [1, 7, 16, 100, 333, 4096, 1 << 20]) {
    const chunks: Buffer[] = [];
    // Each chunk is a view of a buffer the next one reuses: copy it.
    writeYamlBytes(shared, (b) => void chunks.push(Buffer.from(b)), size);
    assert.ok(Buffer.concat(chunks).equals(Buffer.from(text)), `chunks of ${size}`);
  }
  const parts: string[] = [];
  writeYamlStream(shared, (c) => void parts.push(c));
  assert.is(parts.join(''), text);
  const none: Buffer[] = [];
  writeYamlBytes([], (b) => void none.push(Buffer.from(b)));
  assert.is(Buffer.concat(none).length, 0);
});

test('non-finite numbers print as YAML floats', () => {
  assert.is(toYaml({ a: Infinity, b: -Infinity, c: NaN }), 'a: .inf\nb: -.inf\nc: .nan\n');
});

test.run();
