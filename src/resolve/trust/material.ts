// The material signatures are checked against: the trusted root (Fulcio CAs, Rekor logs, CT logs,
// TSAs) and the policies' public keys, each parsed at most once per render. Keys come from the Mesh
// only, never from signature material (a bundle's key hint only picks among them): cosign's
// verify-blob once took a bare key out of a legacy bundle and so skipped every identity check
// (GHSA-fx35-mq7g-6g98).
// A key is PEM SPKI (`-----BEGIN PUBLIC KEY-----`, as cosign writes cosign.pub) of a kind cosign
// signs with: ECDSA P-256/P-384/P-521, Ed25519, RSA of 2048 bits or more. A private key, a
// certificate or anything else is refused, saying which it is.

import { createPublicKey, hash as digestOf } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import type { TrustMaterial } from '@sigstore/verify';
import type { TrustSite } from '../../model/trust.ts';
import type { LoadedKey, LoadedTrust, MaterialError, MaterialInput } from './load-verifier.ts';
import { publicGoodRootJson } from './public-good-root.ts';
import { describeError } from './library-errors.ts';
import { settleTrustedCertificates } from './settle-certificates.ts';

export interface TrustKey extends LoadedKey {
  readonly key: KeyObject;
  /** The hash cosign signs a message with for this key: per curve for ECDSA, none for Ed25519. */
  readonly hash: string | null;
}

/** A trusted root, parsed. */
export interface RootMaterial {
  /** Its key finder refuses every hint (a key-signed bundle is checked with one policy key at a time). */
  readonly trust: TrustMaterial;
  /** Whether the root lists CT logs: a certificate then needs a verified SCT, as Fulcio embeds one. */
  readonly ctlogs: boolean;
}

export interface Internal {
  /**
   * The trusted root, or why it cannot be read. A root the Mesh names is parsed when the material
   * loads, so its errors point at its line; the public-good root shipped with meshext is parsed on
   * first use, since a key signature without a log entry or timestamp never needs one (parsing it
   * costs a few milliseconds of a render's start).
   */
  readonly root: () => RootMaterial | string;
  readonly keys: readonly TrustKey[];
}

interface Loaded extends LoadedTrust {
  readonly internal: Internal;
}

const roots = new Map<string, RootMaterial | string>();

export function loadMaterial(input: MaterialInput): LoadedTrust | { readonly errors: readonly MaterialError[] } {
  try {
    return load(input);
  } catch (e) {
    return { errors: [{ message: `the trust material cannot be read: ${describeError(e)}` }] };
  }
}

function load(input: MaterialInput): LoadedTrust | { readonly errors: readonly MaterialError[] } {
  const errors: MaterialError[] = [];
  const named = input.trustedRootJson;
  let root: RootMaterial | string | undefined = named !== undefined ? loadRoot(named) : undefined;
  if (typeof root === 'string') errors.push({ message: root });
  const keys: TrustKey[] = [];
  for (const k of input.keys) {
    const got = parseKey(k.pem);
    if (typeof got === 'string') errors.push({ site: k.site, message: `the key ${got}` });
    else keys.push({ site: k.site, ...got });
  }
  if (errors.length > 0) return { errors };
  const loaded: Loaded = { keys: keys.map(({ site, id, hint }) => ({ site, id, hint })), internal: { root: () => (root ??= loadRoot(undefined)), keys } };
  return loaded;
}

/** The loaded material's own part; undefined for a LoadedTrust this module did not make. */
export function internalOf(loaded: LoadedTrust): Internal | undefined {
  const i = loaded.internal as Internal | undefined;
  return i !== undefined && typeof i === 'object' && typeof i.root === 'function' && Array.isArray(i.keys) ? i : undefined;
}

/** The keys a policy names, found by the site each was written at. */
export function keysAt(internal: Internal, sites: readonly TrustSite[]): TrustKey[] {
  const name = (s: TrustSite): string => `${s.file}\0${s.line}\0${s.col}\0${s.field}`;
  const wanted = new Set(sites.map(name));
  return internal.keys.filter((k) => sites.includes(k.site) || wanted.has(name(k.site)));
}

function loadRoot(json: string | undefined): RootMaterial | string {
  const text = json ?? publicGoodRootJson();
  let got = roots.get(text);
  if (got === undefined) {
    got = parseRoot(text, json === undefined);
    if (roots.size >= 4) roots.clear();
    roots.set(text, got);
  }
  return got;
}

function parseRoot(text: string, publicGood: boolean): RootMaterial | string {
  const what = publicGood ? 'the public-good trusted root' : 'the trusted root';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Not the parser's message: it quotes the text, and a path mistyped to a secret must not print it.
    const at = /at position (\d+)/.exec((e as Error).message)?.[1];
    return `${what} is not valid JSON${at !== undefined ? ` (at character ${at})` : ''}`;
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || typeof mediaType !== 'string' || !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    return `${what} is not a Sigstore trusted root: its mediaType is ${JSON.stringify(mediaType)}, not application/vnd.dev.sigstore.trustedroot+json;version=0.1 (get one with \`cosign trusted-root create\` or from your Sigstore instance's TUF repository)`;
  }
  try {
    const root = TrustedRoot.fromJSON(json);
    const trust = toTrustMaterial(root, (hint: string) => {
      throw new Error(`no key for hint ${hint}`);
    });
    if (trust.certificateAuthorities.length === 0 && trust.tlogs.length === 0 && trust.timestampAuthorities.length === 0) {
      return `${what} lists no certificate authority, transparency log or timestamp authority`;
    }
    settleTrustedCertificates(trust);
    return { trust, ctlogs: trust.ctlogs.length > 0 };
  } catch (e) {
    return `${what} cannot be read: ${describeError(e)}`;
  }
}

/** A PEM public key, its id and hint; or why it is not one (after "the key "). */
export function parseKey(pem: string): Omit<TrustKey, 'site'> | string {
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]!);
  if (blocks.length === 0) return 'is not a PEM public key: no "-----BEGIN PUBLIC KEY-----" line';
  if (blocks.length > 1) return `holds ${blocks.length} PEM blocks (${blocks.join(', ')}); write one public key per entry`;
  const type = blocks[0]!;
  if (type.includes('PRIVATE KEY')) return `is a private key (${type}): a policy takes the public key (cosign.pub); keep the private key out of the repository`;
  if (type.includes('CERTIFICATE')) return 'is a certificate: a policy takes a public key (PEM "PUBLIC KEY"), or a keyless identity for certificates';
  if (type !== 'PUBLIC KEY') return `is a PEM "${type}" block: a policy takes a PEM SPKI public key ("-----BEGIN PUBLIC KEY-----", as cosign writes cosign.pub)`;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    return `is not a readable public key: ${(e as Error).message}`;
  }
  const hash = hashFor(key);
  if (typeof hash === 'object' && hash !== null) return hash.error;
  const der = key.export({ type: 'spki', format: 'der' });
  const sum = digestOf('sha256', der, 'buffer');
  return { key, hash, id: `sha256:${sum.toString('hex')}`, hint: sum.toString('base64') };
}

function hashFor(key: KeyObject): string | null | { error: string } {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return null;
    case 'ec': {
      const hash = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' }[d.namedCurve ?? ''];
      return hash ?? { error: `is an ECDSA key on curve ${d.namedCurve ?? 'unknown'}; cosign signs with P-256, P-384 or P-521` };
    }
    case 'rsa':
      return (d.modulusLength ?? 0) >= 2048 ? 'sha256' : { error: `is an RSA key of ${d.modulusLength ?? 0} bits; at least 2048 are needed` };
    default:
      return { error: `is a ${key.asymmetricKeyType ?? 'unknown'} key; meshext verifies ECDSA (P-256, P-384, P-521), Ed25519 and RSA keys` };
  }
}
