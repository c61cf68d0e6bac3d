// JSON.parse, with every object's keys in written order: JSON.parse makes plain objects, which list
// integer-like keys first (in-written-order.ts). Config given as a JSON string (Maistra v1alpha1,
// Gloo's StringValue) is emitted keys as written, as config given as YAML is.

import { inWrittenOrder, setOwn } from './in-written-order.ts';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../model/json-depth.ts';

/** A string token of valid JSON: outside strings JSON has no quotes, so matches follow one another exactly. */
const STRING = /"(?:[^"\\]|\\.)*"/g;
/** A string that starts with a digit, plainly or escaped: only then may a key move. */
const DIGIT_FIRST = /"(?:[0-9]|\\u003[0-9])/;

/**
 * The value of a JSON text; throws as JSON.parse does on anything that is not JSON, and a
 * SyntaxError on JSON nested deeper than MAX_JSON_DEPTH.
 */
export function parseJsonAsWritten(text: string): unknown {
  if (jsonDeeperThan(text, MAX_JSON_DEPTH)) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  const value: unknown = JSON.parse(text);
  if (!DIGIT_FIRST.test(text)) return value;
  // Every key gets a leading `#`, so none is integer-like and JSON.parse keeps them in order; unmark takes it off again.
  const marked = text.replace(STRING, (s: string, at: number) => (isKey(text, at + s.length) ? `"#${s.slice(1)}` : s));
  return unmark(JSON.parse(marked));
}

/** Whether the string token ending at `end` is a key: a colon follows it. */
function isKey(text: string, end: number): boolean {
  let i = end;
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  return text[i] === ':';
}

function unmark(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unmark);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  const written: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    written.push(k.slice(1));
    setOwn(out, k.slice(1), unmark(x));
  }
  return inWrittenOrder(out, written);
}

