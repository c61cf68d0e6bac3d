// Whom a registry connection trusts, and what a TLS failure means, in the words of the tools users
// already configure. Trust is Node's store plus NODE_EXTRA_CA_CERTS (Node reads it at start-up),
// plus the per-registry `certs.d/<host[:port]>/` directories Docker and podman read: every `*.crt`
// is a CA for that registry, every `*.cert` with the `*.key` of the same name is the client
// certificate. An insecure registry (Mesh `insecureRegistries`) keeps its client certificate but
// skips verification of the server's certificate, as Docker treats one.

import { readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as tls from 'node:tls';
import type { Env } from './docker-config.ts';
import { errorCode } from './registry-error.ts';

/** What undici's `connect` (direct) or `requestTls` (through a proxy) takes for one registry. */
export interface RegistryTls {
  /** Node's default CAs plus the registry's own; absent when the registry adds none (the default store then applies as is). */
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  /** False for an insecure registry only. */
  readonly rejectUnauthorized: boolean;
}

/**
 * The certs.d roots searched, in order: MESHEXT_CERTS_D (a PATH-style list) replaces them all, so a
 * test or a container can point at its own; otherwise Docker's and containers' system directories
 * and the rootless podman one.
 */
export function certsDirs(env: Env): string[] {
  if (env.MESHEXT_CERTS_D !== undefined) return env.MESHEXT_CERTS_D.split(delimiter).filter((d) => d !== '');
  const config = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  return ['/etc/docker/certs.d', '/etc/containers/certs.d', ...(config ? [join(config, 'containers', 'certs.d')] : [])];
}

/**
 * The TLS settings for a registry named `names` (as written, `host[:port]`, and as contacted), or a
 * sentence saying which certs.d file is unusable. `addSecret` learns the client key.
 */
export function registryTls(names: readonly string[], opts: { env: Env; insecure: boolean; addSecret: (s: string) => void }): RegistryTls | { problem: string } {
  const cas: string[] = [];
  const caFiles: string[] = [];
  let client: { cert: string; key: string } | undefined;
  let clientFiles: string[] = [];
  for (const root of certsDirs(opts.env)) {
    for (const name of new Set(names)) {
      const dir = join(root, name);
      let files: string[];
      try {
        files = readdirSync(dir).sort();
      } catch {
        continue; // no directory for this registry here
      }
      try {
        for (const f of files) {
          if (f.endsWith('.crt')) {
            cas.push(...pemBlocks(readFileSync(join(dir, f), 'utf8')));
            caFiles.push(join(dir, f));
          }
          if (f.endsWith('.cert')) {
            const keyFile = `${f.slice(0, -'.cert'.length)}.key`;
            if (!files.includes(keyFile)) return { problem: `${join(dir, f)} has no matching ${keyFile}, so the client certificate cannot be used` };
            // The first client certificate found wins, as the directories are listed in order of precedence.
            if (client === undefined) {
              const key = readFileSync(join(dir, keyFile), 'utf8');
              opts.addSecret(key);
              client = { cert: readFileSync(join(dir, f), 'utf8'), key };
              clientFiles = [join(dir, f), join(dir, keyFile)];
            }
          }
        }
      } catch (e) {
        return { problem: `cannot read ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
      }
      if (files.some((f) => f.endsWith('.crt')) && cas.length === 0) return { problem: `${dir} has a .crt file with no PEM certificate in it` };
    }
  }
  // Unusable material fails here, naming its files: at connect time its error would not read as a
  // TLS verdict, and a registry whose certs.d says it speaks TLS must never be tried over plain HTTP.
  if (client !== undefined) {
    try {
      tls.createSecureContext({ cert: client.cert, key: client.key });
    } catch (e) {
      return { problem: `the client certificate ${clientFiles.join(' and ')} cannot be used: ${openSslReason(e)}` };
    }
  }
  if (cas.length > 0) {
    try {
      tls.createSecureContext({ ca: cas });
    } catch (e) {
      return { problem: `the CA certificates in ${caFiles.join(', ')} cannot be used: ${openSslReason(e)}` };
    }
  }
  return {
    // A `ca` option replaces Node's store instead of adding to it: give the whole store back with it.
    ...(cas.length > 0 ? { ca: [...defaultCas(opts.env), ...cas] } : {}),
    ...(client ?? {}),
    rejectUnauthorized: !opts.insecure,
  };
}

/** Node's default trust: its bundled roots plus NODE_EXTRA_CA_CERTS (and the system store when Node was told to use it). */
function defaultCas(env: Env): string[] {
  const get = (tls as { getCACertificates?: (type?: string) => string[] }).getCACertificates;
  if (typeof get === 'function') return get('default');
  // Older Node has no getCACertificates: rebuild the store it started with.
  let extra: string[] = [];
  try {
    if (env.NODE_EXTRA_CA_CERTS) extra = pemBlocks(readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8'));
  } catch {
    // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we, by not failing.
  }
  return [...tls.rootCertificates, ...extra];
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED']);
// Alerts a server sends when it wants a client certificate it did not get, or did not like.
const CLIENT_CERT_REQUIRED = new Set(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']);
const CLIENT_CERT_REJECTED = /^ERR_SSL_(SSLV3|TLSV1)_ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED|DECRYPT_ERROR)$/;

// What OpenSSL says when the peer does not speak TLS at all (a plain-HTTP server answered the hello).
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_RECORD_LAYER_FAILURE']);

/**
 * What a connection error says about TLS with `host`, as one sentence naming the host and the reason,
 * or undefined when the error is not a TLS verdict (no TLS server answered: a plain-HTTP server, a
 * refused or dropped connection). A verdict means the server speaks TLS, so plain HTTP is never tried after one.
 */
export function tlsFailure(e: unknown, host: string): string | undefined {
  const code = errorCode(e);
  if (code === undefined) return undefined;
  const fix = `trust its CA with NODE_EXTRA_CA_CERTS or a ca.crt in certs.d/${host}/ (/etc/docker/certs.d, /etc/containers/certs.d), or list the registry in insecureRegistries`;
  if (UNTRUSTED.has(code)) return `the TLS certificate of ${host} is self-signed or signed by an unknown authority (${code}): ${fix}`;
  if (code === 'CERT_HAS_EXPIRED') return `the TLS certificate of ${host} has expired (${code})`;
  if (code === 'CERT_NOT_YET_VALID') return `the TLS certificate of ${host} is not valid yet (${code}); check the clock`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the TLS certificate of ${host} is for another host name (${code}: ${reasonOf(e)})`;
  if (CLIENT_CERT_REQUIRED.has(code)) return `${host} requires a TLS client certificate and none was sent (${code}): put client.cert and client.key in certs.d/${host}/`;
  if (CLIENT_CERT_REJECTED.test(code)) return `${host} rejected the TLS client certificate (${code})`;
  if (/^(CERT_|ERR_TLS_CERT|ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_)/.test(code)) return `TLS with ${host} failed (${code})`;
  // Any other OpenSSL error is TLS's too, except the garbage a plain-HTTP server answers a TLS hello with.
  if (/^(ERR_OSSL_|ERR_SSL_)/.test(code) && !NOT_TLS.has(code)) return `TLS with ${host} failed (${code})`;
  return undefined;
}

/** An OpenSSL error as its code and reason (`ERR_OSSL_PEM_NO_START_LINE`); never the material itself. */
function openSslReason(e: unknown): string {
  const code = errorCode(e);
  const reason = (e as { reason?: unknown })?.reason;
  const text = typeof reason === 'string' && reason !== '' ? reason : 'not a usable certificate and key';
  return code !== undefined ? `${text} (${code})` : text;
}

/** The host-name mismatch as Node words it, with the names the certificate does hold. */
function reasonOf(e: unknown): string {
  let c = e as { cause?: unknown; message?: unknown; cert?: { subjectaltname?: unknown } } | undefined;
  for (let i = 0; i < 5 && c?.cause !== undefined; i++) c = c.cause as typeof c;
  const text = typeof c?.message === 'string' ? c.message.replace(/[\r\n]+/g, ' ').replace(/[: ]+$/, '') : 'host name mismatch';
  const names = c?.cert?.subjectaltname;
  return typeof names === 'string' ? `${text}; the certificate names ${names}` : text;
}
