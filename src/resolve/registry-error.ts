// Failures of the resolve stage are data, collected rather than thrown, with no secret in them: a registry answer that is not
// what we asked for becomes a `RegistryError` (status, the registry's error codes, a redacted
// URL, whether a retry may help); what a caller finally sees is a `ResolveFailure`.

import type { Redactor } from './redact.ts';

export type ResolveFailureCode = 'RESOLVE_FAILED' | 'IMAGE_NOT_LOADABLE' | 'SHA256_MISMATCH' | 'DEADLINE_EXCEEDED';

export interface ResolveFailure {
  readonly code: ResolveFailureCode;
  readonly message: string;
}

export interface RegistryErrorDetail {
  readonly code: string;
  readonly message: string;
}

export interface RegistryError {
  readonly kind: 'registry-error';
  /** HTTP status, or undefined when no response came (connection, TLS, timeout). */
  readonly status?: number;
  readonly codes: readonly RegistryErrorDetail[];
  readonly method: string;
  /** Query values and userinfo removed. */
  readonly url: string;
  readonly temporary: boolean;
  /** One line, already redacted. */
  readonly message: string;
}

/** The most of an error body we read: enough for `{"errors":[…]}`, not a hostile stream. */
export const MAX_ERROR_BODY = 64 * 1024;

const TEMPORARY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TEMPORARY_CODES = new Set(['TOOMANYREQUESTS', 'UNAVAILABLE']);
// Query parameters that say what was asked, not who asked: kept so messages stay useful.
const SAFE_QUERY = new Set(['scope', 'service', 'digest', 'n', 'last']);

export function failure(code: ResolveFailureCode, message: string): ResolveFailure {
  return { code, message };
}

export function isFailure(x: unknown): x is ResolveFailure {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('kind' in x);
}

export function isRegistryError(x: unknown): x is RegistryError {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'registry-error';
}

/** Drops userinfo and every query value but the harmless ones (signed storage URLs carry credentials). */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '<invalid URL>';
  }
  u.username = '';
  u.password = '';
  const keys = [...new Set(u.searchParams.keys())];
  for (const k of keys) if (!SAFE_QUERY.has(k)) u.searchParams.set(k, 'REDACTED');
  return u.toString();
}

export interface RegistryErrorInput {
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly statusText?: string;
  readonly body?: Uint8Array;
  /** What went wrong when there was no usable response. */
  readonly cause?: string;
  readonly temporary?: boolean;
  readonly redactor: Redactor;
}

export function registryError(input: RegistryErrorInput): RegistryError {
  const codes = input.body ? parseErrorBody(input.body, input.redactor) : [];
  const url = input.redactor.redact(redactUrl(input.url));
  const temporary =
    input.temporary ?? ((input.status !== undefined && TEMPORARY_STATUS.has(input.status)) || codes.some((c) => TEMPORARY_CODES.has(c.code)));
  const parts = [`${input.method} ${url}`];
  if (input.status !== undefined) parts.push(`${input.status}${input.statusText ? ` ${input.statusText}` : ''}`);
  for (const c of codes) parts.push(c.message ? `${c.code}: ${c.message}` : c.code);
  if (input.cause) parts.push(input.cause);
  const message = input.redactor.redact(parts.join(': ').replace(/[\r\n]+/g, ' '));
  return { kind: 'registry-error', ...(input.status !== undefined ? { status: input.status } : {}), codes, method: input.method, url, temporary, message };
}

/** distribution-spec error body `{"errors":[{code,message,detail}]}`; anything else yields no codes. */
function parseErrorBody(body: Uint8Array, redactor: Redactor): RegistryErrorDetail[] {
  const text = Buffer.from(body.subarray(0, MAX_ERROR_BODY)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = (json as { errors?: unknown })?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 8).flatMap((e: unknown) => {
    const code = (e as { code?: unknown })?.code;
    const message = (e as { message?: unknown })?.message;
    if (typeof code !== 'string') return [];
    // Redacted before it is cut short: a secret cut in two would no longer be recognised.
    return [{ code: redactor.redact(code).slice(0, 64), message: typeof message === 'string' ? redactor.redact(message).slice(0, 300) : '' }];
  });
}

/** What a caller sees of a registry error: its one-line, redacted message. */
export function toFailure(e: RegistryError | ResolveFailure): ResolveFailure {
  return isRegistryError(e) ? failure('RESOLVE_FAILED', e.message) : e;
}

// Failures that will not change on a retry: nobody listening, no such host, a certificate problem.
const NOT_RETRYABLE_NET = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|CERT_|ERR_TLS_CERT|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/;

/** What went wrong when fetch threw (undici buries the code in `cause`, or in an AggregateError). */
export function describeNetworkError(e: unknown, timedOut: boolean, timeoutMs: number): { cause: string; retryable: boolean } {
  if (timedOut) return { cause: `no data for ${timeoutMs} ms (timed out)`, retryable: true };
  const code = errorCode(e);
  const closed = code === 'UND_ERR_SOCKET' || /terminated|other side closed/.test(String((e as Error)?.message));
  const known = closed ? 'the connection closed early' : code === undefined ? 'network error' : NETWORK_TEXT.find(([re]) => re.test(code))?.[1];
  return { cause: known === undefined ? (code ?? 'network error') : code ? `${known} (${code})` : known, retryable: !NOT_RETRYABLE_NET.test(code ?? '') };
}

const NETWORK_TEXT: readonly [RegExp, string][] = [
  [/^ECONNREFUSED$/, 'connection refused'],
  [/^(ENOTFOUND|EAI_AGAIN)$/, 'host not found'],
  [/^ECONNRESET$/, 'connection reset'],
  [/^(ERR_SSL_WRONG_VERSION_NUMBER|EPROTO)$/, 'TLS handshake failed; if the registry speaks plain HTTP, list it in insecureRegistries'],
  [/^(CERT_|ERR_TLS_CERT|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/, 'TLS certificate not trusted'],
];

/** The code of a network error (undici buries it in `cause`, or in an AggregateError). */
export function errorCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 5; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (c as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) return errorCode(inner[0]);
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}
