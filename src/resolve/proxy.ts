// Which proxy a request goes through, read from the environment as curl reads it: `https_proxy` or
// `HTTPS_PROXY` for https URLs, `http_proxy` or `HTTP_PROXY` for http ones (lower case first; Go and
// Docker also take the upper-case HTTP_PROXY, so we do too), and `no_proxy` or `NO_PROXY` for the
// exceptions: `*` as the whole value (no proxy at all), host names matching themselves and every subdomain (a
// leading `.` or `*.` is ignored), `host:port`, IP addresses and CIDR ranges (`10.0.0.0/8`).
// Loopback addresses are proxied like any other unless NO_PROXY names them (curl's rule; Go's
// http.ProxyFromEnvironment would bypass them silently): a registry on 127.0.0.1 behind a proxy is
// reached through it, and `NO_PROXY=localhost,127.0.0.1,::1` keeps it direct.
// The connection itself is undici's ProxyAgent (a CONNECT tunnel, for http and https alike).

import { BlockList, isIP } from 'node:net';
import type { Env } from './docker-config.ts';
import type { Redactor } from './redact.ts';

const DEFAULT_PORT: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/** The proxy URL for `url`, or undefined to go direct; a sentence when the variable holds no usable proxy URL. */
export function proxyFor(url: URL, env: Env): string | undefined | { problem: string } {
  const name = url.protocol === 'https:' ? 'https_proxy' : 'http_proxy';
  const raw = pick(env, name);
  if (raw === undefined) return undefined;
  if (bypassed(url, pick(env, 'no_proxy') ?? '')) return undefined;
  return proxyUrl(raw, name);
}

/** Registers every proxy credential in the environment with the redactor, before anything can print it. */
export function redactProxyCredentials(env: Env, redactor: Redactor): void {
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY']) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const u = safeUrl(raw.includes('://') ? raw : `http://${raw}`);
    // A value that is no URL may still hold a credential: hide it whole. One without userinfo
    // holds none, and hiding it would hide the proxy's address from every message.
    if (u === undefined) redactor.add(raw);
    if (u === undefined || (u.username === '' && u.password === '')) continue;
    redactor.add(raw);
    const password = decoded(u.password);
    redactor.add(u.password);
    redactor.add(password);
    // The Proxy-Authorization value is base64 of `user:password`; the redactor hides its base64 form.
    redactor.add(`${decoded(u.username)}:${password}`);
  }
}

/** A percent-decoded URL part, or the part as written where its escapes are broken (`%zz`). */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The proxy as messages name it: scheme, host and port, never its user or password. */
export function proxyLabel(uri: string): string {
  const u = safeUrl(uri);
  return u === undefined ? 'the proxy' : `proxy ${u.protocol}//${u.host}`;
}

function pick(env: Env, lower: string): string | undefined {
  const v = env[lower] || env[lower.toUpperCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function proxyUrl(raw: string, name: string): string | { problem: string } {
  // curl takes a proxy without a scheme as http://.
  const u = safeUrl(raw.includes('://') ? raw : `http://${raw}`);
  if (u === undefined || u.hostname === '') return { problem: `${name.toUpperCase()} is not a proxy URL` };
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { problem: `${name.toUpperCase()} names a ${u.protocol.replace(':', '')} proxy; meshext speaks to http and https proxies only` };
  // The proxy client decodes the user and password; a broken escape there would fail every request.
  if (decoded(u.username) === u.username && u.username.includes('%')) return { problem: `${name.toUpperCase()} has a broken %-escape in its user name` };
  if (decoded(u.password) === u.password && u.password.includes('%')) return { problem: `${name.toUpperCase()} has a broken %-escape in its password` };
  return u.toString();
}

function safeUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** Whether NO_PROXY exempts `url`. */
export function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(url.port) || DEFAULT_PORT[url.protocol] || 0;
  const ipType = isIP(host);
  // `*` means every host only when it is the whole value (curl and Go alike); inside a list it matches nothing.
  if (noProxy.trim() === '*') return true;
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '' || entry === '*') continue;
    if (entry.includes('/')) {
      if (ipType !== 0 && inCidr(host, ipType, entry)) return true;
      continue;
    }
    let entryPort = 0;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort) {
      entry = withPort[1]!;
      entryPort = Number(withPort[2]);
    }
    if (entryPort !== 0 && entryPort !== port) continue;
    entry = entry.replace(/^\[|\]$/g, '');
    if (isIP(entry) !== 0) {
      if (ipType !== 0 && sameIp(entry, host)) return true;
      continue;
    }
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

function inCidr(host: string, ipType: number, cidr: string): boolean {
  const [net, bits] = cidr.split('/') as [string, string];
  const netType = isIP(net);
  const prefix = Number(bits);
  if (netType === 0 || !/^\d+$/.test(bits) || prefix > (netType === 4 ? 32 : 128)) return false;
  const list = new BlockList();
  list.addSubnet(net, prefix, netType === 4 ? 'ipv4' : 'ipv6');
  return list.check(host, ipType === 4 ? 'ipv4' : 'ipv6');
}

function sameIp(a: string, b: string): boolean {
  if (a === b) return true;
  const list = new BlockList();
  const type = isIP(a) === 4 ? 'ipv4' : 'ipv6';
  list.addAddress(a, type);
  return list.check(b, isIP(b) === 4 ? 'ipv4' : 'ipv6');
}
