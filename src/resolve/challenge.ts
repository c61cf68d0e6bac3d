// WWW-Authenticate (RFC 7235) as registries really send it: several challenges in one header
// (Node joins repeated headers with ", "), quoted or bare values (gcr.io sends service=gcr.io
// unquoted), backslash escapes, missing parameters, and token68 forms such as `Basic abc==`.
// No npm parser gets all of these right (reference/oci.md §2), hence this file.

export interface Challenge {
  /** Lower-cased: "bearer", "basic", … */
  readonly scheme: string;
  /** Parameter names lower-cased. */
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseChallenges(header: string): Challenge[] {
  const s = header.slice(0, 16 * 1024);
  const out: Challenge[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && TOKEN.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
    const scheme = token();
    if (scheme === '') {
      // Not a challenge start: skip to the next comma and try again.
      while (i < s.length && s[i] !== ',') i++;
      continue;
    }
    const params: Record<string, string> = {};
    let token68: string | undefined;
    ws();
    // token68 directly after the scheme (`Basic abc==`): one run of token68 characters, then a comma or the end.
    const t68 = /^[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(?:,|$))/.exec(s.slice(i));
    if (t68) {
      token68 = t68[0];
      i += t68[0].length;
    }
    while (token68 === undefined && i < s.length) {
      ws();
      const save = i;
      const name = token();
      ws();
      if (name === '' || s[i] !== '=') {
        i = save; // the next challenge's scheme
        break;
      }
      i++; // '='
      ws();
      params[name.toLowerCase()] = s[i] === '"' ? quoted() : bare();
      ws();
      if (s[i] === ',') i++;
      else break;
    }
    out.push(token68 === undefined ? { scheme: scheme.toLowerCase(), params } : { scheme: scheme.toLowerCase(), params, token68 });
  }
  return out;

  function quoted(): string {
    i++; // opening quote
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote (or past the end)
    return v;
  }
  function bare(): string {
    // Lenient: realms are sometimes sent unquoted, and a URL holds ':' and '/', which are not token characters.
    const start = i;
    while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
    return s.slice(start, i);
  }
}
