// The one YAML serializer: every YAML meshext prints (resources, the lock file, diffs, KRM output)
// comes from here, so the output has one layout and one set of quoting rules. Plain JSON data in,
// block-style YAML out in kubectl's layout, byte for byte the same on every machine. Written by
// hand because it is the hot path at 100,000 resources; test/to-yaml.test.ts checks it against
// the `yaml` library's parser.
//
// Speed: the cost is in the number of pieces written, not in the characters. So each distinct key
// line, each distinct key-and-string line and each `key:` that opens a collection is checked,
// quoted and indented once per call and written as one cached piece. What the emitters mark as
// shared or as a copy is written from text already made (to-yaml-copies.ts). A stream of bytes
// (writeYamlBytes) goes through one reused buffer (byte-sink.ts). A stream is handed on in chunks
// as it is made, so a caller that writes it out never holds all of it.
// ARCHITECTURE.md, "Start-up and speed", places this among the other speed measures.
//
// Elsewhere: how a scalar is written (plain or quoted): to-yaml-scalars.ts.
//
// Reading order: the entry points (toYaml, toYamlStream, writeYamlStream, writeYamlBytes), then
// the Writer from a document down to maps, sequences, shared collections and cached lines.

import { ByteSink, Piece } from './byte-sink.ts';
import { agrees, cutTemplate, isShared, modelOf, segmentOf } from './to-yaml-copies.ts';
import type { Template } from './to-yaml-copies.ts';
import { isPlainSafe, scalar } from './to-yaml-scalars.ts';

export { markCopy, markShared } from './to-yaml-copies.ts';
export { isPlainSafe } from './to-yaml-scalars.ts';

export type Plain = null | boolean | number | string | readonly Plain[] | { readonly [k: string]: Plain };

type PlainMap = { readonly [k: string]: Plain };

/** One document, ending in a newline. */
export function toYaml(value: Plain): string {
  const pieces: string[] = [];
  new Writer(pieces).document(value);
  return pieces.join('');
}

/** A stream: documents separated by `---`. */
export function toYamlStream(values: readonly Plain[]): string {
  const chunks: string[] = [];
  writeYamlStream(values, (chunk) => void chunks.push(chunk));
  return chunks.length === 1 ? chunks[0]! : chunks.join('');
}

/**
 * The same stream as toYamlStream, handed to `write` in chunks of whole documents (some tens of
 * kilobytes each, the last one possibly empty) as it is produced, so a caller that writes them
 * out never holds the whole stream: at 100,000 resources that is the difference between
 * holding the output once and holding it two or three times over.
 */
export function writeYamlStream(values: Iterable<Plain>, write: (chunk: string) => void): void {
  const pieces: string[] = [];
  const w = new Writer(pieces, true);
  let first = true;
  for (const value of values) {
    if (!first) pieces.push('---\n');
    first = false;
    w.document(value);
    if (pieces.length >= CHUNK_PIECES) {
      write(pieces.join(''));
      pieces.length = 0;
    }
  }
  write(pieces.join(''));
}

/** Pieces per string chunk: one array of millions of pieces costs more time and memory than joining as we go. */
const CHUNK_PIECES = 1 << 12;

/**
 * The UTF-8 bytes of toYamlStream(values), handed to `write` in chunks of at most `chunkBytes`
 * (but for a single piece longer than that), as they are produced. Each chunk is a view of a
 * buffer the next chunk reuses: `write` must be done with it when it returns (a synchronous
 * write, or a copy). At least one chunk is written, possibly empty.
 */
export function writeYamlBytes(values: Iterable<Plain>, write: (bytes: Uint8Array) => void, chunkBytes = 1 << 20): void {
  const out = new ByteSink(write, chunkBytes);
  const w = new Writer(out, true);
  let first = true;
  for (const value of values) {
    if (!first) w.separator();
    first = false;
    w.document(value);
  }
  out.end();
}

const SEPARATOR = new Piece('---\n');

/** A shared collection's text at one depth: what follows `key:`, and the whole entry for the key it was first written under. */
interface SharedText {
  readonly depth: number;
  readonly key: string | undefined;
  readonly text: Piece;
  readonly entry: Piece;
}

/** One call's output and caches; nothing outlives the call, so a changed object is never served from an old text. */
class Writer {
  /** Where pieces go: an array while collecting text (a string result, or a shared object's first rendering), else bytes. */
  private pieces: string[] | undefined;
  private readonly bytes: ByteSink | undefined;
  /** Per depth: key → the indented `key:` that starts its line. */
  private readonly keyLines: Map<string, Piece>[] = [];
  /** Per depth: key → the indented `key:\n` that opens a non-empty collection. */
  private readonly openLines: Map<string, Piece>[] = [];
  /** Per depth: key → for a string value, the whole `key: value` line. */
  private readonly scalarLines: Map<string, Map<string, Piece>>[] = [];
  /** Per depth: string item → its whole `- item` line. */
  private readonly itemLines: Map<string, Piece>[] = [];
  /** Key → `key:` as written after a dash. */
  private readonly keys = new Map<string, Piece>();
  /** String value → ` value\n` as written after a key or a dash. */
  private readonly values = new Map<string, Piece>();
  /** Shared object → its text under a key, and the depth that text is for. */
  private readonly texts = new Map<object, SharedText>();
  /** In a stream: model document → its text cut at its scalars, or null when it cannot serve (markCopy). */
  private readonly templates: Map<object, Template | null> | undefined;
  /** While a model's text is recorded: where in `pieces` each of its scalars' text is. */
  private holes: number[] | undefined;
  /** A copy's scalars that differ from its model's: hole, value, hole, value… (reused). */
  private readonly diffs: unknown[] = [];

  constructor(out: string[] | ByteSink, stream = false) {
    if (Array.isArray(out)) this.pieces = out;
    else this.bytes = out;
    if (stream) this.templates = new Map();
  }

  private put(p: Piece): void {
    const pieces = this.pieces;
    if (pieces !== undefined) pieces.push(p.text);
    else this.bytes!.piece(p);
  }

  private putText(s: string): void {
    const pieces = this.pieces;
    if (pieces !== undefined) pieces.push(s);
    else this.bytes!.text(s);
  }

  /** `---` between two documents of a stream. */
  separator(): void {
    this.put(SEPARATOR);
  }

  document(value: Plain): void {
    if (value === null || typeof value !== 'object') this.putText(scalar(value) + '\n');
    else if (Array.isArray(value)) this.seq(value as readonly Plain[], 0, undefined);
    else {
      const model = this.templates !== undefined ? modelOf(value) : undefined;
      if (model !== undefined && model !== value && this.copy(value as PlainMap, model)) return;
      const keys = Object.keys(value);
      if (keys.length > 0) this.map(value as PlainMap, keys, 0, undefined);
    }
  }

  /** A copy as its model's text with the scalars that differ replaced; false (nothing written) when the two disagree otherwise. */
  private copy(doc: PlainMap, model: object): boolean {
    let t = this.templates!.get(model);
    if (t === undefined) this.templates!.set(model, (t = this.template(model as PlainMap)));
    if (t === null) return false;
    const diffs = this.diffs;
    diffs.length = 0;
    if (!agrees(doc, t.shape, diffs)) return false;
    let from = -1;
    for (let i = 0; i < diffs.length; i += 2) {
      const hole = diffs[i] as number;
      this.segment(t, from, hole);
      this.scalarAfter(diffs[i + 1] as null | boolean | number | string);
      from = hole;
    }
    this.segment(t, from, t.starts.length);
    return true;
  }

  /** The model's text from the end of hole `from` (-1: the start) to the start of hole `to` (the number of holes: the end). */
  private segment(t: Template, from: number, to: number): void {
    const piece = segmentOf(t, from, to);
    if (piece.text.length > 0) this.put(piece);
  }

  /** A model document's text, recorded with where each scalar's text is, and its shape. */
  private template(model: PlainMap): Template | null {
    const keys = Object.keys(model);
    if (keys.length === 0) return null;
    const outer = this.pieces;
    const pieces: string[] = [];
    const holes: number[] = [];
    this.pieces = pieces;
    this.holes = holes;
    this.map(model, keys, 0, undefined);
    this.holes = undefined;
    this.pieces = outer;
    return cutTemplate(model, pieces, holes);
  }

  /** Notes that the next piece is a scalar's text, while a model is recorded. */
  private hole(): void {
    this.holes!.push(this.pieces!.length);
  }

  /** The entries of a non-empty map at `depth`; the first line starts with `lead` when given (a dash line). */
  private map(m: PlainMap, keys: readonly string[], depth: number, lead: string | undefined): void {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = m[k]!;
      if (i === 0 && lead !== undefined) {
        this.putText(lead);
        this.put(this.key(k));
        if (v !== null && typeof v === 'object') this.collection(v, depth, undefined);
        else {
          if (this.holes !== undefined) this.hole();
          this.scalarAfter(v);
        }
      } else if (v !== null && typeof v === 'object') this.collection(v, depth, k);
      else if (this.holes !== undefined) {
        this.put(this.keyLine(depth, k));
        this.hole();
        this.scalarAfter(v);
      } else if (typeof v === 'string') this.put(this.scalarLine(depth, k, v));
      else this.putText(this.keyLine(depth, k).text + scalarAfter(v));
    }
  }

  /** The items of a non-empty sequence at `depth`; the first line starts with `lead` when given. */
  private seq(s: readonly Plain[], depth: number, lead: string | undefined): void {
    for (let i = 0; i < s.length; i++) {
      const item = s[i]!;
      if (item !== null && typeof item === 'object') {
        const line = i === 0 && lead !== undefined ? lead : indentOf(depth);
        if (Array.isArray(item)) {
          if (item.length > 0) this.seq(item as readonly Plain[], depth + 1, line + '- ');
          else this.putText(line + '- []\n');
        } else {
          // First entry on the dash line, the rest aligned under it.
          const keys = Object.keys(item);
          if (keys.length > 0) this.map(item as PlainMap, keys, depth + 1, line + '- ');
          else this.putText(line + '- {}\n');
        }
      } else if (i === 0 && lead !== undefined) {
        this.putText(lead + '-');
        if (this.holes !== undefined) this.hole();
        this.scalarAfter(item);
      } else if (this.holes !== undefined) {
        this.putText(indentOf(depth) + '-');
        this.hole();
        this.scalarAfter(item);
      } else if (typeof item === 'string') this.put(this.itemLine(depth, item));
      else this.putText(indentOf(depth) + '-' + scalarAfter(item));
    }
  }

  /**
   * A collection under `key` at `depth` (with no key, the rest of a dash line after its key): the
   * key line, then the collection; a shared one from the text of its first rendering there.
   */
  private collection(v: object, depth: number, key: string | undefined): void {
    if (!isShared(v)) {
      this.value(v as Plain, depth, key);
      return;
    }
    const done = this.texts.get(v);
    if (done !== undefined && done.depth === depth) {
      if (key === done.key) this.put(done.entry);
      else {
        if (key !== undefined) this.put(this.keyLine(depth, key));
        this.put(done.text);
      }
      return;
    }
    if (key !== undefined) this.put(this.keyLine(depth, key));
    // Its text is one piece, holes and all: a copy must hold this very object.
    const outer = this.pieces;
    const holes = this.holes;
    const pieces: string[] = [];
    this.pieces = pieces;
    this.holes = undefined;
    this.value(v as Plain, depth, undefined);
    this.pieces = outer;
    this.holes = holes;
    const text = new Piece(pieces.join(''));
    this.put(text);
    // Met at another depth before: its text there stays.
    if (done === undefined) this.texts.set(v, { depth, key, text, entry: key === undefined ? text : new Piece(this.keyLine(depth, key).text + text.text) });
  }

  /** `key:` (when given) and what follows it for a collection at `depth`. */
  private value(v: Plain, depth: number, key: string | undefined): void {
    if (Array.isArray(v)) {
      // Sequences under a key sit at the key's indentation, as kubectl writes them.
      if (v.length > 0) {
        if (key === undefined) this.putText('\n');
        else this.put(this.openLine(depth, key));
        this.seq(v as readonly Plain[], depth, undefined);
      } else this.putText(key === undefined ? ' []\n' : this.keyLine(depth, key).text + ' []\n');
    } else {
      const keys = Object.keys(v as PlainMap);
      if (keys.length > 0) {
        if (key === undefined) this.putText('\n');
        else this.put(this.openLine(depth, key));
        this.map(v as PlainMap, keys, depth + 1, undefined);
      } else this.putText(key === undefined ? ' {}\n' : this.keyLine(depth, key).text + ' {}\n');
    }
  }

  /** ` scalar\n` after a key or a dash: cached for a string. */
  private scalarAfter(v: null | boolean | number | string): void {
    if (typeof v === 'string') this.put(this.scalarText(v));
    else this.putText(scalarAfter(v));
  }

  private keyLine(depth: number, k: string): Piece {
    const lines = this.keyLines[depth] ?? (this.keyLines[depth] = new Map());
    let line = lines.get(k);
    if (line === undefined) lines.set(k, (line = new Piece(indentOf(depth) + this.key(k).text)));
    return line;
  }

  private openLine(depth: number, k: string): Piece {
    const lines = this.openLines[depth] ?? (this.openLines[depth] = new Map());
    let line = lines.get(k);
    if (line === undefined) lines.set(k, (line = new Piece(this.keyLine(depth, k).text + '\n')));
    return line;
  }

  /** `key: value\n` at `depth`. */
  private scalarLine(depth: number, k: string, v: string): Piece {
    const byKey = this.scalarLines[depth] ?? (this.scalarLines[depth] = new Map());
    let lines = byKey.get(k);
    if (lines === undefined) byKey.set(k, (lines = new Map()));
    let line = lines.get(v);
    if (line === undefined) lines.set(v, (line = new Piece(this.keyLine(depth, k).text + this.scalarText(v).text)));
    return line;
  }

  /** `- item\n` at `depth`. */
  private itemLine(depth: number, v: string): Piece {
    const lines = this.itemLines[depth] ?? (this.itemLines[depth] = new Map());
    let line = lines.get(v);
    if (line === undefined) lines.set(v, (line = new Piece(indentOf(depth) + '-' + this.scalarText(v).text)));
    return line;
  }

  private key(k: string): Piece {
    let text = this.keys.get(k);
    if (text === undefined) this.keys.set(k, (text = new Piece(`${isPlainSafe(k) ? k : JSON.stringify(k)}:`)));
    return text;
  }

  /** ` value\n` for a string. */
  private scalarText(v: string): Piece {
    let text = this.values.get(v);
    if (text === undefined) this.values.set(v, (text = new Piece(` ${scalar(v)}\n`)));
    return text;
  }
}

/** ` scalar\n`. */
function scalarAfter(v: null | boolean | number | string): string {
  return ` ${scalar(v)}\n`;
}

/** Two spaces per depth. */
function indentOf(depth: number): string {
  return INDENTS[depth] ?? (INDENTS[depth] = '  '.repeat(depth));
}
const INDENTS: string[] = [];
