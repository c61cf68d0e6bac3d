// Text to located YAML documents. Hostile input is expected: syntax errors, duplicate keys,
// alias bombs and deep nesting all become diagnostics, never exceptions.

import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
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
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs];
  } catch (e) {
    onError({ code: 'YAML_LIMIT', severity: 'error', message: `cannot parse: ${(e as Error).message}`, file, line: 1, col: 1 });
    return [];
  }
  const out: LoadedDocument[] = [];
  docs.forEach((doc, index) => {
    const pos = (offset: number): [number, number] => {
      const lp = lineCounter.linePos(offset);
      return [lp.line, lp.col];
    };
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
    if (depthExceeds(doc.contents, MAX_DEPTH)) {
      onError({ code: 'YAML_LIMIT', severity: 'error', message: `document ${index + 1} is nested deeper than ${MAX_DEPTH} levels`, file, line, col });
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

function depthExceeds(node: unknown, max: number): boolean {
  // Iterative so hostile nesting cannot overflow the stack.
  const stack: [unknown, number][] = [[node, 0]];
  while (stack.length > 0) {
    const [n, d] = stack.pop()!;
    if (d > max) return true;
    if (isMap(n)) for (const p of n.items) stack.push([p.value, d + 1]);
    else if (isSeq(n)) for (const i of n.items) stack.push([i, d + 1]);
  }
  return false;
}

function describe(node: unknown): string {
  if (isSeq(node)) return 'list';
  if (isScalar(node)) return `${typeof node.value === 'string' ? 'string' : typeof node.value}`;
  return 'value';
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
