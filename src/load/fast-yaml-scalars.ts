// The scalar rules of the fast YAML parser (fast-yaml.ts): where a plain scalar starts and ends,
// what a plain scalar means, and what a single-line quoted scalar says. These are the rules on
// which the fast path and the `yaml` library must agree value for value, since a declaration's
// meaning (a port, a flag, a name that looks like a number) comes out of them; the structure
// around them (indentation, block and flow collections, block scalars) is fast-yaml.ts's.
//
// Values are those of the YAML 1.2 core schema, which the library path reads with, tested in the
// library's order: null (`~`, null), bool (true, false in three casings), int (decimal, 0o octal,
// 0x hex), float; anything else is a string. One addition: with goOctal, `0755` is octal 493, as
// Go's yaml.v3 reads it for kustomize. What the rules decline (throwing GIVE_UP, so the caller
// hands the text to the library, which owns every diagnostic): `.inf` and `.nan` and numbers past
// the double range (not JSON data), quoted scalars over more than one line, escapes other than
// YAML's named ones, `\x` and `\u` (so `\U` too), and `\u` escapes of lone surrogates.
//
// ARCHITECTURE.md, "The fast YAML path", says why the fast path exists and how the tests keep it
// equal to the library.

/** Thrown (one shared instance, no stack) when the text leaves the subset. */
export const GIVE_UP: unique symbol = Symbol('give up');

export const NL = 10;
export const SPACE = 32;
export const HASH = 35;
export const COLON = 58;
export const DASH = 45;
export const DQUOTE = 34;
export const SQUOTE = 39;
export const COMMA = 44;
export const LBRACKET = 91;
export const RBRACKET = 93;
export const LBRACE = 123;
export const RBRACE = 125;

/** Whether a plain scalar may start with `c`, the character at `i` (YAML 1.2, ns-plain-first); `flow` inside `[…]` or `{…}`. */
export function plainStart(text: string, i: number, c: number, flow: boolean): boolean {
  switch (c) {
    case DASH:
    case 63: // ?
    case COLON: {
      const n = text.charCodeAt(i + 1);
      return !(n === SPACE || n === NL || Number.isNaN(n) || (flow && isFlowIndicator(n)));
    }
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case SQUOTE:
    case DQUOTE:
    case 37: // %
    case 64: // @
    case 96: // `
    case SPACE:
    case NL:
      return false;
    default:
      return !Number.isNaN(c);
  }
}

/**
 * Where a plain scalar that starts at `start` ends on its line, trailing spaces excluded: at a
 * `: ` (or `:` before the line end), a ` #`, the newline, or in flow context a flow indicator.
 */
export function plainEnd(text: string, start: number, flow: boolean): number {
  const end = text.length;
  let i = start;
  let last = start; // one past the last non-space character
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === NL) break;
    if (c === COLON) {
      const n = text.charCodeAt(i + 1);
      if (n === SPACE || n === NL || i + 1 >= end || (flow && isFlowIndicator(n))) break;
    } else if (c === HASH) {
      if (text.charCodeAt(i - 1) === SPACE) break;
    } else if (flow && isFlowIndicator(c)) break;
    i++;
    if (c !== SPACE) last = i;
  }
  return last;
}

export function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT = /^0o[0-7]+$/;
const GO_OCT = /^0[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const NOT_FINITE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** A plain scalar's value under the YAML 1.2 core schema (plus Go's octal), tested in the library's order. */
export function resolvePlain(goOctal: boolean, s: string): unknown {
  const c = s.charCodeAt(0);
  // Most scalars are words: only these first characters can start a null, bool or number.
  if (!(c <= 57 /* 9 */ || c === 126 /* ~ */ || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70)) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  let n: number;
  if (goOctal && GO_OCT.test(s)) n = parseInt(s, 8);
  else if (OCT.test(s)) n = parseInt(s.substring(2), 8);
  else if (INT.test(s)) n = parseInt(s, 10);
  else if (HEX.test(s)) n = parseInt(s.substring(2), 16);
  else if (NOT_FINITE.test(s)) throw GIVE_UP; // not JSON data: the library path reports it
  else if (FLOAT.test(s)) n = parseFloat(s);
  else return s;
  // Digits past the double range (1e400, a 400-digit integer) read as Infinity: not JSON data either.
  if (n === Infinity || n === -Infinity) throw GIVE_UP;
  return n;
}

/** Where the parser is: its text, and the offset a scalar reader starts at and moves past what it read. */
export interface Cursor {
  readonly text: string;
  pos: number;
}

/** A single-line quoted scalar at the cursor, which ends past the closing quote. */
export function quoted(r: Cursor): string {
  const { text } = r;
  const quote = text.charCodeAt(r.pos);
  let i = r.pos + 1;
  if (quote === SQUOTE) {
    // '' is a quote; nothing else is special.
    let out = '';
    for (;;) {
      const close = text.indexOf("'", i);
      const nl = text.indexOf('\n', i);
      if (close < 0 || (nl >= 0 && nl < close)) throw GIVE_UP;
      out += text.slice(i, close);
      if (text.charCodeAt(close + 1) === SQUOTE) {
        out += "'";
        i = close + 2;
        continue;
      }
      r.pos = close + 1;
      return out;
    }
  }
  let out = '';
  let run = i;
  for (;;) {
    // The next character that is not the scalar's own: found natively, not one character at a time
    // (a lock's evidence is kilobytes of JSON in one scalar).
    DQ_SPECIAL.lastIndex = i;
    i = DQ_SPECIAL.test(text) ? DQ_SPECIAL.lastIndex - 1 : text.length;
    const c = text.charCodeAt(i);
    if (c === DQUOTE) break;
    if (c === NL || Number.isNaN(c)) throw GIVE_UP;
    out += text.slice(run, i);
    const e = text[i + 1];
    const simple = e === undefined ? undefined : ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'x' || e === 'u') {
      const n = e === 'x' ? 2 : 4;
      const hex = text.slice(i + 2, i + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw GIVE_UP;
      const cp = parseInt(hex, 16);
      if (cp >= 0xd800 && cp <= 0xdfff) throw GIVE_UP;
      out += String.fromCharCode(cp);
      i += 2 + n;
    } else throw GIVE_UP;
    run = i;
  }
  out += text.slice(run, i);
  r.pos = i + 1;
  return out;
}

/** What ends a run of a double-quoted scalar's own characters: its closing quote, an escape, a line break. */
const DQ_SPECIAL = /["\\\n]/g;

/** YAML's named escapes in double-quoted scalars. */
const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
