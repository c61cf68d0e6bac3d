// The checks Istio's WasmPlugin and TrafficExtension CRDs make with CEL rules and list-map keys,
// which JSON Schema cannot express (or which we keep here so each has one wording, Istio's own).
// Pure functions over an unvalidated spec: a value of the wrong type is skipped, the schema reports it.

import type { SchemaIssue } from './validate-document.ts';

type Path = readonly (string | number)[];
type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Runs every rule on a WasmPlugin-shaped spec (also the native Extension's spec and overrides) or a TrafficExtension spec. */
export function checkIstioRules(kind: 'WasmPlugin' | 'TrafficExtension', spec: unknown, at: Path = ['spec']): SchemaIssue[] {
  if (!isObj(spec)) return [];
  const targets = kind === 'WasmPlugin' ? ['selector', 'targetRef', 'targetRefs'] : ['selector', 'targetRefs'];
  const out = [
    ...atMostOneTarget(spec, at, targets),
    ...noSelectorWildcards(spec.selector, [...at, 'selector']),
    ...targetRefsSameNamespace(spec, at, targets),
    ...noDuplicateMatchPorts(spec.match, [...at, 'match']),
  ];
  if (kind === 'TrafficExtension') {
    out.push(...exactlyOneOfWasmOrLua(spec, at));
    if (isObj(spec.wasm)) out.push(...wasmRules(spec.wasm, [...at, 'wasm']));
  } else {
    out.push(...wasmRules(spec, at));
  }
  return out;
}

function wasmRules(wasm: Obj, at: Path): SchemaIssue[] {
  const env = isObj(wasm.vmConfig) ? wasm.vmConfig.env : undefined;
  return [
    ...urlHasIstioScheme(wasm.url, [...at, 'url']),
    ...envValueOnlyInline(env, [...at, 'vmConfig', 'env']),
    ...noDuplicateEnvNames(env, [...at, 'vmConfig', 'env']),
  ];
}

export function atMostOneTarget(spec: Obj, at: Path, keys: readonly string[]): SchemaIssue[] {
  return keys.filter((k) => spec[k] !== undefined).length > 1
    ? [{ path: at, message: 'only one of targetRefs or selector can be set' }]
    : [];
}

export function noSelectorWildcards(selector: unknown, at: Path): SchemaIssue[] {
  return isObj(selector) ? noLabelWildcards(selector.matchLabels, [...at, 'matchLabels']) : [];
}

/** A label map as a selector's matchLabels (also what Maistra's and Gloo's workload labels become). */
export function noLabelWildcards(labels: unknown, at: Path): SchemaIssue[] {
  if (!isObj(labels)) return [];
  const out: SchemaIssue[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const path = [...at, key];
    if (key === '') out.push({ path, message: 'key must not be empty' });
    if (key.includes('*')) out.push({ path, message: 'wildcard not allowed in label key match' });
    else if (typeof value === 'string' && value.includes('*')) out.push({ path, message: 'wildcard not allowed in label value match' });
  }
  return out;
}

export function targetRefsSameNamespace(spec: Obj, at: Path, keys: readonly string[]): SchemaIssue[] {
  const refs: [unknown, Path][] = keys.includes('targetRef') ? [[spec.targetRef, [...at, 'targetRef']]] : [];
  if (Array.isArray(spec.targetRefs)) spec.targetRefs.forEach((r, i) => refs.push([r, [...at, 'targetRefs', i]]));
  return refs
    .filter(([r]) => isObj(r) && typeof r.namespace === 'string' && r.namespace !== '')
    .map(([, path]) => ({ path: [...path, 'namespace'], message: 'cross namespace referencing is not currently supported' }));
}

/** `match[].ports` is a list-map keyed by `number`: the API server rejects a repeated port. */
export function noDuplicateMatchPorts(match: unknown, at: Path): SchemaIssue[] {
  if (!Array.isArray(match)) return [];
  return match.flatMap((m, i) =>
    isObj(m) && Array.isArray(m.ports)
      ? duplicates(m.ports, 'number').map(([j, first, n]) => ({
          path: [...at, i, 'ports', j, 'number'],
          message: `Duplicate value: port ${n} is already listed at ports[${first}]`,
        }))
      : [],
  );
}

/** `vmConfig.env` is a list-map keyed by `name`. */
export function noDuplicateEnvNames(env: unknown, at: Path): SchemaIssue[] {
  if (!Array.isArray(env)) return [];
  return duplicates(env, 'name').map(([j, first, name]) => ({
    path: [...at, j, 'name'],
    message: `Duplicate value: env name ${JSON.stringify(name)} is already used by env[${first}]`,
  }));
}

export function envValueOnlyInline(env: unknown, at: Path): SchemaIssue[] {
  if (!Array.isArray(env)) return [];
  return env.flatMap((e, i) =>
    isObj(e) && e.valueFrom === 'HOST' && e.value !== undefined
      ? [{ path: [...at, i, 'value'], message: 'value may only be set when valueFrom is INLINE' }]
      : [],
  );
}

export function exactlyOneOfWasmOrLua(spec: Obj, at: Path): SchemaIssue[] {
  return (spec.wasm !== undefined) === (spec.lua !== undefined) ? [{ path: at, message: 'exactly one of wasm or lua must be set' }] : [];
}

export function urlHasIstioScheme(url: unknown, at: Path): SchemaIssue[] {
  return typeof url === 'string' && !isIstioUrl(url) ? [{ path: at, message: 'url must have schema one of [http, https, file, oci]' }] : [];
}

/** [index of the repeat, index of the first, key value] for each repeated key. */
function duplicates(items: readonly unknown[], key: string): [number, number, unknown][] {
  const seen = new Map<unknown, number>();
  const out: [number, number, unknown][] = [];
  items.forEach((item, i) => {
    if (!isObj(item) || item[key] === undefined) return;
    const first = seen.get(item[key]);
    if (first === undefined) seen.set(item[key], i);
    else out.push([i, first, item[key]]);
  });
  return out;
}

const SCHEMES = ['', 'http', 'https', 'oci', 'file'];

/**
 * The CRD's CEL rule, `isURL(self) ? url(self).getScheme() in [...] : isURL("http://" + self) && …`.
 * So a string Go cannot parse as a request URI gets a second chance as a host-and-path ("test" passes).
 */
export function isIstioUrl(url: string): boolean {
  const parsed = parseRequestUri(url);
  return parsed ? SCHEMES.includes(parsed.scheme) : parseRequestUri(`http://${url}`) !== undefined;
}

/**
 * Go's `url.ParseRequestURI`, which Kubernetes CEL's `isURL` and `url()` call: the lower-cased scheme,
 * or undefined where Go returns an error. Follows net/url's `parse(rawURL, viaRequest=true)`, including
 * the check (Go 1.24.8/1.25.2) that only an IPv6 address may sit inside brackets.
 */
export function parseRequestUri(raw: string): { scheme: string } | undefined {
  if (raw === '' || /[\x00-\x1f\x7f]/.test(raw)) return undefined;
  if (raw === '*') return { scheme: '' };
  const split = splitScheme(raw);
  if (!split) return undefined;
  const scheme = split.scheme.toLowerCase();
  let rest = split.rest;
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q); // the query is never validated
  if (!rest.startsWith('/')) return scheme !== '' ? { scheme } : undefined; // opaque, or relative (refused via request)
  if (scheme !== '' && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    authority = slash >= 0 ? authority.slice(0, slash) : authority;
    if (!validAuthority(authority)) return undefined;
  }
  return unescapes(rest, 'path') ? { scheme } : undefined;
}

function splitScheme(raw: string): { scheme: string; rest: string } | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') return i === 0 ? undefined : { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function validAuthority(authority: string): boolean {
  const at = authority.lastIndexOf('@');
  if (!validHost(at < 0 ? authority : authority.slice(at + 1))) return false;
  if (at < 0) return true;
  const userinfo = authority.slice(0, at);
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo) && unescapes(userinfo, 'path');
}

function validHost(host: string): boolean {
  if (host.startsWith('[')) {
    const end = host.lastIndexOf(']');
    if (end < 0 || !validOptionalPort(host.slice(end + 1))) return false;
    const zone = host.slice(0, end).indexOf('%25');
    const address = host.slice(1, zone >= 0 ? zone : end);
    const escapesOk =
      zone >= 0
        ? unescapes(host.slice(0, zone), 'host') && unescapes(host.slice(zone, end), 'zone') && unescapes(host.slice(end), 'host')
        : unescapes(host, 'host');
    return escapesOk && isIpv6(address);
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !validOptionalPort(host.slice(colon))) return false;
  return unescapes(host, 'host');
}

const validOptionalPort = (port: string): boolean => port === '' || /^:[0-9]*$/.test(port);

/** Characters a Go URL host may hold unescaped (`shouldEscape(c, encodeHost)` is false), ASCII only. */
const HOST_CHAR = /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/;

/** Whether Go's `unescape(s, mode)` succeeds. */
function unescapes(s: string, mode: 'path' | 'host' | 'zone'): boolean {
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return false;
      const byte = parseInt(hex, 16);
      // In a host, %-escapes may only encode non-ASCII bytes, except %25 (RFC 6874 zones).
      if (mode === 'host' && byte < 0x80 && hex !== '25') return false;
      if (mode === 'zone' && hex !== '25' && byte !== 0x20 && !HOST_CHAR.test(String.fromCharCode(byte))) return false;
      i += 3;
      continue;
    }
    if (mode !== 'path' && c.charCodeAt(0) < 0x80 && !HOST_CHAR.test(c)) return false;
    i++;
  }
  return true;
}

/** An IPv6 address as Go's netip.ParseAddr reads it (a bare IPv4 address is refused inside brackets). */
function isIpv6(address: string): boolean {
  let addr = address;
  const v4 = /:(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
  if (v4) {
    if (!v4.slice(1).every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) return false;
    addr = `${addr.slice(0, v4.index + 1)}0:0`; // an embedded IPv4 address fills two groups
  }
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}
