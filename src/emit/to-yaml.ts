// The one YAML serializer (STYLE habit 13). Plain JSON data in, block-style YAML out, byte for
// byte the same on every machine. Written by hand because it is the hot path at 100,000
// resources; test/to-yaml.test.ts checks it against the `yaml` library's parser.
//
// Speed (issue 5): one array of pieces per call, joined once; no per-line arrays or slicing;
// strings checked in one pass over their characters. A stream serializes each object that is
// a top-level value of several documents (a spec shared by every namespace's copy) only once.

export type Plain = null | boolean | number | string | readonly Plain[] | { readonly [k: string]: Plain };

type PlainMap = { readonly [k: string]: Plain };

/** One document, ending in a newline. */
export function toYaml(value: Plain): string {
  const out: string[] = [];
  writeDocument(value, out, undefined);
  return out.join('');
}

/** A stream: documents separated by `---`. */
export function toYamlStream(values: readonly Plain[]): string {
  const out: string[] = [];
  // Per call, so an object changed between two calls is never served from an old text.
  const memo = new WeakMap<object, string>();
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out.push('---\n');
    writeDocument(values[i]!, out, memo);
  }
  return out.join('');
}

function writeDocument(value: Plain, out: string[], memo: WeakMap<object, string> | undefined): void {
  if (value === null || typeof value !== 'object') {
    out.push(scalar(value), '\n');
  } else if (Array.isArray(value)) {
    writeSeq(value as readonly Plain[], '', '', out);
  } else {
    const m = value as PlainMap;
    const keys = Object.keys(m);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = m[k]!;
      out.push(key(k), ':');
      if (memo !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        let text = memo.get(v);
        if (text === undefined) {
          const sub: string[] = [];
          writeValue(v, '', sub);
          text = sub.join('');
          memo.set(v, text);
        }
        out.push(text);
      } else writeValue(v, '', out);
    }
  }
}

/** The entries of a non-empty map; the first line starts with `lead`, the others with `indent`. */
function writeMap(m: PlainMap, keys: readonly string[], indent: string, lead: string, out: string[]): void {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out.push(i === 0 ? lead : indent, key(k), ':');
    writeValue(m[k]!, indent, out);
  }
}

/** The items of a non-empty sequence; the first line starts with `lead`, the others with `indent`. */
function writeSeq(s: readonly Plain[], indent: string, lead: string, out: string[]): void {
  const inner = indent + '  ';
  for (let i = 0; i < s.length; i++) {
    const item = s[i]!;
    const dash = (i === 0 ? lead : indent) + '- ';
    if (item !== null && typeof item === 'object') {
      if (Array.isArray(item)) {
        if (item.length > 0) writeSeq(item as readonly Plain[], inner, dash, out);
        else out.push(dash, '[]\n');
      } else {
        // First entry on the dash line, the rest aligned under it.
        const keys = Object.keys(item);
        if (keys.length > 0) writeMap(item as PlainMap, keys, inner, dash, out);
        else out.push(dash, '{}\n');
      }
    } else out.push(dash, scalar(item), '\n');
  }
}

/** What follows `key:` for a value under a key at `indent`. */
function writeValue(v: Plain, indent: string, out: string[]): void {
  if (v !== null && typeof v === 'object') {
    if (Array.isArray(v)) {
      // Sequences under a key sit at the key's indentation, as kubectl writes them.
      if (v.length > 0) {
        out.push('\n');
        writeSeq(v as readonly Plain[], indent, indent, out);
      } else out.push(' []\n');
    } else {
      const keys = Object.keys(v);
      if (keys.length > 0) {
        const inner = indent + '  ';
        out.push('\n');
        writeMap(v as PlainMap, keys, inner, inner, out);
      } else out.push(' {}\n');
    }
  } else out.push(' ', scalar(v), '\n');
}

function scalar(v: null | boolean | number | string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '.nan';
  return isPlainSafe(v) ? v : JSON.stringify(v);
}

function key(k: string): string {
  return isPlainSafe(k) ? k : JSON.stringify(k);
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
