// A fast parser for the YAML declaration repositories are written in, beside the `yaml` library.
// Why: start-up is part of every render (a render of a small repository should cost not much more
// than starting Node), and the library reads about 1 MB/s of this input cold and costs ~6 ms just
// to load. This parser reads the common subset with neither cost, so the library loads only when
// a file needs it (ARCHITECTURE.md, "Start-up and speed").
//
// The subset: block maps and sequences, plain and single-line quoted scalars, literal and folded
// block scalars, flow collections, comments, `---`. It builds the same values the library path
// would (YAML 1.2 core schema: fast-yaml-scalars.ts; map keys in written order:
// in-written-order.ts). On anything else it gives up, returning undefined: anchors, tags,
// multi-line plain or quoted scalars, duplicate keys, tabs, CR, directives, documents that are not
// maps, deep nesting, and every error. The caller then parses the text with the library, which
// owns every diagnostic; so this parser never has to be right about bad input, only about good
// input, and test/fast-yaml.test.ts checks it against the library value for value and position
// for position (ARCHITECTURE.md, "The fast YAML path").
//
// Reading order: the two entry points (parseCommonYaml, and commonYamlLocator, which a second
// parse with positions serves only when a diagnostic needs a line), then the Reader from a stream
// of documents down to block collections, block scalars, flow collections and the line helpers.

import { COLON, COMMA, DASH, DQUOTE, GIVE_UP, HASH, LBRACE, LBRACKET, NL, RBRACE, RBRACKET, SPACE, SQUOTE, plainEnd, plainStart, quoted, resolvePlain } from './fast-yaml-scalars.ts';
import { inWrittenOrder, mayMoveFirst, setOwn } from './in-written-order.ts';

export type Path = readonly (string | number)[];

export interface FastDocument {
  /** Position of the document in its file, 0-based, counting empty documents as the library does. */
  readonly index: number;
  readonly value: Record<string, unknown>;
  /** Offset of the root node. */
  readonly offset: number;
}

/** Offsets of the nodes of a map or a list, kept only when positions are asked for. */
interface MapPositions {
  readonly keys: Map<string, number>;
}
interface ListPositions {
  readonly items: number[];
}

const MAX_DEPTH = 64;
/** The library's limit on implicit keys. */
const MAX_KEY = 1024;
/** Characters the subset leaves to the library: tab, CR, other C0/C1 controls, BOM, non-characters, NEL/LS/PS. */
const OUTSIDE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\u2028\u2029]/;

export interface CommonYamlOptions {
  /** Also read 0-prefixed digits as octal integers, as Go's yaml.v3 does for kustomize (`0755` is 493). */
  readonly goOctal?: boolean;
}

/** The documents of `text`, or undefined when it uses anything outside the subset. */
export function parseCommonYaml(text: string, options: CommonYamlOptions = {}): FastDocument[] | undefined {
  if (OUTSIDE.test(text)) return undefined;
  try {
    return new Reader(text, undefined, options.goOctal === true).stream();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

/**
 * A locator for the documents of a text parseCommonYaml accepted: [line, col] (1-based) of the node
 * at `path` in document `index`, or of its nearest ancestor that exists. A map field is cited at its
 * key, a list item at the item, as the library-based loader does. `docs` are parseCommonYaml's
 * result for the text: a document's own position comes from there; positions inside one are
 * collected on the first such call (a second parse), so a render that reports nothing never pays.
 */
export function commonYamlLocator(text: string, docs: readonly FastDocument[]): (index: number, path: Path) => readonly [number, number] {
  let positions: WeakMap<object, MapPositions | ListPositions> | undefined;
  let roots: Map<number, FastDocument> | undefined;
  const offsets = new Map(docs.map((d) => [d.index, d.offset]));
  let lineStarts: number[] | undefined;
  const lineCol = (offset: number): readonly [number, number] => {
    lineStarts ??= linesOf(text);
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, offset - lineStarts[lo]! + 1];
  };
  return (index, path) => {
    const offset = offsets.get(index);
    if (offset === undefined) return [1, 1];
    if (path.length === 0) return lineCol(offset);
    if (!roots) {
      positions = new WeakMap();
      roots = new Map(new Reader(text, positions).stream().map((d) => [d.index, d]));
    }
    const doc = roots.get(index)!;
    let node: unknown = doc.value;
    let cited = doc.offset;
    for (const key of path) {
      const at = typeof node === 'object' && node !== null ? positions!.get(node) : undefined;
      if (at === undefined) break;
      if ('keys' in at) {
        const k = String(key);
        const offset = at.keys.get(k);
        if (offset === undefined) break;
        cited = offset;
        node = (node as Record<string, unknown>)[k];
      } else if (typeof key === 'number' && key < at.items.length) {
        cited = at.items[key]!;
        node = (node as unknown[])[key];
      } else break;
    }
    return lineCol(cited);
  };
}

function linesOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

class Reader {
  /** Where the reader is in `text`; the scalar readers (fast-yaml-scalars.ts) move it past what they read. */
  pos = 0;
  /** Column of `pos` when it is at the first character of a content line. */
  private col = 0;
  private depth = 0;
  private readonly end: number;

  constructor(
    readonly text: string,
    private readonly positions: WeakMap<object, MapPositions | ListPositions> | undefined,
    private readonly goOctal = false,
  ) {
    this.end = text.length;
  }

  stream(): FastDocument[] {
    const docs: FastDocument[] = [];
    let index = 0;
    let open = false; // a `---` opened a document that has no content yet
    this.nextContentLine();
    while (this.pos < this.end) {
      if (this.atMarker('---')) {
        if (open) index++; // `---` after `---`: the first was an empty document
        open = true;
        this.pos += 3;
        this.lineEnd();
        this.nextContentLine();
        continue;
      }
      if (this.atMarker('...') || this.code(this.pos) === 37 /* % directive */) throw GIVE_UP;
      const offset = this.pos;
      let value: Record<string, unknown>;
      if (this.code(this.pos) === LBRACE) {
        value = this.flowMap(-1);
        this.lineEnd();
        this.nextContentLine();
        // Only a new document may follow a flow root: more content is the library's error.
        if (this.pos < this.end && !this.atMarker('---')) throw GIVE_UP;
      } else {
        const indent = this.col;
        if (!this.startsKey()) throw GIVE_UP; // a list or a scalar: not a declaration, the library says why
        value = this.blockMap(indent);
        if (this.pos < this.end && !this.atMarker('---')) throw GIVE_UP;
      }
      docs.push({ index: index++, value, offset });
      open = false;
    }
    return docs;
  }

  // --- block collections

  private blockMap(indent: number): Record<string, unknown> {
    this.enter();
    const map: Record<string, unknown> = {};
    const keys = this.positions ? new Map<string, number>() : undefined;
    let written: string[] | undefined;
    for (;;) {
      const keyAt = this.pos;
      const key = this.key();
      const value = this.blockValue(indent, true);
      written = writtenKeys(map, key, written);
      setField(map, key, value);
      keys?.set(key, keyAt);
      if (this.pos >= this.end || this.col < indent || this.atMarker('---')) break;
      // `... x: 1` ends the document (then has content after it), it is no key.
      if (this.col > indent || this.atEntry() || this.atMarker('...') || !this.startsKey()) throw GIVE_UP;
    }
    this.depth--;
    return this.done(map, keys, written);
  }

  /** The map as its reader sees it (keys in written order), with its key positions when asked for. */
  private done(map: Record<string, unknown>, keys: Map<string, number> | undefined, written: string[] | undefined): Record<string, unknown> {
    const out = written === undefined ? map : inWrittenOrder(map, written);
    if (keys) this.positions!.set(out, { keys });
    return out;
  }

  private blockList(indent: number): unknown[] {
    this.enter();
    const list: unknown[] = [];
    const items = this.positions ? ([] as number[]) : undefined;
    if (items) this.positions!.set(list, { items });
    for (;;) {
      const dashAt = this.pos;
      const dashCol = this.col;
      this.pos++;
      while (this.code(this.pos) === SPACE) this.pos++;
      const c = this.code(this.pos);
      let value: unknown;
      let itemAt = this.pos;
      if (c === NL || c === HASH || Number.isNaN(c)) {
        // The item is on the next lines (or empty).
        this.lineEnd();
        const next = this.pos;
        this.nextContentLine();
        if (this.pos < this.end && this.col > indent && !this.atMarker('---')) {
          itemAt = this.pos;
          value = this.blockNode(indent, this.pos - this.col === next);
        } else value = null; // cited where its line's spaces end, as the library does
      } else {
        const column = dashCol + (this.pos - dashAt);
        if (this.atEntry()) {
          this.col = column;
          value = this.blockList(column);
        } else if (this.startsKey()) {
          this.col = column;
          value = this.blockMap(column);
        } else value = this.inlineValue(indent);
      }
      list.push(value);
      items?.push(itemAt);
      if (this.pos >= this.end || this.col < indent || this.atMarker('---')) break;
      if (this.col > indent) throw GIVE_UP;
      if (!this.atEntry()) break; // a key of the map this list is the value of
    }
    this.depth--;
    return list;
  }

  /**
   * The node starting on a content line deeper than `parent`, the line after its `key:` or `-` if
   * `adjacent`. Leaves pos at the next content line.
   */
  private blockNode(parent: number, adjacent: boolean): unknown {
    const indent = this.col;
    if (this.atEntry()) return this.blockList(indent);
    if (this.startsKey()) return this.blockMap(indent);
    // The library forgets how deep a scalar's lines must be after a blank line or a comment line
    // that starts at column 0 (or `#x` at any column): `-`, blank, `# c`, `  x`, `- y` reads as the
    // one item "x - y". A scalar or flow collection on its own line must follow its `key:` or `-` line.
    if (!adjacent) throw GIVE_UP;
    return this.inlineValue(parent);
  }

  /** The value after `key:` (pos just past the colon). Leaves pos at the next content line. */
  private blockValue(indent: number, inMap: boolean): unknown {
    while (this.code(this.pos) === SPACE) this.pos++;
    const c = this.code(this.pos);
    if (c === NL || c === HASH || Number.isNaN(c)) {
      this.lineEnd();
      const next = this.pos;
      this.nextContentLine();
      if (this.pos >= this.end || this.atMarker('---')) return null;
      if (this.col > indent) return this.blockNode(indent, this.pos - this.col === next);
      // A list may sit at its key's own indentation.
      if (inMap && this.col === indent && this.atEntry()) return this.blockList(indent);
      return null;
    }
    return this.inlineValue(indent);
  }

  /** A scalar, flow collection or block scalar that starts mid-line. Leaves pos at the next content line. */
  private inlineValue(parent: number): unknown {
    const c = this.code(this.pos);
    let value: unknown;
    if (c === 124 /* | */ || c === 62 /* > */) return this.blockScalar(parent);
    if (c === LBRACKET || c === LBRACE) {
      value = c === LBRACKET ? this.flowList(parent) : this.flowMap(parent);
    } else if (c === DQUOTE || c === SQUOTE) {
      value = quoted(this);
    } else {
      if (!plainStart(this.text, this.pos, c, false)) throw GIVE_UP;
      const start = this.pos;
      const stop = plainEnd(this.text, start, false);
      if (this.code(stop) === COLON) throw GIVE_UP; // `a: b: c`, or a compact map where none may be
      value = resolvePlain(this.goOctal, this.text.slice(start, stop));
      this.pos = stop;
    }
    this.lineEnd();
    this.nextContentLine();
    // A deeper line here would continue the scalar over lines (or be an error): the library decides.
    if (this.pos < this.end && this.col > parent && !this.atMarker('---')) throw GIVE_UP;
    return value;
  }

  private key(): string {
    const c = this.code(this.pos);
    let key: string;
    const start = this.pos;
    if (c === DQUOTE || c === SQUOTE) {
      key = quoted(this);
      while (this.code(this.pos) === SPACE) this.pos++;
    } else {
      const stop = plainEnd(this.text, start, false);
      const resolved = resolvePlain(this.goOctal, this.text.slice(start, stop));
      if (typeof resolved !== 'string') throw GIVE_UP; // a key that is a number, a bool or null
      key = resolved;
      this.pos = stop;
    }
    if (this.code(this.pos) !== COLON || !this.separated(this.pos + 1)) throw GIVE_UP;
    // The library measures the 1024 from where the previous node ended, and an empty node (`-`, `a:`)
    // can end before the blank lines that follow it: measure from the last non-blank character.
    let from = start;
    while (from > 0 && (this.code(from - 1) === SPACE || this.code(from - 1) === NL)) from--;
    if (this.pos - from > MAX_KEY || key === '<<') throw GIVE_UP;
    this.pos++;
    return key;
  }

  /** A `- ` (or `-` at the end of a line) at pos. */
  private atEntry(): boolean {
    if (this.code(this.pos) !== DASH) return false;
    const c = this.code(this.pos + 1);
    return c === SPACE || c === NL || Number.isNaN(c);
  }

  /** Whether a block map key (plain or quoted, then `:` and a space or the line end) starts at pos. */
  private startsKey(): boolean {
    const c = this.code(this.pos);
    if (c === DQUOTE || c === SQUOTE) {
      const save = this.pos;
      try {
        quoted(this);
        while (this.code(this.pos) === SPACE) this.pos++;
        return this.code(this.pos) === COLON && this.separated(this.pos + 1);
      } finally {
        this.pos = save;
      }
    }
    if (!plainStart(this.text, this.pos, c, false)) return false;
    const stop = plainEnd(this.text, this.pos, false);
    return this.code(stop) === COLON;
  }

  private separated(i: number): boolean {
    const c = this.code(i);
    return c === SPACE || c === NL || Number.isNaN(c);
  }

  // --- block scalars (the other scalars: fast-yaml-scalars.ts)

  /** A literal (`|`) or folded (`>`) block scalar; keep chomping (`+`) and indentation digits are left to the library. */
  private blockScalar(parent: number): string {
    const { text } = this;
    const folded = text.charCodeAt(this.pos) === 62;
    let strip = false;
    this.pos++;
    if (this.code(this.pos) === DASH) {
      strip = true;
      this.pos++;
    }
    const h = this.code(this.pos);
    if (h !== SPACE && h !== NL && !Number.isNaN(h)) throw GIVE_UP; // `+`, a digit, or anything else
    this.lineEnd();
    // Lines until one that is less indented than the first content line.
    const lines: string[] = [];
    let indent = -1;
    let blankBefore = 0; // widest blank line before the first content line
    let p = this.pos;
    for (;;) {
      if (p >= this.end) break;
      let nl = text.indexOf('\n', p);
      if (nl < 0) nl = this.end; // the last line of a file without a final newline (keep chomping is not taken)
      let s = p;
      while (text.charCodeAt(s) === SPACE) s++;
      if (s === nl) {
        if (indent < 0) blankBefore = Math.max(blankBefore, s - p);
        else if (s - p > indent) throw GIVE_UP; // a blank line with content spaces
        lines.push('');
        p = nl + 1;
        continue;
      }
      const width = s - p;
      if (indent < 0) {
        if (width <= parent || blankBefore > width) throw GIVE_UP;
        indent = width;
      } else if (width < indent) break;
      const line = text.slice(p + indent, nl);
      if (folded && width > indent) throw GIVE_UP; // more-indented lines keep their breaks when folded
      lines.push(line);
      p = nl + 1;
    }
    if (indent < 0) throw GIVE_UP; // no content at all
    // Trailing blank lines belong to the chomping, not the content.
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    let body: string;
    if (!folded) body = lines.slice(0, last).join('\n');
    else {
      // Lines fold into one with spaces; n blank lines between two become n newlines, and so do leading ones.
      body = '';
      let blanks = 0;
      for (let i = 0; i < last; i++) {
        if (lines[i] === '') {
          blanks++;
          continue;
        }
        body += body === '' && i === blanks ? '\n'.repeat(blanks) : blanks === 0 ? ' ' : '\n'.repeat(blanks);
        body += lines[i];
        blanks = 0;
      }
    }
    this.pos = Math.min(p, this.end);
    this.nextContentLine();
    if (this.pos < this.end && this.col > parent && !this.atMarker('---')) throw GIVE_UP;
    return strip ? body : `${body}\n`;
  }

  // --- flow collections

  /** Past spaces, line breaks and comments inside a flow collection; continuation lines must be deeper than `parent`. */
  private flowSpace(parent: number): void {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === SPACE) this.pos++;
      else if (c === NL) {
        this.pos++;
        const lineStart = this.pos;
        while (text.charCodeAt(this.pos) === SPACE) this.pos++;
        const n = text.charCodeAt(this.pos);
        // A comment at column 0 right after a flow map's value is an error to the library (its line
        // break goes with the value): leave every such comment to it.
        if (n === HASH && this.pos === lineStart) throw GIVE_UP;
        if (n === NL || n === HASH) continue;
        this.col = this.pos - lineStart;
        if (this.col <= parent || (this.col === 0 && (this.atMarker('---') || this.atMarker('...')))) throw GIVE_UP;
      } else if (c === HASH && (text.charCodeAt(this.pos - 1) === SPACE || text.charCodeAt(this.pos - 1) === NL)) {
        const nl = text.indexOf('\n', this.pos);
        if (nl < 0) throw GIVE_UP;
        this.pos = nl;
      } else return;
    }
  }

  private flowList(parent: number): unknown[] {
    this.enter();
    const list: unknown[] = [];
    const items = this.positions ? ([] as number[]) : undefined;
    if (items) this.positions!.set(list, { items });
    this.pos++;
    for (;;) {
      this.flowSpace(parent);
      if (this.code(this.pos) === RBRACKET) break;
      items?.push(this.pos);
      list.push(this.flowNode(parent));
      this.flowSpace(parent);
      const c = this.code(this.pos);
      if (c === COMMA) this.pos++;
      else if (c === RBRACKET) break;
      else throw GIVE_UP; // `[a: b]` and everything else
    }
    this.pos++;
    this.depth--;
    return list;
  }

  private flowMap(parent: number): Record<string, unknown> {
    this.enter();
    const map: Record<string, unknown> = {};
    const keys = this.positions ? new Map<string, number>() : undefined;
    let written: string[] | undefined;
    this.pos++;
    for (;;) {
      this.flowSpace(parent);
      const c = this.code(this.pos);
      if (c === RBRACE) break;
      const keyAt = this.pos;
      let key: string;
      if (c === DQUOTE || c === SQUOTE) {
        key = quoted(this);
        while (this.code(this.pos) === SPACE) this.pos++;
        if (this.code(this.pos) !== COLON) throw GIVE_UP;
      } else {
        if (!plainStart(this.text, this.pos, c, true)) throw GIVE_UP;
        const stop = plainEnd(this.text, this.pos, true);
        const resolved = resolvePlain(this.goOctal, this.text.slice(this.pos, stop));
        if (typeof resolved !== 'string' || this.code(stop) !== COLON) throw GIVE_UP;
        key = resolved;
        this.pos = stop;
      }
      if (key === '<<' || this.pos - keyAt > MAX_KEY) throw GIVE_UP;
      this.pos++; // the colon
      this.flowSpace(parent);
      const v = this.code(this.pos);
      const value = v === COMMA || v === RBRACE ? null : this.flowNode(parent);
      written = writtenKeys(map, key, written);
      setField(map, key, value);
      keys?.set(key, keyAt);
      this.flowSpace(parent);
      const n = this.code(this.pos);
      if (n === COMMA) this.pos++;
      else if (n === RBRACE) break;
      else throw GIVE_UP;
    }
    this.pos++;
    this.depth--;
    return this.done(map, keys, written);
  }

  private flowNode(parent: number): unknown {
    const c = this.code(this.pos);
    if (c === LBRACKET) return this.flowList(parent);
    if (c === LBRACE) return this.flowMap(parent);
    if (c === DQUOTE || c === SQUOTE) return quoted(this);
    if (!plainStart(this.text, this.pos, c, true)) throw GIVE_UP;
    const stop = plainEnd(this.text, this.pos, true);
    const value = resolvePlain(this.goOctal, this.text.slice(this.pos, stop));
    this.pos = stop;
    return value;
  }

  // --- lines

  private code(i: number): number {
    return this.text.charCodeAt(i); // NaN past the end
  }

  /** At a `---` or `...` line (column 0, then a space, a newline or the end). */
  private atMarker(marker: string): boolean {
    if (this.col !== 0 || !this.text.startsWith(marker, this.pos)) return false;
    const c = this.code(this.pos + 3);
    return c === SPACE || c === NL || Number.isNaN(c);
  }

  /** From inside a line: spaces, then an optional comment (after a space), then the newline or the end. */
  private lineEnd(): void {
    let c = this.code(this.pos);
    while (c === SPACE) c = this.code(++this.pos);
    if (c === HASH && this.code(this.pos - 1) === SPACE) {
      const nl = this.text.indexOf('\n', this.pos);
      this.pos = nl < 0 ? this.end : nl;
      c = this.code(this.pos);
    }
    if (c === NL) this.pos++;
    else if (!Number.isNaN(c)) throw GIVE_UP;
  }

  /** From a line start: past blank and comment-only lines, to the first character of the next content line. */
  private nextContentLine(): void {
    const { text, end } = this;
    let p = this.pos;
    while (p < end) {
      const lineStart = p;
      while (text.charCodeAt(p) === SPACE) p++;
      const c = text.charCodeAt(p);
      if (c === NL) {
        p++;
        continue;
      }
      if (c === HASH) {
        const nl = text.indexOf('\n', p);
        p = nl < 0 ? end : nl + 1;
        continue;
      }
      if (p >= end) break;
      this.pos = p;
      this.col = p - lineStart;
      return;
    }
    this.pos = end;
    this.col = 0;
  }

  /** One level deeper: past MAX_DEPTH the library decides (and reports). */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
  }
}

/**
 * The keys of a map in written order, once it has a key JavaScript may list out of that order
 * (undefined until then: the keys so far are in order), with `key` about to be set.
 */
function writtenKeys(map: Record<string, unknown>, key: string, written: string[] | undefined): string[] | undefined {
  if (written === undefined && !mayMoveFirst(key)) return undefined;
  written ??= Object.keys(map);
  written.push(key);
  return written;
}

/** A field as the library sets it: an own data property even where the prototype has the name. */
function setField(map: Record<string, unknown>, key: string, value: unknown): void {
  if (Object.hasOwn(map, key) || key === '__proto__') throw GIVE_UP; // duplicates are the library's error to report
  setOwn(map, key, value);
}
