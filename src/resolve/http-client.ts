// The HTTP client under the transport: undici's fetch with one dispatcher per registry and proxy, so
// each registry gets its own trust (certs.d CAs on top of Node's store, a client certificate, no
// verification for an insecure registry) and each request goes direct or through the proxy the
// environment names for its URL. Requests made on a registry's behalf (its token server, a redirect
// to its storage) use that registry's TLS settings, as Docker's and podman's clients do. undici is
// loaded on the first request only (load-undici.ts says why).

import type { Dispatcher, RequestInit as UndiciRequestInit } from 'undici';
import { hostnameOf } from './challenge.ts';
import type { Env } from './docker-config.ts';
import { loadUndici } from './load-undici.ts';
import { proxyFor, proxyLabel, redactProxyCredentials } from './proxy.ts';
import type { Redactor } from './redact.ts';
import { registryHost } from './reference.ts';
import { errorCode } from './registry-error.ts';
import { registryTls, tlsFailure } from './tls.ts';
import type { RegistryTls } from './tls.ts';

export interface HttpClientOptions {
  readonly env: Env;
  readonly insecureRegistries: readonly string[];
  readonly redactor: Redactor;
}

export interface RequestSpec {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
  readonly signal: AbortSignal;
}

/** What a failed request means, when this layer knows better than a bare error code. */
export interface Explained {
  readonly cause: string;
  readonly retryable: boolean;
  /**
   * Plain HTTP must not be tried after this: the server answered in TLS (so it speaks TLS, whatever was
   * wrong), or the failure was not the server's at all (settings, the proxy).
   */
  readonly noDowngrade: boolean;
}

export interface HttpClient {
  /** One request, redirects not followed; `via` is the registry (as written) on whose behalf it goes. */
  fetch(url: string, spec: RequestSpec, via: string | undefined): Promise<Response>;
  /** A thrown request error in words that name the registry or proxy and the reason; undefined for plain network errors. */
  explain(e: unknown, url: string): Explained | undefined;
}

/** A settings problem (an unusable certs.d file, a bad proxy variable): no request was made. */
class SetupProblem extends Error {}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  redactProxyCredentials(opts.env, opts.redactor);
  const tlsByRegistry = new Map<string, RegistryTls | { problem: string }>();
  const dispatchers = new Map<string, Dispatcher>();
  const proxyByOrigin = new Map<string, string | undefined>();
  const clientCertByOrigin = new Map<string, boolean>();
  const insecure = (names: readonly string[]): boolean => opts.insecureRegistries.some((r) => names.some((n) => r === n || r === hostnameOf(n)));

  function tlsFor(names: readonly string[]): RegistryTls {
    const key = names.join('\n');
    let t = tlsByRegistry.get(key);
    if (t === undefined) {
      t = registryTls(names, { env: opts.env, insecure: insecure(names), addSecret: (s) => opts.redactor.add(s) });
      tlsByRegistry.set(key, t);
    }
    if ('problem' in t) throw new SetupProblem(t.problem);
    return t;
  }

  return {
    async fetch(url, spec, via) {
      const u = new URL(url);
      const names = via === undefined ? [u.host] : [...new Set([via, registryHost(via)])];
      const tls = tlsFor(names);
      // The environment does not change during a render: NO_PROXY is matched once per origin.
      let proxy = proxyByOrigin.get(u.origin);
      if (!proxyByOrigin.has(u.origin)) {
        const found = proxyFor(u, opts.env);
        if (typeof found === 'object') throw new SetupProblem(found.problem);
        proxyByOrigin.set(u.origin, (proxy = found));
      }
      clientCertByOrigin.set(u.origin, tls.cert !== undefined);
      const key = `${names.join('\n')}\n${proxy ?? ''}`;
      const undici = await loadUndici();
      let dispatcher = dispatchers.get(key);
      if (dispatcher === undefined) {
        const connect = { ...(tls.ca ? { ca: [...tls.ca] } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}), rejectUnauthorized: tls.rejectUnauthorized };
        // Through a proxy the registry's TLS runs inside the tunnel (requestTls); the proxy's own TLS, if any, trusts Node's store.
        dispatcher = proxy === undefined ? new undici.Agent({ connect }) : new undici.ProxyAgent({ uri: proxy, requestTls: connect });
        dispatchers.set(key, dispatcher);
      }
      const init: UndiciRequestInit = { method: spec.method, headers: spec.headers, redirect: 'manual', signal: spec.signal, dispatcher, ...(spec.body !== undefined ? { body: new Uint8Array(spec.body) } : {}) };
      return (await undici.fetch(url, init)) as unknown as Response;
    },
    explain(e, url) {
      if (e instanceof SetupProblem) return { cause: e.message, retryable: false, noDowngrade: true };
      const u = new URL(url);
      const proxy = proxyByOrigin.get(u.origin);
      if (proxy !== undefined) {
        const status = proxyStatus(e);
        // 407 is the standard answer; some proxies (tinyproxy's BasicAuth) answer a CONNECT with 401.
        if (status === 407 || status === 401) {
          const why = proxy.includes('@') ? 'check the user and password in the proxy URL' : 'the proxy wants credentials: give them in the proxy URL, http://user:password@host:port';
          return { cause: `${proxyLabel(proxy)} refused the request: ${status} Proxy Authentication Required (${why})`, retryable: false, noDowngrade: true };
        }
        if (status !== undefined) return { cause: `${proxyLabel(proxy)} could not connect to ${u.host}: it answered ${status}`, retryable: status >= 500, noDowngrade: true };
        const code = errorCode(e);
        if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { cause: `cannot reach ${proxyLabel(proxy)} (${code})`, retryable: code === 'EAI_AGAIN', noDowngrade: true };
      }
      const tls = tlsFailure(e, u.host);
      if (tls !== undefined) return { cause: tls, retryable: false, noDowngrade: true };
      // undici reports UND_ERR_SOCKET only on an established connection: over https the handshake was done.
      // A server that then closes without a word is, most often, one that wanted a client certificate
      // (TLS 1.3 checks it after the handshake, and the alert is lost with the socket); a retry may still help.
      if (u.protocol === 'https:' && errorCode(e) === 'UND_ERR_SOCKET') {
        const hint = clientCertByOrigin.get(u.origin) ? '' : `; if it requires a TLS client certificate, put client.cert and client.key in certs.d/${u.host}/`;
        return { cause: `${u.host} closed the TLS connection without answering (UND_ERR_SOCKET)${hint}`, retryable: true, noDowngrade: true };
      }
      return undefined;
    },
  };
}

/**
 * The status a proxy answered a CONNECT with. undici reports it only in its error's message
 * ("Proxy response (407) !== 200 when HTTP Tunneling"), with no field to read it from.
 */
function proxyStatus(e: unknown): number | undefined {
  for (let c = e as { cause?: unknown; message?: unknown } | undefined, i = 0; c !== undefined && c !== null && i < 5; c = c.cause as typeof c, i++) {
    const m = typeof c.message === 'string' ? /Proxy response \((\d{3})\)/.exec(c.message) : null;
    if (m) return Number(m[1]);
  }
  return undefined;
}
