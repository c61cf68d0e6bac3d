// The one YAML serializer (STYLE habit 13). Plain JSON data in, block-style YAML out, byte for
// byte the same on every machine. Written by hand because it is the hot path at 100,000
// resources; test/to-yaml.test.ts checks it against the `yaml` library's parser.
//
// Speed (issue 5): one array of pieces per call, joined once, with no per-line arrays or
// slicing; each distinct key and string value is checked and quoted once per call; and an
// object met a second time under a key at the same indentation (the spec every namespace's
// copy of a declaration shares) is written from the text of its first rendering.

export type Plain = null | boolean | number | string | readonly Plain[] | { readonly [k: string]: Plain };

type PlainMap = { readonly [k: string]: Plain };

/** One document, ending in a newline. */
export function toYaml(value: Plain): string {
  const w = new Writer();
  w.document(value);
  return w.out.join('');
}

/** A stream: documents separated by `---`. */
export function toYamlStream(values: readonly Plain[]): string {
  const w = new Writer();
  for (let i = 0; i < values.length; i++) {
    if (i > 0) w.out.push('---\n');
    w.document(values[i]!);
  }
  return w.out.join('');
}

/** One call's output and caches; nothing outlives the call, so a changed object is never served from an old text. */
class Writer {
  readonly out: string[] = [];
  /** Key → `key:` as written. */
  private readonly keys = new Map<string, string>();
  /** String value → ` value\n` as written after a key or a dash. */
  private readonly values = new Map<string, string>();
  /** Object under a key → the indentation it was first met at. */
  private readonly seen = new Map<object, string>();
  /** Object met twice under a key at one indentation → its text there. */
  private readonly texts = new Map<object, { readonly indent: string; readonly text: string }>();

  document(value: Plain): void {
    if (value === null || typeof value !== 'object') this.out.push(scalar(value), '\n');
    else if (Array.isArray(value)) this.seq(value as readonly Plain[], '', '');
    else {
      const keys = Object.keys(value);
      if (keys.length > 0) this.map(value as PlainMap, keys, '', '');
    }
  }

  /** The entries of a non-empty map; the first line starts with `lead`, the others with `indent`. */
  private map(m: PlainMap, keys: readonly string[], indent: string, lead: string): void {
    const out = this.out;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      out.push(i === 0 ? lead : indent, this.key(k));
      const v = m[k]!;
      if (v !== null && typeof v === 'object') this.shared(v, indent);
      else out.push(this.scalarText(v));
    }
  }

  /** The items of a non-empty sequence; the first line starts with `lead`, the others with `indent`. */
  private seq(s: readonly Plain[], indent: string, lead: string): void {
    const out = this.out;
    const inner = indent + '  ';
    for (let i = 0; i < s.length; i++) {
      const item = s[i]!;
      const line = i === 0 ? lead : indent;
      if (item !== null && typeof item === 'object') {
        if (Array.isArray(item)) {
          if (item.length > 0) this.seq(item as readonly Plain[], inner, line + '- ');
          else out.push(line, '- []\n');
        } else {
          // First entry on the dash line, the rest aligned under it.
          const keys = Object.keys(item);
          if (keys.length > 0) this.map(item as PlainMap, keys, inner, line + '- ');
          else out.push(line, '- {}\n');
        }
      } else out.push(line, '-', this.scalarText(item));
    }
  }

  /** A collection under a key at `indent`, from the text of an earlier rendering when there is one. */
  private shared(v: object, indent: string): void {
    const done = this.texts.get(v);
    if (done !== undefined && done.indent === indent) {
      this.out.push(done.text);
      return;
    }
    const first = this.seen.get(v);
    if (first === undefined) this.seen.set(v, indent);
    if (first !== indent || done !== undefined) {
      this.value(v as Plain, indent);
      return;
    }
    const start = this.out.length;
    this.value(v as Plain, indent);
    const text = this.out.splice(start).join('');
    this.out.push(text);
    this.texts.set(v, { indent, text });
  }

  /** What follows `key:` for a collection under a key at `indent`. */
  private value(v: Plain, indent: string): void {
    if (Array.isArray(v)) {
      // Sequences under a key sit at the key's indentation, as kubectl writes them.
      if (v.length > 0) {
        this.out.push('\n');
        this.seq(v as readonly Plain[], indent, indent);
      } else this.out.push(' []\n');
    } else {
      const keys = Object.keys(v as PlainMap);
      if (keys.length > 0) {
        const inner = indent + '  ';
        this.out.push('\n');
        this.map(v as PlainMap, keys, inner, inner);
      } else this.out.push(' {}\n');
    }
  }

  private key(k: string): string {
    let text = this.keys.get(k);
    if (text === undefined) this.keys.set(k, (text = `${isPlainSafe(k) ? k : JSON.stringify(k)}:`));
    return text;
  }

  /** ` scalar\n`. */
  private scalarText(v: null | boolean | number | string): string {
    if (typeof v !== 'string') return ` ${scalar(v)}\n`;
    let text = this.values.get(v);
    if (text === undefined) this.values.set(v, (text = ` ${scalar(v)}\n`));
    return text;
  }
}

function scalar(v: null | boolean | number | string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '.nan';
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
