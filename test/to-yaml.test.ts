// The hand-written serializer against the `yaml` library's parser (YAML 1.2 core and 1.1):
// whatever we print must read back as exactly the value we printed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { markCopy, markShared, toYaml, toYamlStream, writeYamlBytes, writeYamlStream, isPlainSafe } from '../src/emit/to-yaml.ts';
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

/** A deep copy that keeps shared objects themselves (a copy of a document shares what its model shares). */
function copyOf<T extends Plain>(v: T, shared: ReadonlySet<object>): T {
  if (v === null || typeof v !== 'object' || shared.has(v)) return v;
  if (Array.isArray(v)) return v.map((x) => copyOf(x, shared)) as unknown as T;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyOf(x, shared)])) as T;
}

/** The stream as text and as bytes, both checked against the same documents with no sharing and no copy marks. */
function assertPrintsAsPlain(docs: Plain[], what: string): void {
  const text = toYamlStream(structuredClone(docs));
  assert.is(toYamlStream(docs), text, what);
  const chunks: Buffer[] = [];
  writeYamlBytes(docs, (b) => void chunks.push(Buffer.from(b)), 64);
  assert.ok(Buffer.concat(chunks).equals(Buffer.from(text)), `${what} (bytes)`);
}

test('a document marked as a copy prints as itself, whether or not it agrees with its model', () => {
  const labels = markShared({ team: 'a' });
  const spec = markShared({ list: [1, 'two', { three: 3 }], nested: { deep: 'x' } });
  const item = markShared({ s: 'shared, but a sequence item' });
  const shared = new Set<object>([labels, spec, item]);
  const model = { apiVersion: 'v1', kind: 'X', metadata: { name: 'n', namespace: 'ns-0', labels }, spec, items: [{ name: 'ns-0.n', port: 80 }, 'x', item, []] as Plain[], n: 1 };
  type Doc = typeof model & { [k: string]: Plain };
  const changes: ((d: Doc) => void)[] = [
    () => {},
    (d) => (d.metadata.namespace = 'ns-1'),
    (d) => {
      d.metadata.namespace = 'yes';
      d.items[0] = { name: 'a: b', port: 8080 };
      d.n = 'one' as unknown as number;
    },
    (d) => (d.n = null as unknown as number),
    (d) => (d.n = { x: 1 } as unknown as number),
    (d) => (d.metadata.namespace = { x: 1 } as unknown as string),
    (d) => (d.spec = markShared({ list: [], nested: { deep: 'x' } })),
    (d) => (d.spec = structuredClone(spec)),
    (d) => ((d.metadata as Record<string, Plain>).extra = 'x'),
    (d) => delete (d.metadata as Partial<Doc['metadata']>).labels,
    (d) => (d.metadata = { namespace: 'ns-0', name: 'n', labels }),
    (d) => d.items.push(2),
    (d) => d.items.pop(),
    (d) => (d.items[1] = ['x']),
    (d) => (d.items[2] = { s: 'another item' }),
    (d) => (d.items[3] = [1]),
    (d) => (d.metadata.labels = {} as typeof labels),
    (d) => (d.extra = 'a new last key'),
  ];
  for (const [i, change] of changes.entries()) {
    const copy = copyOf(model, shared) as Doc;
    change(copy);
    const again = copyOf(model, shared) as Doc;
    change(again);
    again.metadata.namespace = 'ns-2';
    // The model before and after its copies, copies of copies, and a document marked as a copy of itself.
    assertPrintsAsPlain([markCopy(copyOf(model, shared), model), model, markCopy(copy, model), markCopy(again, copy), markCopy(again, model), markCopy(copyOf(model, shared), model)], `change ${i}`);
  }
  const self = copyOf(model, shared);
  assertPrintsAsPlain([markCopy(self, self), markCopy({}, model), markCopy({ a: 1 }, {}), markCopy({ a: 1 }, [1] as unknown as object)], 'odd models');
});

test('random copies of random documents print as themselves', () => {
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const scalarOf = (): Plain => pick<Plain>([pick(TRICKY), Math.floor(rnd() * 1000), true, null]);
  const pool: object[] = [];
  const gen = (depth: number): Plain => {
    const r = rnd();
    if (depth > 3 || r < 0.4) return scalarOf();
    if (r < 0.5 && pool.length > 0) return pick(pool) as Plain;
    const v: Plain = r < 0.75 ? Array.from({ length: Math.floor(rnd() * 3) }, () => gen(depth + 1)) : Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(TRICKY), gen(depth + 1)]));
    if (rnd() < 0.2) pool.push(markShared(v as object));
    return v;
  };
  // Mostly scalars changed, sometimes a scalar for a collection or the other way round.
  const mutate = (v: Plain, shared: ReadonlySet<object>): Plain => {
    if (v === null || typeof v !== 'object') return rnd() < 0.3 ? (rnd() < 0.9 ? scalarOf() : gen(2)) : v;
    if (shared.has(v) || rnd() < 0.05) return rnd() < 0.1 ? scalarOf() : v;
    if (Array.isArray(v)) return v.map((x) => mutate(x, shared));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mutate(x, shared)]));
  };
  for (let i = 0; i < 200; i++) {
    const model = { root: gen(0), ns: 'a' };
    const shared = new Set(pool);
    const copies = Array.from({ length: 3 }, () => markCopy(Object.fromEntries(Object.entries(model).map(([k, x]) => [k, mutate(x, shared)])), model) as Plain);
    assertPrintsAsPlain([model, ...copies], `run ${i}`);
  }
});

test('an enumerable inherited key makes a copy print in full, not pass as its model', () => {
  const model = { a: 'x', b: { c: 'v' } };
  const copy = markCopy({ a: 'z', b: { c: 'w' } }, model);
  const proto = Object.prototype as Record<string, unknown>;
  proto.polluted = 'yes';
  try {
    assert.is(toYamlStream([model, copy]), 'a: x\nb:\n  c: v\n---\na: z\nb:\n  c: w\n');
  } finally {
    delete proto.polluted;
  }
});

test('non-finite numbers print as YAML floats', () => {
  assert.is(toYaml({ a: Infinity, b: -Infinity, c: NaN }), 'a: .inf\nb: -.inf\nc: .nan\n');
});

test.run();
