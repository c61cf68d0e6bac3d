// The wire layer under every registry and module download. Every request meshext sends to a
// registry, a token server or an http(s) module goes through here, so the rules that keep a render
// safe and bounded live in one place:
//
// - Auth follows the registry's challenge. Round 0 sends what we already know about the registry;
//   a 401 teaches its WWW-Authenticate challenge and round 1 answers it: Basic, a registry token,
//   or a Bearer token from its token server (token-exchange.ts: the fetch, the refresh-token POST,
//   the GET fallback and the cache per registry and scope).
// - Retries are bounded: 429 (waiting as Retry-After asks, up to a limit), 5xx but 501, 505 and
//   511, dropped connections and timeouts, with jittered exponential backoff; everything else is
//   the answer. A 429 that asks for a long wait fails at once instead of stalling the render.
// - Redirects are followed by hand, so Authorization never reaches another origin (registries
//   hand out presigned storage URLs), an https URL never redirects to plain http, and a POST
//   becomes a GET where browsers and registries expect it.
// - Plain HTTP is tried only for loopback hosts and insecureRegistries, only when an https
//   attempt got no TLS answer at all (a plain-HTTP server answers a TLS hello with garbage), and
//   the scheme that worked is remembered. A server that answered in TLS is never downgraded.
// - Bodies are read under a cap and an idle timeout, and each attempt under a hard limit, so a
//   hostile or dripping server cannot hold the render or its memory.
// - The render's deadline (deadline.ts) aborts every request; each request is recorded as pending
//   work while it runs, so the deadline's message can name what it was waiting for; no retry or
//   Retry-After wait is started that would end past it. --offline fails every request at once.
// - The HTTP client (http-client.ts, undici loaded on first use) chooses per request the proxy
//   and the TLS trust; requests on a registry's behalf (its token server, a redirect to its
//   storage) pass that registry as `via`, so they use its TLS settings. It also explains TLS and
//   proxy failures better than a bare error code, and says when plain HTTP must not follow.
//
// ARCHITECTURE.md, "The network", shows where this sits among TLS trust, proxies and credentials.

import { hostnameOf, isLoopbackHost, parseChallenges } from './challenge.ts';
import type { Challenge } from './challenge.ts';
import { createKeychain } from './docker-config.ts';
import { createHttpClient } from './http-client.ts';
import type { Credential, Env } from './docker-config.ts';
import { registryHost } from './reference.ts';
import { describeNetworkError, isFailure, isRegistryError, registryError, redactUrl, MAX_ERROR_BODY } from './registry-error.ts';
import type { RegistryError, ResolveFailure } from './registry-error.ts';
import type { Redactor } from './redact.ts';
import type { Deadline, RequestWatch } from './deadline.ts';
import { basicHeader, createTokenExchange } from './token-exchange.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A 429 asking to wait longer than this fails at once instead of stalling the render. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };
export const DEFAULT_TIMEOUT_MS = 30_000;

/** One request as send takes it: method, URL, headers, body, the statuses that answer, the body cap, and the registry whose TLS settings apply. */
type Attempt = [method: string, url: string, headers: Record<string, string>, body: Uint8Array | undefined, ok: readonly number[], maxBytes: number, via?: string];

export interface TransportOptions {
  readonly env: Env;
  readonly insecureRegistries: readonly string[];
  readonly redactor: Redactor;
  /** Longest wait for response headers, or between two chunks of a body. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly log?: (line: string) => void;
  /** --offline: every request fails at once, so only what the cache holds can resolve. */
  readonly offline?: boolean;
  /** The render's deadline: aborts every request; no timeout or retry is planned past it. */
  readonly deadline?: Deadline;
}

export interface RegistryRequest {
  /** As written in the reference (`docker.io`, `host:port`). */
  readonly registry: string;
  readonly repository: string;
  readonly push?: boolean;
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** `/v2/…` under the registry, or an absolute URL the registry handed out (an upload Location). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Statuses that are an answer; anything else becomes a RegistryError. */
  readonly ok: readonly number[];
  readonly maxBytes: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly url: string;
}

export interface Transport {
  registry(req: RegistryRequest): Promise<HttpResponse | RegistryError | ResolveFailure>;
  /** GET of a plain URL (http(s) modules): same timeouts, retries and redirect rules, no credentials. */
  get(url: string, maxBytes: number): Promise<HttpResponse | RegistryError>;
}

/** What one attempt produced when no HTTP response came. */
interface NetError {
  readonly kind: 'net';
  readonly url: string;
  readonly cause: string;
  readonly retryable: boolean;
  /** The server answered in TLS (a certificate it sent or an alert), or the proxy failed: plain HTTP is never tried after this. */
  readonly noDowngrade?: boolean;
}

/** What the transport has learnt about one registry: whether it speaks TLS, and how it wants to be asked. */
interface RegistryState {
  scheme?: 'https' | 'http';
  challenge?: Challenge;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
// Bounds one attempt however slowly a server drips bytes: the idle timeout alone would not.
const ATTEMPT_LIMIT_MS = 10 * 60_000;

export function createTransport(opts: TransportOptions): Transport {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { deadline } = opts;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const states = new Map<string, RegistryState>();
  const { redactor } = opts;
  const keychain = createKeychain({ env: opts.env, addSecret: (x) => redactor.add(x), ...(deadline ? { signal: deadline.signal } : {}) });
  const log = (line: string): void => opts.log?.(redactor.redact(line));
  const client = createHttpClient({ env: opts.env, insecureRegistries: opts.insecureRegistries, redactor });
  const plainAllowed = (host: string): boolean => isLoopbackHost(host) || opts.insecureRegistries.some((r) => r === host || r === hostnameOf(host));
  const tokens = createTokenExchange({
    redactor,
    plainAllowed,
    request: (method, url, headers, body, maxBytes, via) => withRetries(method, () => send(method, url, headers, body, [200], maxBytes, via), [200]),
  });

  const state = (registry: string): RegistryState => {
    let s = states.get(registry);
    if (s === undefined) states.set(registry, (s = {}));
    return s;
  };

  async function registry(req: RegistryRequest): Promise<HttpResponse | RegistryError | ResolveFailure> {
    const host = registryHost(req.registry);
    const st = state(req.registry);
    const credential = await keychain.find(req.registry, req.repository);
    if (isFailure(credential)) return credential;
    const scope = `repository:${req.repository}:${req.push ? 'pull,push' : 'pull'}`;
    const absolute = /^https?:\/\//.test(req.path);
    // An upload Location may point at other storage: the registry's credentials stay with the registry.
    const toRegistry = !absolute || new URL(req.path).host === host;
    const urlFor = (scheme: string): string => (absolute ? req.path : `${scheme}://${host}${req.path}`);
    let unauthorized: HttpResponse | undefined;
    // Round 0 uses what we know; a 401 teaches us the challenge and round 1 answers it.
    for (let round = 0; round < 2; round++) {
      const auth = toRegistry ? await authorization(st, req.registry, host, scope, credential, round > 0) : undefined;
      if (isFailure(auth) || isRegistryError(auth)) return auth;
      if (round > 0 && auth === undefined) break;
      const headers: Record<string, string> = { 'user-agent': 'meshext', ...lower(req.headers) };
      if (auth !== undefined) headers.authorization = auth;
      const once = async (): Promise<HttpResponse | NetError | RegistryError> => {
        const scheme = st.scheme;
        const res = await send(req.method, urlFor(scheme ?? 'https'), headers, req.body, [...req.ok, 401], req.maxBytes, req.registry);
        // A plain-HTTP registry answers a TLS hello with garbage: where plain HTTP is allowed, try it and remember.
        // A server that answered in TLS is never downgraded, whatever was wrong with its certificate.
        // What counts is the scheme this attempt used: a request sent side by side may have learnt plain HTTP meanwhile.
        if (isNet(res) && !res.noDowngrade && scheme === undefined && st.scheme !== 'https' && toRegistry && plainAllowed(host)) {
          const plain = await send(req.method, urlFor('http'), headers, req.body, [...req.ok, 401], req.maxBytes, req.registry);
          if (!isNet(plain)) st.scheme = 'http';
          return plain;
        }
        if (!isNet(res) && !isRegistryError(res) && toRegistry) st.scheme ??= 'https';
        return res;
      };
      const res = await withRetries(req.method, once, [...req.ok, 401]);
      if (isRegistryError(res)) return res;
      if (res.status === 401 && round === 0 && toRegistry) {
        const challenge = pickChallenge(res.headers.get('www-authenticate'));
        unauthorized = res;
        if (challenge !== undefined) {
          st.challenge = challenge;
          continue;
        }
      }
      if (req.ok.includes(res.status)) return res;
      unauthorized = res;
      break;
    }
    const res = unauthorized!;
    return registryError({ method: req.method, url: res.url, status: res.status, statusText: res.statusText, body: res.body, cause: authHint(res.status, credential, st.challenge), redactor });
  }

  function get(url: string, maxBytes: number): Promise<HttpResponse | RegistryError> {
    return withRetries('GET', () => send('GET', url, { 'user-agent': 'meshext' }, undefined, [200], maxBytes), [200]);
  }

  /** The Authorization value the registry's challenge asks for: Basic, a registry token, or a token from its token server. */
  async function authorization(
    st: RegistryState,
    registry: string,
    host: string,
    scope: string,
    credential: Credential | undefined,
    force: boolean,
  ): Promise<string | undefined | RegistryError | ResolveFailure> {
    const ch = st.challenge;
    if (ch === undefined) return undefined;
    if (ch.scheme === 'basic') return credential?.kind === 'basic' ? basicHeader(credential, redactor) : undefined;
    if (ch.scheme !== 'bearer') return undefined;
    if (credential?.kind === 'registry-token') return `Bearer ${credential.token}`;
    return tokens.bearer(ch, registry, host, scope, credential, force);
  }

  /** Attempts until an answer in `ok`, a final error, or the attempt budget is spent. */
  async function withRetries(
    method: string,
    once: () => Promise<HttpResponse | NetError | RegistryError>,
    ok: readonly number[],
  ): Promise<HttpResponse | RegistryError> {
    for (let attempt = 1; ; attempt++) {
      const res = await once();
      if (isRegistryError(res)) return res;
      const url = res.url;
      if (isNet(res)) {
        const delay = backoff(attempt);
        if (res.retryable && attempt < policy.attempts) {
          if (pastDeadline(delay)) return registryError({ method, url, cause: `${res.cause}; no time left for another attempt: ${timeLeft()}`, temporary: false, redactor });
          log(`retrying ${method} ${redactUrl(url)}: ${res.cause} (attempt ${attempt + 1} of ${policy.attempts})`);
          await sleep(delay);
          continue;
        }
        return registryError({ method, url, cause: res.cause, temporary: res.retryable, redactor });
      }
      const retry = retryDecision(res, attempt);
      if (typeof retry === 'number' && pastDeadline(retry)) {
        const cause = res.status === 429 ? `rate limited; the registry asks to wait ${Math.ceil(retry / 1000)} s, but only ${timeLeft()}` : `no time left for another attempt: ${timeLeft()}`;
        return registryError({ method, url, status: res.status, statusText: res.statusText, body: res.body, cause, temporary: false, redactor });
      }
      if (typeof retry === 'number') {
        log(`retrying ${method} ${redactUrl(url)}: HTTP ${res.status} (attempt ${attempt + 1} of ${policy.attempts}, in ${retry} ms)`);
        await sleep(retry);
        continue;
      }
      if (retry === undefined && ok.includes(res.status)) return res;
      return registryError({ method, url, status: res.status, statusText: res.statusText, body: res.body, ...(retry ? { cause: retry } : {}), redactor });
    }
  }

  /** A delay before the next attempt, a reason to stop, or undefined for "this is the answer". */
  function retryDecision(res: HttpResponse, attempt: number): number | string | undefined {
    const temporary = res.status === 429 || (res.status >= 500 && res.status !== 501 && res.status !== 505 && res.status !== 511);
    if (!temporary) return undefined;
    if (attempt >= policy.attempts) return `gave up after ${attempt} attempts`;
    if (res.status !== 429) return backoff(attempt);
    const after = retryAfterMs(res.headers.get('retry-after'));
    if (after === undefined) return backoff(attempt);
    if (after > policy.maxRetryAfterMs) return `rate limited; the registry asks to wait ${Math.ceil(after / 1000)} s, more than the ${Math.ceil(policy.maxRetryAfterMs / 1000)} s meshext waits`;
    return after;
  }

  function backoff(attempt: number): number {
    const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }

  /** True when waiting `delayMs` would leave no time before the deadline for the next attempt. */
  function pastDeadline(delayMs: number): boolean {
    return deadline !== undefined && delayMs >= deadline.remaining();
  }

  function timeLeft(): string {
    return `${(deadline!.remaining() / 1000).toFixed(1)} s remain before the render's deadline (${deadline!.source})`;
  }

  /** One attempt, recorded as pending work of the render's deadline until it ends. */
  async function send(...attempt: Attempt): Promise<HttpResponse | NetError | RegistryError> {
    const watch = deadline?.watch(attempt[0], attempt[1]);
    try {
      return await hops(watch, ...attempt);
    } finally {
      watch?.end();
    }
  }

  /** One attempt: the request, redirects followed by hand, the body read under a cap and an idle timeout. */
  async function hops(watch: RequestWatch | undefined, ...[method, url, headers, body, ok, maxBytes, via]: Attempt): Promise<HttpResponse | NetError | RegistryError> {
    if (opts.offline) return registryError({ method, url, cause: 'not in the cache, and --offline forbids the network', temporary: false, redactor });
    const origin = new URL(url).origin;
    let current = url;
    let m = method;
    let b = body;
    let dropAuth = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const ac = new AbortController();
      const signal = deadline ? AbortSignal.any([ac.signal, deadline.signal]) : ac.signal;
      watch?.at(current);
      let idle = setTimeout(() => ac.abort(), timeoutMs);
      const bump = (bytes?: number): void => {
        clearTimeout(idle);
        idle = setTimeout(() => ac.abort(), timeoutMs);
        if (bytes !== undefined) watch?.received(bytes);
      };
      const hard = setTimeout(() => ac.abort(), ATTEMPT_LIMIT_MS);
      try {
        const h = { ...headers };
        if (dropAuth) delete h.authorization;
        const res = await client.fetch(current, { method: m, headers: h, ...(b !== undefined ? { body: b } : {}), signal }, via);
        bump();
        watch?.answered(res.headers.has('content-length') ? Number(res.headers.get('content-length')) : undefined);
        const location = res.headers.get('location');
        if (REDIRECTS.has(res.status) && location !== null && !ok.includes(res.status)) {
          await res.body?.cancel().catch(() => {});
          let next: URL;
          try {
            next = new URL(location, current);
          } catch {
            return registryError({ method: m, url: current, status: res.status, cause: 'redirect to an invalid URL', redactor });
          }
          const from = new URL(current);
          const downgrade = from.protocol === 'https:' && next.protocol === 'http:' && !plainAllowed(next.host);
          if ((next.protocol !== 'https:' && next.protocol !== 'http:') || downgrade) {
            return registryError({ method: m, url: current, status: res.status, cause: `refusing redirect to ${redactUrl(next.toString())}`, redactor });
          }
          // Authorization is never sent across origins (the registry's credentials stay with it). Once dropped it stays dropped.
          if (next.origin !== origin) dropAuth = true;
          if (res.status === 303 || ((res.status === 301 || res.status === 302) && m === 'POST')) {
            m = 'GET';
            b = undefined;
          }
          current = next.toString();
          continue;
        }
        // Error answers (a 401 we handle ourselves included) are read leniently under the error-body cap.
        const isOk = ok.includes(res.status) && res.status < 400;
        const read = m === 'HEAD' ? Buffer.alloc(0) : await readCapped(res, isOk ? maxBytes : MAX_ERROR_BODY, isOk, bump);
        if (read === 'too-large') {
          return registryError({ method: m, url: current, status: res.status, statusText: res.statusText, cause: `response is larger than the limit of ${maxBytes} bytes`, temporary: false, redactor });
        }
        return { status: res.status, statusText: res.statusText, headers: res.headers, body: read, url: current };
      } catch (e) {
        if (deadline?.signal.aborted) return registryError({ method: m, url: current, cause: `stopped at the render's deadline (${deadline.source})`, temporary: false, redactor });
        return { kind: 'net', url: current, ...((!ac.signal.aborted && client.explain(e, current)) || describeNetworkError(e, ac.signal.aborted, timeoutMs)) };
      } finally {
        clearTimeout(idle);
        clearTimeout(hard);
      }
    }
    return registryError({ method, url, cause: `more than ${MAX_REDIRECTS} redirects`, redactor });
  }

  return { registry, get };
}

function isNet(x: unknown): x is NetError {
  return (x as NetError).kind === 'net';
}

/** Of the challenges in WWW-Authenticate, Bearer first (a token scoped to the repository), else Basic. */
function pickChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const all = parseChallenges(header);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}

function authHint(status: number, credential: Credential | undefined, challenge: Challenge | undefined): string | undefined {
  if (status !== 401 && status !== 403) return undefined;
  if (credential === undefined) return 'no credentials found for this registry (docker login, DOCKER_CONFIG or REGISTRY_AUTH_FILE)';
  return challenge?.scheme === 'basic' || status === 401 ? 'the registry rejected the credentials' : 'access denied';
}

function lower(h: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function retryAfterMs(v: string | null): number | undefined {
  if (v === null) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

async function readCapped(res: Response, cap: number, strict: boolean, bump: (bytes: number) => void): Promise<Buffer | 'too-large'> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (strict && declared > cap) {
    await res.body?.cancel().catch(() => {});
    return 'too-large';
  }
  if (res.body === null) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    bump(total);
    if (total > cap) {
      await reader.cancel().catch(() => {});
      if (strict) return 'too-large';
      chunks.push(Buffer.from(value.subarray(0, value.byteLength - (total - cap))));
      break;
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
