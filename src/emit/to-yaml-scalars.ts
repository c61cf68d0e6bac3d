// How the YAML serializer (to-yaml.ts) writes a scalar: a string plain where every reader takes it
// back as that same string, in JSON's double quotes otherwise; numbers, booleans and null as YAML
// 1.2 writes them. "Every reader" is both YAML 1.1 and 1.2, because the output is read by Go's
// yaml.v2 (1.1: `yes`, `on`, `y` are booleans there) as well as by 1.2 readers; JSON's quoting is
// valid YAML in both and escapes every control character. The rules sit apart from the writer
// because they decide what the output means, while the writer only decides where text goes;
// test/to-yaml.test.ts reads tricky strings back with the `yaml` library in both versions.

/** A scalar as YAML text. */
export function scalar(v: null | boolean | number | string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return isPlainSafe(v) ? v : JSON.stringify(v);
}

/**
 * A string that every YAML 1.1 and 1.2 reader takes back as that same string: it starts with a
 * letter, `_`, `/`, `$`, `^` or `(` (indicators matter only as the first character), holds no
 * forbidden character, no `: `, no line or paragraph separator or BOM, does not end in a space or
 * a colon, is not a word YAML reads as something else, and is at most 1024 characters long.
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

// Words YAML 1.1 or 1.2 read as something other than a string (Go's yaml.v2 reads 1.1).
const SPECIAL = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~', '<<', '=']);
const LONGEST_SPECIAL = 5;
// ASCII that may not appear in a plain string at all: controls, DEL, quotes, comment, flow and escape characters.
const FORBIDDEN = new Uint8Array(128);
for (let c = 0; c < 0x20; c++) FORBIDDEN[c] = 1;
for (const ch of '\x7f"\'`#,[]{}\\') FORBIDDEN[ch.charCodeAt(0)] = 1;
