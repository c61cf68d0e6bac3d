// Text to located YAML documents. Hostile input is expected: syntax errors, duplicate keys,
// alias bombs and deep nesting all become diagnostics, never exceptions.

import { Composer, LineCounter, Parser, isAlias, isMap, isNode, isPair, isSeq, isScalar } from 'yaml';
import type { Alias, CST, Document, Node, Pair } from 'yaml';
import type { Diagnostic } from '../model/diagnostic.ts';

export type Path = readonly (string | number)[];

export interface LoadedDocument {
  /** Render-root-relative file name, or '<stdin>'. */
  readonly file: string;
  /** Position of the document in its file, 0-based. */
  readonly index: number;
  readonly value: Readonly<Record<string, unknown>>;
  /** [line, col] (1-based) of the node at `path`, or of its nearest ancestor that exists. */
  readonly locate: (path: Path) => readonly [number, number];
}

/** The most aliases a document may expand; far above real use, far below a bomb. */
const MAX_ALIASES = 1000;
const MAX_DEPTH = 200;

export function parseDocuments(text: string, file: string, onError: (d: Diagnostic) => void): LoadedDocument[] {
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
    docs = Array.from(new Composer({ uniqueKeys: true, prettyErrors: false, strict: true }).compose(tokens)) as Document.Parsed[];
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
    const dangling = unresolvedAlias(doc.contents);
    if (dangling) {
      const [aLine, aCol] = pos(dangling.range?.[0] ?? 0);
      onError({ code: 'YAML_SYNTAX', severity: 'error', message: `Unresolved alias (the anchor must be set before the alias): ${dangling.source}`, file, line: aLine, col: aCol });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
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

/** The first alias (in document order) whose anchor is not set before it, so the error cites the alias. */
function unresolvedAlias(root: Node): Alias | undefined {
  const anchors = new Set<string>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const n = stack.pop();
    if (isAlias(n)) {
      if (!anchors.has(n.source)) return n;
      continue;
    }
    if (isPair(n)) {
      stack.push(n.value, n.key);
      continue;
    }
    if (isNode(n) && n.anchor) anchors.add(n.anchor);
    if (isMap(n) || isSeq(n)) for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
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
