// Loads the signature verifier (the Sigstore libraries: @sigstore/verify, bundle, core,
// protobuf-specs, and the public-good trusted root) when a render first verifies an image, never
// before: they cost start-up time that a render without spec.trust must not pay. As for the HTTP
// client (load-undici.ts), the build writes everything that depends on them as a script of its own
// beside the app script (`meshext.sigstore.js`, with V8's code cache beside it); from the sources
// (tsx, the tests) it is ./verifier.ts itself. This file also holds the verifier's interface, so
// callers need nothing else from this folder until they verify.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommonJsScript } from '../../model/code-cache.ts';
import type { CachedScript } from '../../model/code-cache.ts';
import type { Evidence, Found, FoundAt, TrustPolicy, TrustSite, Verification } from '../../model/trust.ts';

export const SIGSTORE_SCRIPT = 'meshext.sigstore.js';

/** A public key of a policy, as read from its file or inline: PEM SPKI (ECDSA P-256/P-384/P-521, Ed25519, RSA ≥ 2048 bits). */
export interface KeyInput {
  readonly site: TrustSite;
  readonly pem: string;
}

export interface MaterialInput {
  /** The trusted_root.json text; undefined means the public-good root shipped with @sigstore/tuf. */
  readonly trustedRootJson?: string;
  /** Every key of every policy; a policy finds its own by site. */
  readonly keys: readonly KeyInput[];
}

export interface LoadedKey {
  readonly site: TrustSite;
  /** `sha256:<hex of the SPKI DER>`: how verified-by names the key. */
  readonly id: string;
  /** base64(sha256(SPKI DER)): the `publicKey.hint` cosign v3 writes into key-signed bundles. */
  readonly hint: string;
}

/** The trusted root and the keys, parsed once per render; `internal` is the verifier's own. */
export interface LoadedTrust {
  readonly keys: readonly LoadedKey[];
  readonly internal: unknown;
}

/** Why the trusted root (no site) or a key (its site) cannot be used. */
export interface MaterialError {
  readonly site?: TrustSite;
  readonly message: string;
}

/** Evidence is what the lock keeps; a Found (what discovery read) is converted first, its conversion error becoming a rejected candidate. */
export type Candidate = Evidence | Found;

export interface ImageToVerify {
  /** The canonical reference, for messages. */
  readonly ref: string;
  /** The pinned digest: of the platform manifest, or of an http(s) module's bytes as downloaded. */
  readonly digest: string;
  /** An http(s) module's bytes as downloaded: what a message-signature bundle signs. */
  readonly artifact?: Buffer;
  /** Candidates about `digest`. */
  readonly own: readonly Candidate[];
  /** The index `digest` was chosen from, its bytes, and the candidates about it. */
  readonly index?: { readonly digest: string; readonly bytes: Buffer; readonly evidence: readonly Candidate[] };
  /** Where discovery looked, for the "no signature" message. */
  readonly lookedAt?: readonly FoundAt[];
}

/** One candidate as verification judged it, for `meshext verify` to print. */
export interface Checked {
  readonly at: FoundAt;
  /** The digest the candidate is about: the pinned one, or its index's. */
  readonly digest: string;
  /** signature: simple signing, a message signature, or cosign's signed statement; attestation: any other in-toto statement. */
  readonly kind?: 'signature' | 'attestation';
  readonly predicateType?: string;
  /** Who signed, once the signature verified: `key sha256:<hex>` or `<issuer> <subject>`. */
  readonly identity?: string;
  /** The certificate's Source Repository URI (Fulcio extension 1.3.6.1.4.1.57264.1.12), when it has one. */
  readonly sourceRepository?: string;
  /** Whether this candidate is part of what satisfied the policy. */
  readonly accepted: boolean;
  /** What was concluded: why it was accepted, or why rejected. */
  readonly result: string;
}

export type Verdict =
  | { readonly ok: true; readonly verification: Verification; readonly checked: readonly Checked[] }
  | { readonly ok: false; readonly message: string; readonly checked: readonly Checked[] };

export interface VerifyOptions {
  /** Judge every candidate, as `meshext verify` reports them; a render stops at the first set that satisfies the policy. */
  readonly checkAll?: boolean;
}

/** Pure and offline: no network, no clock, no process state; nothing throws, every failure is a message. */
export interface TrustVerifier {
  loadMaterial(input: MaterialInput): LoadedTrust | { readonly errors: readonly MaterialError[] };
  toEvidence(found: Found): Evidence | { readonly error: string };
  verifyImage(img: ImageToVerify, policy: TrustPolicy, loaded: LoadedTrust, options?: VerifyOptions): Verdict;
}

let loading: Promise<TrustVerifier> | undefined;

export function loadVerifier(): Promise<TrustVerifier> {
  return (loading ??= load());
}

async function load(): Promise<TrustVerifier> {
  // In the bundle this module's URL is the app script's, in dist/; from the sources it is src/resolve/trust/.
  const script = fileURLToPath(new URL(`./${SIGSTORE_SCRIPT}`, import.meta.url));
  if (existsSync(script)) return runSigstoreScript(script, `${script}.cache`).verifier;
  return (await import('./verifier.ts')).verifier;
}

/** Runs the script the build made (a CommonJS function expression, like the app script); the build's warm-up takes its cache. */
export function runSigstoreScript(script: string, cacheFile?: string): { readonly verifier: TrustVerifier; readonly cached: CachedScript } {
  const { exports, cached } = runCommonJsScript<{ verifier: TrustVerifier }>(script, cacheFile);
  return { verifier: exports.verifier, cached };
}
