// The one YAML serializer (STYLE habit 13). Plain JSON data in, block-style YAML out, byte for
// byte the same on every machine. Written by hand because it is the hot path at 100,000
// resources; test/to-yaml.test.ts checks it against the `yaml` library's parser.

export type Plain = null | boolean | number | string | readonly Plain[] | { readonly [k: string]: Plain };

/** One document, ending in a newline. */
export function toYaml(value: Plain): string {
  const out: string[] = [];
  if (isMap(value)) writeMap(value, '', out);
  else if (Array.isArray(value)) writeSeq(value, '', out);
  else out.push(scalar(value as null | boolean | number | string), '\n');
  return out.join('');
}

/** A stream: documents separated by `---`. */
export function toYamlStream(values: readonly Plain[]): string {
  return values.map(toYaml).join('---\n');
}

function isMap(v: Plain): v is { readonly [k: string]: Plain } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function writeMap(m: { readonly [k: string]: Plain }, indent: string, out: string[]): void {
  for (const k of Object.keys(m)) {
    const v = m[k]!;
    out.push(indent, key(k), ':');
    writeValue(v, indent, out);
  }
}

function writeSeq(s: readonly Plain[], indent: string, out: string[]): void {
  for (const item of s) {
    out.push(indent, '-');
    if (isMap(item) && Object.keys(item).length > 0) {
      // First entry on the dash line, the rest aligned under it.
      const lines: string[] = [];
      writeMap(item, indent + '  ', lines);
      out.push(' ', lines.join('').slice(indent.length + 2));
    } else if (Array.isArray(item) && item.length > 0) {
      const lines: string[] = [];
      writeSeq(item, indent + '  ', lines);
      out.push(' ', lines.join('').slice(indent.length + 2));
    } else {
      out.push(' ', inline(item), '\n');
    }
  }
}

function writeValue(v: Plain, indent: string, out: string[]): void {
  if (isMap(v) && Object.keys(v).length > 0) {
    out.push('\n');
    writeMap(v, indent + '  ', out);
  } else if (Array.isArray(v) && v.length > 0) {
    // Sequences under a key sit at the key's indentation, as kubectl writes them.
    out.push('\n');
    writeSeq(v, indent, out);
  } else {
    out.push(' ', inline(v), '\n');
  }
}

function inline(v: Plain): string {
  if (Array.isArray(v)) return '[]';
  if (isMap(v)) return '{}';
  return scalar(v as null | boolean | number | string);
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
// Indicators matter only as the first character; flow and quote characters are kept out entirely.
const SAFE = /^[A-Za-z_/$^(][^\x00-\x1f\x7f"'`#,[\]{}\\]*$/u;

/** A string that every YAML 1.1 and 1.2 reader takes back as that same string. */
export function isPlainSafe(s: string): boolean {
  if (s.length === 0 || s.length > 1024) return false;
  if (!SAFE.test(s)) return false;
  if (s.endsWith(' ') || s.endsWith(':') || s.includes(': ') || s.includes(' #') || s.includes('\u2028') || s.includes('\u2029') || s.includes('\ufeff')) return false;
  return !SPECIAL.has(s.toLowerCase());
}
