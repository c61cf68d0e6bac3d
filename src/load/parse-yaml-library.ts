// Text to located YAML documents with the `yaml` library: the path for everything the fast parser
// (fast-yaml.ts) leaves alone, and so for every syntax error. Hostile input is expected: syntax
// errors, duplicate keys, alias bombs and deep nesting all become diagnostics, never exceptions.

import { Composer, LineCounter, Parser, isAlias, isMap, isNode, isPair, isSeq, isScalar } from 'yaml';
import type { Alias, CST, Document, Node, Pair, ToJSOptions } from 'yaml';
import type { Diagnostic } from '../model/diagnostic.ts';
import { inWrittenOrder, mayMoveFirst, setOwn } from './in-written-order.ts';
import type { LoadedDocument, Path } from './parse-documents.ts';
import { MAX_JSON_DEPTH as MAX_DEPTH } from '../model/json-depth.ts';

/** The most aliases a document may expand; far above real use, far below a bomb. */
const MAX_ALIASES = 1000;
/** The most nodes aliases may add to a document, all aliases together. */
const MAX_ALIAS_NODES = 100_000;

export function parseWithLibrary(text: string, file: string, onError: (d: Diagnostic) => void): LoadedDocument[] {
  const lineCounter = new LineCounter();
  const pos = (offset: number): [number, number] => {
    const lp = lineCounter.linePos(offset);
    return [lp.line, lp.col];
  };
  let docs: Document.Parsed[];
  // Document index in the file of each composed document (too-deep ones are never composed).
  const indexes: number[] = [];
  try {
    // The parser is iterative; the composer recurses. Measure nesting on the parser's tokens first,
    // so deep input gets the same error on every machine instead of a stack overflow somewhere.
    const tokens: CST.Token[] = [];
    let docIndex = 0;
    let dropped = false;
    for (const token of new Parser(lineCounter.addNewLine).parse(text)) {
      if (token.type !== 'document') {
        if (!(dropped && token.type === 'doc-end')) tokens.push(token);
        continue;
      }
      const index = docIndex++;
      const deep = tooDeep(token.value, MAX_DEPTH);
      dropped = deep !== undefined;
      if (deep === undefined) {
        tokens.push(token);
        indexes.push(index);
        continue;
      }
      const [line, col] = pos(deep);
      onError({ code: 'YAML_LIMIT', severity: 'error', message: `document ${index + 1} is nested deeper than ${MAX_DEPTH} levels`, file, line, col });
    }
    // uniqueKeys is checked below, in one pass: yaml's own check compares each key with every earlier
    // one, which takes minutes on a map of 10^5 keys.
    docs = Array.from(new Composer({ uniqueKeys: false, prettyErrors: false, strict: true }).compose(tokens)) as Document.Parsed[];
  } catch (e) {
    onError({ code: 'YAML_LIMIT', severity: 'error', message: `cannot parse: ${(e as Error).message}`, file, line: 1, col: 1 });
    return [];
  }
  const out: LoadedDocument[] = [];
  docs.forEach((doc, i) => {
    const index = indexes[i] ?? i;
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const [line, col] = pos(err.pos[0]);
        onError({ code: 'YAML_SYNTAX', severity: 'error', message: firstLine(err.message), file, line, col });
      }
      return;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return; // empty document
    const [line, col] = pos(doc.contents.range?.[0] ?? 0);
    if (!isMap(doc.contents)) {
      onError({ code: 'YAML_NOT_OBJECT', severity: 'error', message: `document ${index + 1} is a ${describe(doc.contents)}, not an object`, file, line, col });
      return;
    }
    const repeated = repeatedKeys(doc.contents);
    if (repeated.length > 0) {
      for (const key of repeated) {
        const [kLine, kCol] = pos(key.range?.[0] ?? 0);
        onError({ code: 'YAML_SYNTAX', severity: 'error', message: 'Map keys must be unique', file, line: kLine, col: kCol });
      }
      return;
    }
    const bad = aliasProblem(doc.contents);
    if (bad) {
      const [aLine, aCol] = pos(bad.alias.range?.[0] ?? 0);
      onError({ code: bad.code, severity: 'error', message: bad.message, file, line: aLine, col: aCol });
      return;
    }
    const notJson = nonJsonNode(doc.contents);
    if (notJson) {
      const [nLine, nCol] = pos(notJson.node.range?.[0] ?? 0);
      onError({ code: 'YAML_SYNTAX', severity: 'error', message: notJson.message, file, line: nLine, col: nCol });
      return;
    }
    let value: unknown;
    try {
      value = toJsAsWritten(doc, { maxAliasCount: MAX_ALIASES });
    } catch (e) {
      onError({ code: 'YAML_LIMIT', severity: 'error', message: `document ${index + 1}: ${firstLine((e as Error).message)}`, file, line, col });
      return;
    }
    const root = doc.contents;
    out.push({
      file,
      index,
      value: value as Record<string, unknown>,
      locate: (path) => {
        const node = nearestNode(root, path);
        return pos(node.range?.[0] ?? 0);
      },
    });
  });
  return out;
}

/**
 * doc.toJS(options), with every map's keys in written order: toJS makes plain objects, which list
 * integer-like keys first. A second toJS into Maps (which keep their order) shows the written
 * order, only for documents with a key that may move; a map with a collection as a key, which
 * the library names by its text, keeps the library's order.
 */
export function toJsAsWritten(doc: Document, options: ToJSOptions): unknown {
  const value: unknown = doc.toJS(options);
  if (!isNode(doc.contents) || !hasKeyThatMayMove(doc.contents)) return value;
  return keepWrittenOrder(value, doc.toJS({ ...options, mapAsMap: true }), new Map());
}

function hasKeyThatMayMove(root: Node): boolean {
  for (const n of nodesInOrder(root)) {
    if (isMap(n) && n.items.some((p) => !isScalar(p.key) || mayMoveFirst(String(p.key.value)))) return true;
  }
  return false;
}

/** `plain` (toJS's value) with its maps in the order of `mapped` (the same document as Maps); `done` maps each object met to its result, so aliases stay shared. */
function keepWrittenOrder(plain: unknown, mapped: unknown, done: Map<object, unknown>): unknown {
  if (plain === null || typeof plain !== 'object') return plain;
  const met = done.get(plain);
  if (met !== undefined) return met;
  let out: unknown = plain;
  if (Array.isArray(plain) && Array.isArray(mapped)) {
    for (let i = 0; i < plain.length; i++) plain[i] = keepWrittenOrder(plain[i], mapped[i], done);
  } else if (mapped instanceof Map) {
    // Keys as the library names them in a plain object; a key set twice (`1` and `"1"`) keeps its first place and its last value.
    const entries = new Map<string, unknown>();
    let named = true;
    for (const [k, v] of mapped) {
      if (k !== null && typeof k === 'object') named = false;
      else entries.set(k === null ? '' : String(k), v);
    }
    const o = plain as Record<string, unknown>;
    for (const [k, v] of entries) {
      const child = o[k];
      const kept = keepWrittenOrder(child, v, done);
      if (kept !== child) setOwn(o, k, kept);
    }
    if (named) out = inWrittenOrder(o, [...entries.keys()]);
  }
  done.set(plain, out);
  return out;
}

function nearestNode(root: Node, path: Path): Node {
  // Walk as far as the path exists. A map field resolves to its key node, so a
  // diagnostic lands on the field's own line; a list item to the item itself.
  let node: Node = root;
  let cited: Node = root;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      cited = (pair.key as Node) ?? cited;
      if (!pair.value) break;
      node = pair.value as Node;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
      node = node.items[key] as Node;
      cited = node;
    } else break;
  }
  return cited;
}

/** Every node under `root` in document order (a pair's key before its value), without recursion. */
function* nodesInOrder(root: Node): Generator<unknown> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const n = stack.pop();
    if (isPair(n)) {
      stack.push(n.value, n.key);
      continue;
    }
    yield n;
    if (isMap(n) || isSeq(n)) for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
  }
}

/** Every key that repeats an earlier scalar key of the same map (yaml's uniqueKeys rule), in one pass. */
function repeatedKeys(root: Node): Node[] {
  const out: Node[] = [];
  for (const n of nodesInOrder(root)) {
    if (!isMap(n)) continue;
    const seen = new Set<string>();
    for (const pair of n.items) {
      const k = pair.key;
      if (!isScalar(k) || Number.isNaN(k.value)) continue; // yaml compares other keys by identity
      const id = `${typeof k.value}:${String(k.value)}`;
      if (seen.has(id)) out.push(k);
      else seen.add(id);
    }
  }
  return out.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
}

/**
 * The first node whose value JSON cannot hold (and so neither can the API server or a pluginConfig):
 * .inf and .nan, and what a `%YAML 1.1` document or an explicit tag makes of timestamps, !!binary,
 * !!set and !!omap (a Date, bytes, a Set, a Map), which would otherwise print as `{}` or worse.
 */
function nonJsonNode(root: Node): { node: Node; message: string } | undefined {
  for (const n of nodesInOrder(root)) {
    if (isScalar(n)) {
      const v = n.value;
      const text = n.source ?? String(v);
      if (typeof v === 'number' && !Number.isFinite(v)) return { node: n, message: `${text} is not a finite number, which JSON cannot hold` };
      if (typeof v === 'bigint' || (v !== null && typeof v === 'object')) {
        const what = v instanceof Date ? 'a timestamp' : v instanceof Uint8Array ? '!!binary data' : 'a tagged value';
        const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
        return { node: n, message: `${shown} reads as ${what}, which is not JSON data; quote it to keep the text` };
      }
    } else if ((isMap(n) || isSeq(n)) && (n.tag === 'tag:yaml.org,2002:set' || n.tag === 'tag:yaml.org,2002:omap')) {
      return { node: n, message: `${n.tag.replace('tag:yaml.org,2002:', '!!')} is not JSON data; use a list or a map` };
    }
  }
  return undefined;
}

/**
 * The first alias (in document order) that cannot become plain JSON data: its anchor is not set before
 * it, it sits inside its own anchor (the data would be infinite), or aliases expand the document by more
 * than MAX_ALIAS_NODES nodes in all. yaml's own alias count weighs aliases, not what they copy: a long
 * list aliased a thousand times passes it and prints gigabytes. One iterative pass; sizes post-order.
 */
function aliasProblem(root: Node): { alias: Alias; code: 'YAML_SYNTAX' | 'YAML_LIMIT'; message: string } | undefined {
  const anchors = new Map<string, unknown>();
  const open = new Set<unknown>();
  const size = new Map<unknown, number>();
  let expanded = 0;
  const stack: [unknown, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [n, exit] = stack.pop()!;
    if (n === null || n === undefined) continue;
    if (exit) {
      open.delete(n);
      let s = isPair(n) ? 0 : 1;
      if (isPair(n)) s = (size.get(n.key) ?? 0) + (size.get(n.value) ?? 0);
      else if (isMap(n) || isSeq(n)) for (const c of n.items) s += size.get(c) ?? 0;
      size.set(n, s);
      continue;
    }
    if (isAlias(n)) {
      const target = anchors.get(n.source);
      if (target === undefined) return { alias: n, code: 'YAML_SYNTAX', message: `Unresolved alias (the anchor must be set before the alias): ${n.source}` };
      if (open.has(target)) return { alias: n, code: 'YAML_LIMIT', message: `alias *${n.source} refers to a node that contains it: the data would be infinite` };
      const s = size.get(target) ?? 1;
      expanded += s;
      if (expanded > MAX_ALIAS_NODES) return { alias: n, code: 'YAML_LIMIT', message: `aliases expand the document by more than ${MAX_ALIAS_NODES} nodes (an alias bomb?)` };
      size.set(n, s);
      continue;
    }
    if (isNode(n) && n.anchor) anchors.set(n.anchor, n);
    if (isPair(n) || isMap(n) || isSeq(n)) {
      open.add(n);
      stack.push([n, true]);
      const children: unknown[] = isPair(n) ? [n.key, n.value] : n.items;
      for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], false]);
    } else size.set(n, 1);
  }
  return undefined;
}

/** Offset of the first node nested deeper than `max` under a document's root token, if any. */
function tooDeep(root: CST.Token | undefined, max: number): number | undefined {
  // Iterative so hostile nesting cannot overflow the stack.
  const stack: [CST.Token, number][] = root ? [[root, 0]] : [];
  while (stack.length > 0) {
    const [t, d] = stack.pop()!;
    if (t.type !== 'block-map' && t.type !== 'block-seq' && t.type !== 'flow-collection') continue;
    for (const item of t.items) {
      for (const child of [item.key, item.value]) {
        if (!child) continue;
        if (d + 1 > max) return child.offset;
        stack.push([child, d + 1]);
      }
    }
  }
  return undefined;
}

function describe(node: unknown): string {
  if (isSeq(node)) return 'list';
  if (isScalar(node)) return `${typeof node.value === 'string' ? 'string' : typeof node.value}`;
  return 'value';
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
