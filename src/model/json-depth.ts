// How deep a JSON text nests, for config given as a JSON string (Maistra v1alpha1, Gloo's
// StringValue): YAML input is refused past 200 levels, and JSON deeper than that would overflow
// any recursive walk of it (parsing with keys in order, writing the output).

/** As deep as a YAML document may nest (the yaml library's reader refuses deeper ones): one limit for both. */
export const MAX_JSON_DEPTH = 200;

/** Whether `[`/`{` nest deeper than `max` outside strings: one pass, no parse. */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string: to the next quote not escaped.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
