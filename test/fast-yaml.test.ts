// The fast YAML parser (src/load/fast-yaml.ts) against the `yaml` library it stands in for: for
// every text it accepts, the library must accept it too and give the same documents (index, value,
// key order) and the same [line, col] for every path in them; and the keys of every map must come
// in the order the text writes them (the library's syntax tree says which), integer-like keys
// ("10", "2") included, which plain JavaScript objects would list first. It may decline anything;
// the tests also pin what it must accept, so a parser that declines everything fails here. The
// generated maps are Maps, so that they are written with integer-like keys in any order.
// Seeded: FC_SEED=<n> reproduces a property run, FC_RUNS=<n> changes its size.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node } from 'yaml';
import { commonYamlLocator, parseCommonYaml } from '../src/load/fast-yaml.ts';
import { parseWithLibrary } from '../src/load/parse-yaml-library.ts';
import { parseResourceList } from '../src/load/parse-resource-list.ts';

const SEED = Number(process.env.FC_SEED ?? 20261123);
const RUNS = Number(process.env.FC_RUNS ?? 400);

type Path = (string | number)[];

function pathsOf(v: unknown, p: Path = [], out: Path[] = []): Path[] {
  out.push(p);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...p, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) pathsOf((v as Record<string, unknown>)[k], [...p, k], out);
  // A path that leaves the document is located at its nearest ancestor: try one below every leaf.
  if (p.length > 0 && (v === null || typeof v !== 'object')) out.push([...p, 'missing']);
  return out;
}

/** Undefined when the fast parser declines; otherwise the first difference from the library, or '' if none. */
function compare(text: string): string | undefined {
  const fast = parseCommonYaml(text);
  if (fast === undefined) return undefined;
  const errors: string[] = [];
  const lib = parseWithLibrary(text, 'f.yaml', (d) => errors.push(`${d.line}:${d.col} ${d.message}`));
  if (errors.length > 0) return `the library refuses what the fast parser accepted: ${errors[0]}`;
  const a = JSON.stringify(fast.map((d) => [d.index, d.value]));
  const b = JSON.stringify(lib.map((d) => [d.index, d.value]));
  if (a !== b) return `values differ:\n  fast ${a.slice(0, 400)}\n  yaml ${b.slice(0, 400)}`;
  // JSON shows key order; deep strict equality tells -0 from 0 and an own `toString` from the inherited one.
  if (!isDeepStrictEqual(fast.map((d) => d.value), lib.map((d) => d.value))) return 'values differ beyond JSON (-0? an own property?)';
  const trees = parseAllDocuments(text);
  for (const doc of lib) {
    const order = keyOrderProblem((trees as { contents: unknown }[])[doc.index]!.contents, doc.value, []);
    if (order !== '') return `document ${doc.index}: ${order}`;
  }
  const locate = commonYamlLocator(text, fast);
  for (const doc of lib) {
    for (const p of pathsOf(doc.value)) {
      const want = doc.locate(p);
      const got = locate(doc.index, p);
      if (want[0] !== got[0] || want[1] !== got[1]) return `document ${doc.index} ${JSON.stringify(p)}: yaml at ${want}, fast at ${got}`;
    }
  }
  return '';
}

/** Where a value lists a map's keys in another order than its syntax tree writes them, or '' if nowhere. */
function keyOrderProblem(node: unknown, value: unknown, path: Path): string {
  if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const problem = keyOrderProblem(item, (value as unknown[])[i], [...path, i]);
      if (problem !== '') return problem;
    }
  } else if (isMap(node)) {
    const keys = node.items.map((p) => (isScalar(p.key) ? (p.key.value === null ? '' : String(p.key.value)) : undefined));
    if (keys.includes(undefined) || new Set(keys).size < keys.length) return ''; // a key of another kind, or set twice: no single order to check
    const read = Object.keys(value as object);
    if (read.join('\0') !== keys.join('\0')) return `${JSON.stringify(path)} written with keys ${JSON.stringify(keys)}, read with ${JSON.stringify(read)}`;
    for (const [i, p] of node.items.entries()) {
      const problem = keyOrderProblem(p.value as Node, (value as Record<string, unknown>)[keys[i]!], [...path, keys[i]!]);
      if (problem !== '') return problem;
    }
  }
  return '';
}

/** A generated map's entries in the order they are to be written. */
function entriesOf(v: unknown): [string, unknown][] {
  return v instanceof Map ? [...(v as Map<string, unknown>)] : Object.entries(v as object);
}

/** For a property: false when declined, true when accepted and read as the library reads it; throws otherwise. */
function agrees(text: string): boolean {
  const diff = compare(text);
  if (diff === undefined) return false;
  if (diff !== '') throw new Error(`${diff}\ntext:\n${text}`);
  return true;
}

function yamlFilesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFilesUnder(p, out);
    else if (/\.(ya?ml|json|lock)$/.test(name)) out.push(p);
  }
  return out;
}

test('every YAML file in test/ and examples/ the fast parser accepts reads the same with the library, values and positions', () => {
  const files = [...yamlFilesUnder('test'), ...yamlFilesUnder('examples')];
  let accepted = 0;
  for (const f of files) {
    const diff = compare(readFileSync(f, 'utf8'));
    if (diff === undefined) continue;
    accepted++;
    assert.is(diff, '', f);
  }
  // The corpus is mostly valid declarations: the fast path must take nearly all of them.
  assert.ok(accepted > files.length * 0.85, `accepted ${accepted} of ${files.length}`);
});

// Texts the fast parser must take (what declaration repositories are written in), each checked against the library.
const ACCEPTED = [
  'a: 1\nb: -1\nc: +1\nd: 0o17\ne: 0x1F\nf: 1.5\ng: .5\nh: 1.\ni: 1e3\nj: -1.5E-3\nk: 12345678901234567890\nl: -0\nm: 0777\n',
  'a: ~\nb: null\nc: Null\nd: NULL\ne: nUll\nf: true\ng: True\nh: TRUE\ni: tRue\nj: yes\nk: on\nl: 2024-01-01\nm: 1:30\n',
  'a: "x\\ty\\u00e9\\x41\\"\\\\ \\/ \\e\\N\\_\\L\\P"\nb: \'it\'\'s\'\nc: ""\nd: \'\'\ne: "a # b"\nf: b # c\ng: b#c\nh: http://x:80/y\n',
  'a: [a, b, c]\nb: []\nc: {}\nd: [ ]\ne: {b: 1, c: [1, 2]}\nf: [a, ]\ng: {b: 1, }\nh: {b: }\ni: {"b":1}\nj: [-1, -a, http://x:1]\nk: {b: c:d}\n',
  'a: |\n  x\n  y\nb: |-\n  x\n\n  y\nc: >\n  x\n  y\n\n  z\nd: >-\n  x\ne: |\n\n  # kept\n   more\nf: >\n\n  x\n',
  'list:\n- 1\n- b: 2\n  c: 3\n-\n  d: 4\n- - 5\n  - 6\nnext:\n  - x\n  -\n  - y: [1]\n',
  '# c\n---\na: 1\n---\n---\nb: 2\n--- # c\nc: 3\n',
  '  a: 1\n  b:\n    c: 2\n',
  '{"apiVersion": "v1",\n "kind": "Namespace",\n "metadata": {"name": "x",\n   "labels": {"a": "b"}}}\n',
  'toString: 1\nconstructor: {a: 1}\nhasOwnProperty: x\n',
  'a: é\né: 😀\nb: x\u00a0y\n',
  'a: |\n  x',
  '"10": a\nb: b\n"2": {"1": x, c: y, "0": z}\n"4294967295": c\n"1": [{"3": 3, "03": 4, "2": 2}]\n',
  '{"200": ok, "1": {"b": 1, "0": 0}}\n',
  `a: 1e308\nb: -1e-400\n${'k'.repeat(1023)}: 1\n`,
];

test('accepts the common subset, and reads it as the library does', () => {
  for (const text of ACCEPTED) {
    const diff = compare(text);
    assert.ok(diff !== undefined, `declined: ${JSON.stringify(text)}`);
    assert.is(diff, '', JSON.stringify(text));
  }
});

// Texts the library reads differently from a naive reading, or refuses: the fast parser must decline them.
const DECLINED = [
  'a: b\n  c', // a plain scalar over two lines
  'a: "x\n  y"',
  'a: 1\nb: 2\na: 3', // duplicate key: the library reports it
  'a: &x 1\nb: *x',
  'a: !!str 1',
  '? a\n: 1',
  '1: a', // a key that is not a string
  'null: a',
  '__proto__: 1',
  '<<: {a: 1}',
  'a: .inf',
  'a: .nan',
  '%YAML 1.1\n---\na: 1',
  'a: 1\n...\n',
  '- a', // not a map: the library says so
  'a',
  'a:\tb',
  'a: 1\r\n',
  '\ufeffa: 1',
  'a: |+\n  x\n\n',
  'a: |2\n   x\n',
  'a: >\n  x\n   y\n', // a more-indented line in a folded scalar
  'a: [1,\n2]', // a flow continuation at the parent's indentation
  'a: b: c',
  'a: - b',
  'a: {b}',
  'a: [a: b]',
  'a: "\\uD800"',
  'a:\n-\n#c\n  x\n- y', // the library reads the one item "x - y": a comment line made it forget the indentation
  'a:\n-\n\n# c\n  x\n- y',
  'a:\n#c\n  x\nb: 1', // and here refuses a two-line key "x b"
  '{a: 1\n# c\n}', // the library: "Comments must be separated from other tokens by white space"
  'a: {b: [1]\n# c\n  }',
  'a: 1\n... b: 1', // a document end marker, then content: not a key `... b`
  'a:\n- \n... b: 1',
  '{a: 1}\nb: 2', // content after a flow root: the library refuses it
  '{a: 1}\n{b: 2}',
  'a: 1e400', // past the double range: Infinity, not JSON data
  'a: [-1e400]',
  `a: ${'9'.repeat(400)}`,
  `a: 0x${'f'.repeat(300)}`,
  // The library measures a key's 1024 from the end of the node before it, which for an empty
  // value or item lies before the line break, and before any blank lines of spaces after it.
  `a:\n${'k'.repeat(1024)}: 1`,
  `x:\n  a:\n  ${'k'.repeat(1022)}: 1`,
  `x:\n- a:\n  ${'k'.repeat(1022)}: 1`,
  `a:\n  -\n${' '.repeat(1100)}\nk: 1`,
];

test('declines what it does not read exactly as the library does, errors included', () => {
  for (const text of DECLINED) assert.is(parseCommonYaml(text), undefined, JSON.stringify(text));
});

// Random documents in every style the subset has, and random damage to them.
const keyArb = fc.oneof(
  fc.constantFrom('a', 'name', 'apiVersion', 'x-y', 'a.b/c', 'é', 'true', 'null', '1', '0', '10', '200', '01', '4294967294', '4294967295', 'key with space', 'with: colon', "it's", 'a#b', '-dash', '?q', '*s'),
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '#', '-', '"', "'", '\\', ',', '[', '{', '.', '0', 'é'), maxLength: 6 }),
);
const scalarArb = fc.oneof(
  fc.constantFrom('', ' ', 'x', 'true', 'False', 'null', '~', '0', '-0', '0o7', '0x1f', '1.5', '.5', '1e3', '.inf', 'a: b', 'a #b', 'a#b', '- x', '[x]', '{x}', "'", '"', 'é', '😀', 'multi\nline', 'tab\there', '\\'),
  fc.string({ unit: fc.constantFrom('a', ' ', ':', '#', '-', '"', "'", '\\', ',', '[', ']', '{', '}', '|', '>', '\n', '0', '.', '@'), maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.uniqueArray(fc.tuple(keyArb, tie('value')), { maxLength: 4, selector: (e) => e[0] }).map((e) => new Map(e)),
})).value;
const rootArb = fc.uniqueArray(fc.tuple(keyArb, valueArb), { minLength: 1, maxLength: 5, selector: (e) => e[0] }).map((e) => new Map(e));
const styleArb = fc.record({ flow: fc.integer({ min: 0, max: 3 }), quote: fc.integer({ min: 0, max: 2 }), block: fc.integer({ min: 0, max: 2 }), indent: fc.integer({ min: 1, max: 4 }), compact: fc.boolean() });
type Style = { flow: number; quote: number; block: number; indent: number; compact: boolean };

/** A scalar written plainly when it is safe to try, single- or double-quoted otherwise (the parser decides). */
function scalar(v: unknown, s: Style): string {
  if (typeof v !== 'string') return String(v);
  if (s.quote === 0 && v !== '' && !/[\n\\"']/.test(v)) return v; // plain, possibly ambiguous: the point
  if (s.quote === 1 && !v.includes('\n')) return `'${v.replace(/'/g, "''")}'`;
  return JSON.stringify(v);
}

function flow(v: unknown, s: Style): string {
  if (Array.isArray(v)) return `[${v.map((x) => flow(x, s)).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${entriesOf(v).map(([k, x]) => `${scalar(k, s)}: ${flow(x, s)}`).join(', ')}}`;
  return scalar(v, s);
}

function block(v: unknown, s: Style, indent: number): string {
  const pad = ' '.repeat(indent);
  const nested = (x: unknown, at: number): string => {
    if (Array.isArray(x) ? x.length === 0 : x !== null && typeof x === 'object' ? entriesOf(x).length === 0 : true) {
      if (typeof x === 'string' && x.includes('\n') && s.block > 0 && !x.startsWith(' ') && !/\n /.test(x) && !/\s\n|\s$/.test(x)) return ` ${s.block === 1 ? '|' : '|-'}\n${x.replace(/\n$/, '').split('\n').map((l) => (l ? ' '.repeat(at + s.indent) + l : '')).join('\n')}\n`;
      return ` ${flow(x, s)}\n`;
    }
    if (s.flow === 3) return ` ${flow(x, s)}\n`;
    return `\n${block(x, s, at + s.indent)}`;
  };
  if (Array.isArray(v)) return v.map((x) => `${pad}-${nested(x, indent)}`).join('');
  return entriesOf(v)
    .map(([k, x]) => `${pad}${scalar(k, s)}:${nested(x, indent)}`)
    .join('');
}

test('random documents in random styles: accepted ones read as the library reads them', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(rootArb, { minLength: 1, maxLength: 3 }), styleArb, (docs, s) => {
      const text = docs.map((d) => (s.flow === 0 ? `${flow(d, s)}\n` : block(d, s, 0))).join('---\n');
      if (agrees(text)) accepted++;
      return true;
    }),
    { seed: SEED, numRuns: RUNS * 5 },
  );
  assert.ok(accepted > RUNS, `only ${accepted} of ${RUNS * 5} accepted`);
});

// Layouts the style generator above does not write: compact `- a: 1` and `- - x`, lists at their
// key's indentation, flow collections over lines, block scalars, comments, blank lines (of spaces
// too), empty values and items, indented roots, empty documents, keys near the 1024 limit. Each
// choice reads the next number of a tape, so fast-check can shrink a failing layout.
type Tape = () => number;
const LAYOUT_SCALARS = ['x', 'a b', 'true', '1', '-0', '0x1f', '1e3', '1e400', '~', 'null', '', 'é😀', 'a: b', 'a #b', 'a#b', '- x', ':x', '-x', '?x', 'x:', '[x]', "it's", '"q"', '---', '...', '#', 'a,b', ' x', 'x ', '\u00a0', 'l1\nl2', 'l1\n\nl2\n'];
const LAYOUT_KEYS = ['a', 'b', 'key', 'x-y', 'a.b/c', 'é', 'true', '1', '10', '2', '0', 'a b', "it's", 'a#b', '-d', '?q', ':c', 'toString', '__proto__', '<<', '---', '...', '... x', '--- x', 'k'.repeat(1015), 'k'.repeat(1023)];

function layoutValue(pick: (n: number) => number, depth: number): unknown {
  const r = pick(depth > 3 ? 5 : 10);
  if (r < 5) return [pick(1000) - 500, null, true, 1.5, LAYOUT_SCALARS[pick(LAYOUT_SCALARS.length)]][r];
  if (r < 8) return new Map(Array.from({ length: 1 + pick(4) }, () => [LAYOUT_KEYS[pick(LAYOUT_KEYS.length)]!, layoutValue(pick, depth + 1)]));
  return Array.from({ length: 1 + pick(4) }, () => layoutValue(pick, depth + 1));
}

function layoutStream(next: Tape): string {
  const pick = (n: number): number => next() % n;
  const scalar = (v: unknown): string => {
    if (typeof v !== 'string') return String(v);
    const q = pick(4);
    if (q <= 1 && v !== '' && !/[\n"'\\]/.test(v)) return v;
    return q === 2 && !v.includes('\n') ? `'${v.replace(/'/g, "''")}'` : JSON.stringify(v);
  };
  const eol = (): string => [' # c', '  #c: d', ' ', '', '', '', '', ''][pick(8)]!;
  const between = (ind: number): string => [`\n`, `${' '.repeat(pick(ind + 4))}\n`, `${' '.repeat(pick(ind + 4))}# note\n`, `${' '.repeat(pick(ind + 4))}#note\n`, `${' '.repeat(pick(3) * 40)}\n`][pick(12)] ?? '';
  // A flow collection whose continuation lines are indented at least `min` columns.
  const flow = (v: unknown, min: number): string => {
    const br = (): string => [`\n${' '.repeat(min + pick(3))}`, ` # c\n${' '.repeat(min + pick(2))}`, `\n${' '.repeat(pick(2) * min)}# c\n${' '.repeat(min)}`, '', ' '][pick(5)]!;
    if (Array.isArray(v)) return `[${br()}${v.map((x) => flow(x, min)).join(`,${br()}`)}${pick(4) === 0 ? ',' : ''}${br()}]`;
    if (v !== null && typeof v === 'object') return `{${br()}${entriesOf(v).map(([k, x]) => `${scalar(k)}:${pick(5) === 0 ? '' : ' '}${x === null && pick(2) ? '' : flow(x, min)}`).join(`,${br()}`)}${br()}}`;
    return scalar(v);
  };
  const blockScalar = (v: string, ind: number): string | undefined => {
    if (!v.includes('\n') || /^ |\n /.test(v)) return undefined;
    const chomp = v.endsWith('\n') ? '' : '-';
    const lines = v.replace(/\n$/, '').split('\n').map((l) => (l ? ' '.repeat(ind) + l : ''));
    if (pick(3) === 0) return `>${chomp}\n${lines.join('\n').replace(/\n\n/g, '\n\n\n')}\n`; // folded: n + 1 breaks keep n
    return `|${chomp}${eol()}\n${lines.join('\n')}\n${pick(3) === 0 ? '\n' : ''}`;
  };
  // What follows `key:` or `-` for a value, through its last line break.
  const after = (v: unknown, ind: number, inList: boolean): string => {
    const step = 1 + pick(3);
    if (Array.isArray(v) && v.length > 0 && pick(3) !== 0) {
      if (inList && pick(2) === 0) return ` ${block(v, ind + 2).slice(ind + 2)}`; // - - x
      return `${eol()}\n${between(ind)}${block(v, !inList && pick(2) === 0 ? ind : ind + step)}`;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && entriesOf(v).length > 0 && pick(3) !== 0) {
      if (inList && pick(2) === 0) return `${' '.repeat(step)}${block(v, ind + 1 + step).slice(ind + 1 + step)}`; // - a: 1
      return `${eol()}\n${between(ind)}${block(v, ind + step)}`;
    }
    const b = typeof v === 'string' ? blockScalar(v, ind + step) : undefined;
    if (b !== undefined && pick(2) === 0) return ` ${b}`;
    if (v === null && pick(2) === 0) return `${[' ', '', '   '][pick(3)]}${eol()}\n`;
    if (pick(6) === 0) return `${eol()}\n${between(ind)}${' '.repeat(ind + step)}${flow(v, ind + step + 1)}${eol()}\n`;
    return `${[' ', ' ', '  '][pick(3)]}${flow(v, ind + 1)}${eol()}\n`;
  };
  const block = (v: unknown, ind: number): string => {
    const pad = ' '.repeat(ind);
    if (Array.isArray(v)) return v.map((x) => `${pad}-${after(x, ind, true)}${between(ind)}`).join('');
    return entriesOf(v).map(([k, x]) => `${pad}${scalar(k)}${pick(10) === 0 ? ' ' : ''}:${after(x, ind, false)}${between(ind)}`).join('');
  };
  let out = pick(3) === 0 ? '# head\n' : '';
  for (let i = 1 + pick(3); i > 0; i--) {
    if (out !== '' || pick(3) === 0) out += ['---\n', '--- # c\n', '---\n---\n', '---\n# only\n---\n', '--- \n\n'][pick(5)];
    const map = new Map(Array.from({ length: 1 + pick(4) }, () => [LAYOUT_KEYS[pick(LAYOUT_KEYS.length)]!, layoutValue(pick, 1)]));
    out += pick(6) === 0 ? `${flow(map, 0)}${eol()}\n` : block(map, pick(8) === 0 ? 2 : 0);
  }
  return pick(5) === 0 ? out.replace(/\n$/, '') : out;
}

test('random layouts: accepted ones read as the library reads them', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(fc.nat(999), { minLength: 1, maxLength: 400 }), (tape) => {
      let i = 0;
      if (agrees(layoutStream(() => tape[i++ % tape.length]!))) accepted++;
      return true;
    }),
    { seed: SEED, numRuns: RUNS * 5 },
  );
  assert.ok(accepted > RUNS / 2, `only ${accepted} of ${RUNS * 5} accepted`);
});

test('keys near the 1024 limit after every kind of node: declined or read as the library reads them', () => {
  const before = fc.constantFrom('', 'a: 1\n', 'a: 1 # c\n', 'a:\n', 'a:  \n', 'a: # c\n', 'a: |\n  x\n\n', 'a: [b,\n  c]\n', 'a:\n  -\n', 'a:\n  - # c\n', 'a:\n- x\n', '---\n', 'x: 1\n---\n');
  const gap = fc.constantFrom('', '\n', '   \n', `${' '.repeat(600)}\n`, '# c\n', `${' '.repeat(600)}\n${' '.repeat(600)}\n`);
  const nest = fc.constantFrom('', 'n:\n  ', 'n:\n- ', 'n:\n  - ', 'n:\n  b:\n  ');
  fc.assert(
    fc.property(before, gap, nest, fc.integer({ min: 1000, max: 1030 }), fc.nat(2), (b, g, n, len, q) => {
      const k = q === 0 ? 'k'.repeat(len) : q === 1 ? `"${'k'.repeat(len - 2)}"` : `'${'k'.repeat(len - 2)}' `;
      agrees(`${b}${g}${n}${k}: 1\n`);
      agrees(`${b}${n}x:\n${g}${n.endsWith('- ') ? n.slice(n.indexOf('\n') + 1).replace('- ', '  ') : n.slice(n.indexOf('\n') + 1)}${k}: 1\n`);
      return true;
    }),
    { seed: SEED, numRuns: RUNS * 2 },
  );
});

const DAMAGE = [' ', '  ', '\n', ':', ': ', '-', '- ', '#', ' #', '"', "'", '[', ']', '{', '}', ',', '|', '>', '&a', '*a', '!', '?', '---\n', '...\n', '\\', '\t', 'x'];

test('random damage to valid files: whatever the fast parser still accepts reads as the library reads it', () => {
  const seeds = [...yamlFilesUnder('examples'), ...yamlFilesUnder('test/cases')].map((f) => readFileSync(f, 'utf8')).filter((t) => parseCommonYaml(t) !== undefined);
  assert.ok(seeds.length > 20);
  let accepted = 0;
  fc.assert(
    fc.property(
      fc.nat(seeds.length - 1),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(3), fc.constantFrom(...DAMAGE)), { minLength: 1, maxLength: 3 }),
      (which, edits) => {
        let text = seeds[which]!;
        for (const [where, how, what] of edits) {
          const at = Math.floor(where * text.length);
          if (how === 0) text = text.slice(0, at) + text.slice(at + 1); // delete a character
          else if (how === 1) text = text.slice(0, at) + what + text.slice(at); // insert
          else if (how === 2) text = text.slice(0, at) + what + text.slice(at + what.length); // overwrite
          else {
            const lines = text.split('\n'); // re-indent a line
            const i = Math.min(Math.floor(where * lines.length), lines.length - 1);
            lines[i] = what === ' ' ? ` ${lines[i]}` : lines[i]!.replace(/^ /, '');
            text = lines.join('\n');
          }
        }
        if (agrees(text)) accepted++;
        return true;
      },
    ),
    { seed: SEED, numRuns: RUNS * 5 },
  );
  assert.ok(accepted > RUNS / 2, `only ${accepted} damaged texts accepted: the property tested little`);
});

test('a ResourceList read by the fast parser equals the library path, Go octal integers included', async () => {
  const list = [
    'apiVersion: config.kubernetes.io/v1',
    'kind: ResourceList',
    'items:',
    '- apiVersion: v1',
    '  kind: ConfigMap',
    '  metadata: {name: modes, annotations: {config.kubernetes.io/index: "0"}}',
    '  data: {a: "0755", "2": b, "1": c}',
    '  modes: [0755, 08, -0755, 0o17, 0x1F, 0, 00, 1.5, 0755.5, "0755"]',
    'functionConfig:',
    '  apiVersion: meshext.dev/v1alpha1',
    '  kind: ExtensionGenerator',
    '  metadata: {name: x}',
    '',
  ].join('\n');
  assert.ok(parseCommonYaml(list, { goOctal: true }) !== undefined, 'the fast parser declined the list');
  const fast = await parseResourceList(list, () => assert.unreachable('an error'));
  // A tab in a comment sends the same text down the library path.
  assert.is(parseCommonYaml(`${list}#\t\n`, { goOctal: true }), undefined);
  const library = await parseResourceList(`${list}#\t\n`, () => assert.unreachable('an error'));
  assert.ok(isDeepStrictEqual(fast, library), `${JSON.stringify(fast)}\n${JSON.stringify(library)}`);
  // Deep equality ignores key order; JSON shows it.
  assert.is(JSON.stringify(library), JSON.stringify(fast));
  assert.equal(Object.keys((fast!.items[0] as { data: object }).data), ['a', '2', '1']);
  assert.equal((fast!.items[0] as { modes: unknown[] }).modes, [493, 8, -755, 15, 31, 0, 0, 1.5, 755.5, '0755']);
  // A second document, even an empty one, is refused on both paths alike.
  for (const text of [`${list}---\n`, `${list}---\n${list}`]) {
    const errors: string[] = [];
    assert.is(await parseResourceList(text, (d) => errors.push(d.message)), undefined);
    assert.equal(errors, ['stdin must hold one ResourceList document']);
  }
});

test.run();
