// The one YAML serializer (STYLE habit 13). Plain JSON data in, block-style YAML out, byte for
// byte the same on every machine. Written by hand because it is the hot path at 100,000
// resources; test/to-yaml.test.ts checks it against the `yaml` library's parser.
//
// Speed (issue 5): the cost is in the number of pieces written, so each distinct key line, each
// distinct key-and-string line and each `key:` that opens a collection is checked, quoted and
// indented once per call and written as one piece; an object the emitters mark as shared between
// resources (the spec every namespace's copy of a declaration has) is written, key line and all,
// from the text of its first rendering at that depth; a document the emitters mark as a copy of
// another (the same declaration in another namespace) is written, in a stream, as that one's
// text with the scalars that differ replaced. A stream of bytes (writeYamlBytes) writes each
// piece straight into one reused buffer, a cached piece written again as a copy of its bytes:
// no joined strings, and no buffer per chunk for the garbage collector.

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
 * holding the output once and holding it two or three times over (issue 5).
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

/**
 * Marks an object as one that several resources share, so that a stream writes it once per
 * depth and repeats the text. A hint only: the text is kept for one call, so it is right as
 * long as the object does not change while a call writes it.
 */
export function markShared<T extends object>(o: T): T {
  SHARED.add(o);
  return o;
}
const SHARED = new WeakSet<object>();

/**
 * Marks a document as a copy of `model` that may differ from it in scalar values only (say, the
 * namespace and the names made from it), so that a stream writes it as the model's text with
 * those values replaced. A hint only: the stream checks that the two agree in everything else
 * (keys, shapes, shared objects) and writes the document in full when they do not.
 */
export function markCopy<T extends object>(doc: T, model: object): T {
  (doc as Copy)[MODEL] = model;
  return doc;
}
const MODEL = Symbol('model');
type Copy = { [MODEL]?: object };

/** Buffer's own UTF-8 writer: Buffer#write's argument handling costs as much again per piece. */
type Utf8Writer = Buffer & { utf8Write?: (s: string, offset: number) => number };

/**
 * A piece of text the writer caches (a key line, a `key: value` line, a shared object's text),
 * with its UTF-8 bytes from its second write as bytes on: copying bytes costs a third of
 * encoding the text again.
 */
class Piece {
  bytes: Uint8Array | undefined;
  written = 0;
  constructor(readonly text: string) {}
}

const SEPARATOR = new Piece('---\n');

/** Pieces of text to bytes in one buffer, handed on whenever the next piece might not fit. */
class ByteSink {
  private readonly buf: Utf8Writer;
  private pos = 0;
  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 16));
  }

  text(s: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
    if (this.pos + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.write(Buffer.from(s, 'utf8'));
        return;
      }
    }
    const buf = this.buf;
    this.pos += buf.utf8Write !== undefined ? buf.utf8Write(s, this.pos) : buf.write(s, this.pos);
  }

  piece(p: Piece): void {
    let bytes = p.bytes;
    if (bytes === undefined) {
      if (p.written++ === 0) {
        this.text(p.text);
        return;
      }
      bytes = p.bytes = Buffer.from(p.text, 'utf8');
    }
    if (this.pos + bytes.length > this.buf.length) {
      this.flush();
      if (bytes.length > this.buf.length) {
        this.write(bytes);
        return;
      }
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  end(): void {
    this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}

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
      const model = this.templates !== undefined ? (value as Copy)[MODEL] : undefined;
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
    const key = (from + 1) * (t.starts.length + 1) + to;
    let piece = t.segments.get(key);
    if (piece === undefined) t.segments.set(key, (piece = new Piece(t.text.slice(from < 0 ? 0 : t.ends[from], to < t.starts.length ? t.starts[to] : t.text.length))));
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
    const count = { holes: 0 };
    const shape = shapeOf(model, count, true);
    if (count.holes !== holes.length) return null; // cannot happen: the walks agree
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 0;
    for (let i = 0, h = 0; i < pieces.length; i++) {
      if (h < holes.length && holes[h] === i) {
        starts.push(at);
        ends.push(at + pieces[i]!.length);
        h++;
      }
      at += pieces[i]!.length;
    }
    return { shape, text: pieces.join(''), starts, ends, segments: new Map() };
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
    if (!SHARED.has(v)) {
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

/** A model document's text cut at its scalars (holes), and what a copy must agree with it on. */
interface Template {
  readonly shape: Shape;
  readonly text: string;
  /** Where each hole's text (` scalar\n`) starts and ends in `text`, in text order. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** The text between two holes, by (from + 1) × (holes + 1) + to. */
  readonly segments: Map<number, Piece>;
}

/**
 * What a copy must agree with its model on, walked in the order the writer writes: a map's keys
 * in order and their values, a sequence's items, a shared object (that very object, written as
 * one piece), or a scalar (a hole, which the copy may fill with another scalar). One class for
 * all four, so that checking a copy reads the same fields of the same kind of object.
 */
class Shape {
  constructor(
    readonly kind: 0 | 1 | 2 | 3,
    /** Map: its keys; sequence: none. */
    readonly keys: readonly string[],
    /** Map: its values' shapes, key by key; sequence: its items'. */
    readonly parts: readonly Shape[],
    /** Shared: the object; hole: the scalar. */
    readonly value: unknown,
    /** Hole: its number, in text order. */
    readonly hole: number,
  ) {}
}
const MAP = 0;
const SEQ = 1;
const SHARED_OBJECT = 2;
const HOLE = 3;

/** The shape of a map's value, or (`item`) of a document or sequence item, which the writer never takes as shared. */
function shapeOf(v: Plain, count: { holes: number }, item = false): Shape {
  if (v === null || typeof v !== 'object') return new Shape(HOLE, [], [], v, count.holes++);
  if (!item && SHARED.has(v)) return new Shape(SHARED_OBJECT, [], [], v, -1);
  if (Array.isArray(v)) return new Shape(SEQ, [], (v as readonly Plain[]).map((x) => shapeOf(x, count, true)), undefined, -1);
  const keys = Object.keys(v);
  return new Shape(MAP, keys, keys.map((k) => shapeOf((v as PlainMap)[k]!, count)), undefined, -1);
}

/** Whether `v` agrees with `shape` but in scalars; those that differ are added to `diffs` as hole, value. */
function agrees(v: Plain, shape: Shape, diffs: unknown[]): boolean {
  const kind = shape.kind;
  if (kind === HOLE) {
    if (v !== null && typeof v === 'object') return false;
    if (v !== shape.value) diffs.push(shape.hole, v);
    return true;
  }
  if (kind === SHARED_OBJECT) return v === shape.value;
  if (v === null || typeof v !== 'object') return false;
  const parts = shape.parts;
  if (kind === SEQ) {
    if (!Array.isArray(v) || v.length !== parts.length) return false;
    for (let i = 0; i < v.length; i++) if (!agrees((v as readonly Plain[])[i]!, parts[i]!, diffs)) return false;
    return true;
  }
  if (Array.isArray(v)) return false;
  // for-in reads a plain object's own keys in Object.keys order without making an array; a
  // key it finds beyond them (an enumerable inherited one) makes a disagreement, never a wrong text.
  const keys = shape.keys;
  let i = 0;
  for (const k in v) {
    if (i >= keys.length || k !== keys[i] || !agrees((v as PlainMap)[k]!, parts[i]!, diffs)) return false;
    i++;
  }
  return i === keys.length;
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

function scalar(v: null | boolean | number | string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return isPlainSafe(v) ? v : JSON.stringify(v);
}

// Words YAML 1.1 or 1.2 read as something other than a string (Go's yaml.v2 reads 1.1).
const SPECIAL = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~', '<<', '=']);
const LONGEST_SPECIAL = 5;
// ASCII that may not appear in a plain string at all: controls, DEL, quotes, comment, flow and escape characters.
const FORBIDDEN = new Uint8Array(128);
for (let c = 0; c < 0x20; c++) FORBIDDEN[c] = 1;
for (const ch of '\x7f"\'`#,[]{}\\') FORBIDDEN[ch.charCodeAt(0)] = 1;

/**
 * A string that every YAML 1.1 and 1.2 reader takes back as that same string: it starts with a
 * letter, `_`, `/`, `$`, `^` or `(` (indicators matter only as the first character), holds no
 * forbidden character, no `: `, no line or paragraph separator or BOM, does not end in a space or
 * a colon, and is not a word YAML reads as something else.
 */
export function isPlainSafe(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 1024) return false;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90) || c0 === 95 || c0 === 47 || c0 === 36 || c0 === 94 || c0 === 40)) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (FORBIDDEN[c] === 1) return false;
      if (c === 58 /* : */ && (i === n - 1 || s.charCodeAt(i + 1) === 32)) return false;
      if (c === 32 && i === n - 1) return false;
    } else if (c === 0x2028 || c === 0x2029 || c === 0xfeff) return false;
  }
  return n > LONGEST_SPECIAL || !SPECIAL.has(s.toLowerCase());
}
