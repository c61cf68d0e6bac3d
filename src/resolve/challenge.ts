// WWW-Authenticate (RFC 7235) as registries really send it: several challenges in one header
// (Node joins repeated headers with ", "), quoted or bare values (gcr.io sends service=gcr.io
// unquoted), backslash escapes, missing parameters, and token68 forms such as `Basic abc==`.
// No npm parser gets all of these right (auth-header merges two challenges into one, www-authenticate
// fails on an escaped quote, http-auth-utils refuses service and scope), hence this file. Also here: the
// check of a Bearer realm before credentials go to it (go-containerregistry bearer.go
// validateRealmURL), since a registry's challenge decides where our secrets would travel.

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

/** Refuses realms that would leak credentials: non-http(s), http for an https registry, link-local or private targets. */
export function checkRealm(realm: string | undefined, registryHostPort: string, plain: boolean): string | undefined {
  if (realm === undefined || realm === '') return 'is missing';
  let u: URL;
  try {
    u = new URL(realm);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && plain)) return `uses ${u.protocol.replace(':', '')}`;
  if (u.username !== '' || u.password !== '') return 'carries user information';
  if (u.host === registryHostPort) return undefined;
  const h = hostnameOf(u.host);
  if (/^169\.254\./.test(h) || /^fe80:/i.test(h)) return 'points at a link-local address';
  if (isPrivateIp(h) && !isPrivateIp(hostnameOf(registryHostPort)) && !isLoopbackHost(registryHostPort)) return 'points at a private address';
  return undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = hostnameOf(host);
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isPrivateIp(h: string): boolean {
  return /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(h) || h === '::1' || /^f[cd][0-9a-f]{2}:/i.test(h) || h === 'localhost';
}

/** host[:port] → host, IPv6 brackets removed. */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i >= 0 && !host.slice(0, i).includes(':') ? host.slice(0, i) : host;
}
