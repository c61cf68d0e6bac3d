// The token exchange: how a registry's Bearer challenge and the user's credential become
// `Authorization: Bearer <token>` for one repository scope, and how long that token is kept.
// transport.ts decides when a token is needed (the registry's challenge asks for one); this file
// decides how to get it. The protocol is Docker's token authentication, which every registry
// with a token server speaks:
//
// - The challenge names the token server (realm), the service and maybe more scopes. The realm
//   decides where credentials travel, so it is checked first (checkRealm: https, or plain HTTP
//   only where the registry itself may be plain) and credentials never go to a realm that fails.
// - An identity token (what `docker login` stores for an OAuth login) is a refresh token: it is
//   sent as an OAuth2 form POST (grant_type=refresh_token). A token server that only does GET
//   answers that POST with 404 or 405; we then ask again by GET with the token as a Basic
//   password (its username, or `<token>` as docker does).
// - A username and password go as Basic auth on a GET that names the service and the scopes;
//   with no credential the GET goes anonymously, which public repositories allow.
// - The answer is JSON with `token` or `access_token`. Every secret in it goes to the redactor
//   before anything could print it. A token that cannot be sent in a header is refused here,
//   where the message can say so, rather than as a vague network error on every attempt.
// - Tokens are cached per registry and scope as promises, so requests that run at once share
//   one fetch. A token is renewed a little before it expires (expires_in, 60 s when absent) so
//   it never dies in flight; a failed fetch is not kept; a 401 with a token forces a new one.
//
// The requests themselves go through the transport (its retries, timeouts, redirect rules,
// proxy and TLS settings and the render's deadline), handed in as `request`.
// ARCHITECTURE.md, "The network", places this among the rest of the wire layer.

import { checkRealm } from './challenge.ts';
import type { Challenge } from './challenge.ts';
import type { Credential } from './docker-config.ts';
import { failure, isFailure, isRegistryError } from './registry-error.ts';
import type { RegistryError, ResolveFailure } from './registry-error.ts';
import type { Redactor } from './redact.ts';

/**
 * One request to a token server, made with the transport's retries, timeouts and redirect rules
 * under the render's deadline. `via` is the registry whose proxy and TLS settings apply.
 */
export type TokenRequest = (
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
  maxBytes: number,
  via: string,
) => Promise<{ readonly body: Buffer } | RegistryError>;

export interface TokenExchangeOptions {
  readonly redactor: Redactor;
  /** Whether `host` may be spoken to in plain HTTP (loopback, insecureRegistries): a realm may be plain only then. */
  readonly plainAllowed: (host: string) => boolean;
  readonly request: TokenRequest;
}

export interface TokenExchange {
  /**
   * `Bearer <token>` for `scope` at `registry` (whose host is `host`), answering `challenge`: the
   * cached token while it lives, else one from the token server. `force` skips the cache (the
   * registry has just refused the cached token).
   */
  bearer(
    challenge: Challenge,
    registry: string,
    host: string,
    scope: string,
    credential: Credential | undefined,
    force: boolean,
  ): Promise<string | RegistryError | ResolveFailure>;
}

interface Token {
  readonly value: string;
  /** Date.now() after which the token is fetched again. */
  readonly expires: number;
}

type PendingToken = Promise<Token | RegistryError | ResolveFailure>;

/** The most of a token server's answer we read: tokens are a few kilobytes. */
const MAX_TOKEN_BYTES = 1024 * 1024;

export function createTokenExchange(opts: TokenExchangeOptions): TokenExchange {
  const { redactor, request } = opts;
  /** Registry → scope → its token, fetched or on the way. */
  const cache = new Map<string, Map<string, PendingToken>>();

  async function bearer(
    ch: Challenge,
    registry: string,
    host: string,
    scope: string,
    credential: Credential | undefined,
    force: boolean,
  ): Promise<string | RegistryError | ResolveFailure> {
    let tokens = cache.get(registry);
    if (tokens === undefined) cache.set(registry, (tokens = new Map()));
    let pending = force ? undefined : tokens.get(scope);
    if (pending !== undefined) {
      const t = await pending;
      if (isFailure(t) || isRegistryError(t) || t.expires <= Date.now()) pending = undefined;
    }
    if (pending === undefined) {
      const problem = checkRealm(ch.params.realm, host, opts.plainAllowed(host));
      if (problem !== undefined) {
        return failure('RESOLVE_FAILED', redactor.redact(`registry ${registry} sent a token realm that ${problem}; refusing to send credentials there`));
      }
      pending = fetchToken(ch, registry, scope, credential);
      tokens.set(scope, pending);
    }
    const t = await pending;
    return isFailure(t) || isRegistryError(t) ? t : `Bearer ${t.value}`;
  }

  /** A token from the token server: the OAuth POST for an identity token (GET where it is refused), else a GET. */
  async function fetchToken(ch: Challenge, registry: string, scope: string, credential: Credential | undefined): PendingToken {
    const realm = ch.params.realm!;
    const scopes = [scope, ...(ch.params.scope ?? '').split(' ').filter((x) => x !== '' && x !== scope)];
    const service = ch.params.service;
    const viaGet = (basic: { username: string; password: string } | undefined): Promise<{ readonly body: Buffer } | RegistryError> => {
      const u = new URL(realm);
      if (service) u.searchParams.set('service', service);
      for (const x of scopes) u.searchParams.append('scope', x);
      const headers: Record<string, string> = { 'user-agent': 'meshext' };
      if (basic) headers.authorization = basicHeader(basic, redactor);
      return request('GET', u.toString(), headers, undefined, MAX_TOKEN_BYTES, registry);
    };
    let res: { readonly body: Buffer } | RegistryError;
    if (credential?.kind === 'identity-token') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.token, client_id: 'meshext', scope: scopes.join(' ') });
      if (service) form.set('service', service);
      const body = Buffer.from(form.toString(), 'utf8');
      const headers = { 'user-agent': 'meshext', 'content-type': 'application/x-www-form-urlencoded' };
      res = await request('POST', realm, headers, body, MAX_TOKEN_BYTES, registry);
      if (isRegistryError(res) && (res.status === 404 || res.status === 405)) res = await viaGet({ username: credential.username ?? '<token>', password: credential.token });
    } else {
      res = await viaGet(credential?.kind === 'basic' ? credential : undefined);
    }
    if (isRegistryError(res)) {
      if (res.status !== 401 && res.status !== 403) return res;
      const who = credential === undefined ? 'anonymous access' : 'the credentials';
      return failure('RESOLVE_FAILED', redactor.redact(`the token server of ${registry} refused ${who} (HTTP ${res.status}) for ${scopes.join(' ')}`));
    }
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
    try {
      json = JSON.parse(res.body.toString('utf8')) as typeof json;
    } catch {
      return failure('RESOLVE_FAILED', `the token server of ${registry} answered with something that is not JSON`);
    }
    const value = typeof json?.token === 'string' && json.token !== '' ? json.token : typeof json?.access_token === 'string' ? json.access_token : '';
    for (const secret of [json?.token, json?.access_token, json?.refresh_token]) if (typeof secret === 'string') redactor.add(secret);
    if (value === '') return failure('RESOLVE_FAILED', `the token server of ${registry} returned no token`);
    if (!/^[\x21-\x7e]+$/.test(value)) return failure('RESOLVE_FAILED', `the token server of ${registry} returned a token that cannot be sent in an HTTP header`);
    // Renew 10 s early (half the lifetime for a short one), so a token never dies in flight.
    const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
    return { value, expires: Date.now() + Math.max(lifetime * 1000 - 10_000, (lifetime * 1000) / 2) };
  }

  return { bearer };
}

/** `Basic <base64>` for a username and password; the encoded value is a secret to the redactor. */
export function basicHeader(c: { username: string; password: string }, redactor: Redactor): string {
  const value = Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64');
  redactor.add(value);
  return `Basic ${value}`;
}
