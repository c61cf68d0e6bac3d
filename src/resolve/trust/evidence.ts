// Candidates as the lock keeps them: every format discovery finds, as a Sigstore bundle.
// - A bundle (a referrer's layer, a URL's .sigstore.json) of media type v0.1, v0.2 or v0.3 is
//   validated with @sigstore/bundle's bundleFromJSON and kept as its compact JSON text.
// - A cosign classic `.sig` layer (simple-signing payload; signature, certificate, Rekor SET and
//   RFC 3161 timestamp in annotations) becomes a v0.1 bundle, the only version that may carry a
//   Rekor entry with a SET and no inclusion proof, as cosign's annotation does: a messageSignature
//   over the payload (sha256, or the hash the Rekor entry names), the leaf certificate (the chain
//   annotation is not needed: trust comes from the trusted root's CAs), the log entry rebuilt from
//   the SET annotation and the timestamp. Without a certificate it is key-signed, and its
//   publicKey hint is empty: the policy's keys are tried one by one. The payload travels beside the
//   bundle (Evidence.payload), since the message signature covers its bytes.
// - A classic `.att` layer (a DSSE envelope, same annotations) becomes a v0.1 DSSE bundle.

import { createHash } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import type { Bundle } from '@sigstore/bundle';
import type { Evidence, Found } from '../../model/trust.ts';
import { describeError } from './library-errors.ts';

export const SIMPLE_SIGNING_MEDIA = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA = 'application/vnd.dsse.envelope.v1+json';
export const BUNDLE_MEDIA_TYPES: readonly string[] = [
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
];
const V01 = BUNDLE_MEDIA_TYPES[0]!;

export const ANNOTATION = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
} as const;

/** A bundle's JSON is a few KiB; a lock entry or a discovered blob larger than this is not one. */
const MAX_BUNDLE_CHARS = 1024 * 1024;

export function toEvidence(found: Found): Evidence | { readonly error: string } {
  try {
    if (found.kind === 'bundle') {
      const checked = checkBundleJson(found.json);
      return typeof checked === 'string' ? { error: checked } : { at: found.at, bundle: JSON.stringify(found.json) };
    }
    if (found.mediaType === SIMPLE_SIGNING_MEDIA) return classicSignature(found);
    if (found.mediaType === DSSE_MEDIA) return classicAttestation(found);
    return { error: `a classic layer of media type ${found.mediaType} is neither a simple-signing signature (${SIMPLE_SIGNING_MEDIA}) nor a DSSE envelope (${DSSE_MEDIA})` };
  } catch (e) {
    return { error: describeError(e) };
  }
}

/** A lock's (or a converted) evidence back as a validated bundle, with the payload a classic signature covers. */
export function readEvidence(e: Evidence): { readonly bundle: Bundle; readonly payload?: Buffer } | string {
  if (typeof e?.bundle !== 'string' || e.bundle.length > MAX_BUNDLE_CHARS) return 'the evidence holds no bundle text';
  let json: unknown;
  try {
    json = JSON.parse(e.bundle);
  } catch {
    return 'the evidence bundle is not JSON';
  }
  const bundle = checkBundleJson(json);
  if (typeof bundle === 'string') return bundle;
  if (e.payload === undefined) return { bundle };
  if (typeof e.payload !== 'string' || !isBase64(e.payload)) return 'the evidence payload is not base64';
  return { bundle, payload: Buffer.from(e.payload, 'base64') };
}

function checkBundleJson(json: unknown): Bundle | string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'is not a Sigstore bundle: not a JSON object';
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    return `is not a Sigstore bundle meshext reads: mediaType ${JSON.stringify(mediaType)} (it reads ${BUNDLE_MEDIA_TYPES.join(', ')})`;
  }
  try {
    return bundleFromJSON(json);
  } catch (e) {
    return `is not a valid Sigstore bundle: ${describeError(e)}`;
  }
}

function classicSignature(found: Extract<Found, { kind: 'classic' }>): Evidence | { readonly error: string } {
  const a = found.annotations;
  const sig = a[ANNOTATION.signature];
  if (sig === undefined || sig === '') return { error: `the .sig layer has no ${ANNOTATION.signature} annotation` };
  if (!isBase64(sig)) return { error: `the .sig layer's ${ANNOTATION.signature} annotation is not base64` };
  const material = verificationMaterial(a);
  if (typeof material === 'string') return { error: material };
  const hash = material.hash ?? 'sha256';
  const bundle = {
    mediaType: V01,
    verificationMaterial: material.json,
    messageSignature: {
      messageDigest: { algorithm: HASH_NAMES[hash]!, digest: createHash(hash).update(found.payload).digest('base64') },
      signature: sig,
    },
  };
  const checked = checkBundleJson(bundle);
  if (typeof checked === 'string') return { error: `the .sig layer ${checked}` };
  return { at: found.at, bundle: JSON.stringify(bundle), payload: found.payload.toString('base64') };
}

function classicAttestation(found: Extract<Found, { kind: 'classic' }>): Evidence | { readonly error: string } {
  let env: unknown;
  try {
    env = JSON.parse(found.payload.toString('utf8'));
  } catch {
    return { error: 'the .att layer is not a JSON DSSE envelope' };
  }
  const e = env as { payloadType?: unknown; payload?: unknown; signatures?: unknown } | null;
  if (typeof e?.payloadType !== 'string' || typeof e.payload !== 'string' || !isBase64(e.payload) || !Array.isArray(e.signatures)) {
    return { error: 'the .att layer is not a DSSE envelope (payloadType, payload, signatures)' };
  }
  if (e.signatures.length !== 1) return { error: `the .att layer's envelope has ${e.signatures.length} signatures; a Sigstore bundle holds exactly one` };
  const s = e.signatures[0] as { sig?: unknown; keyid?: unknown } | null;
  if (typeof s?.sig !== 'string' || !isBase64(s.sig)) return { error: "the .att layer's envelope signature is not base64" };
  const material = verificationMaterial(found.annotations);
  if (typeof material === 'string') return { error: material };
  const bundle = {
    mediaType: V01,
    verificationMaterial: material.json,
    dsseEnvelope: { payload: e.payload, payloadType: e.payloadType, signatures: [{ sig: s.sig, keyid: typeof s.keyid === 'string' ? s.keyid : '' }] },
  };
  const checked = checkBundleJson(bundle);
  if (typeof checked === 'string') return { error: `the .att layer ${checked}` };
  return { at: found.at, bundle: JSON.stringify(bundle) };
}

const HASH_NAMES: Readonly<Record<string, string>> = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' };

/** The certificate or key hint, the Rekor entry and the timestamp of a classic layer, in bundle JSON form. */
function verificationMaterial(a: Readonly<Record<string, string>>): { json: Record<string, unknown>; hash?: string } | string {
  const json: Record<string, unknown> = {};
  const cert = a[ANNOTATION.certificate];
  if (cert !== undefined && cert !== '') {
    const ders = pemCertificates(cert);
    if (ders.length === 0) return `the ${ANNOTATION.certificate} annotation holds no PEM certificate`;
    json.x509CertificateChain = { certificates: [{ rawBytes: ders[0] }] };
  } else {
    json.publicKey = { hint: '' };
  }
  let hash: string | undefined;
  const rekor = a[ANNOTATION.bundle];
  if (rekor !== undefined && rekor !== '') {
    const entry = rekorEntry(rekor);
    if (typeof entry === 'string') return `the ${ANNOTATION.bundle} annotation ${entry}`;
    json.tlogEntries = [entry.json];
    hash = entry.hash;
  } else {
    json.tlogEntries = [];
  }
  const ts = a[ANNOTATION.timestamp];
  if (ts !== undefined && ts !== '') {
    let t: unknown;
    try {
      t = JSON.parse(ts);
    } catch {
      return `the ${ANNOTATION.timestamp} annotation is not JSON`;
    }
    const signed = (t as { SignedRFC3161Timestamp?: unknown } | null)?.SignedRFC3161Timestamp;
    if (typeof signed !== 'string' || !isBase64(signed)) return `the ${ANNOTATION.timestamp} annotation has no base64 SignedRFC3161Timestamp`;
    json.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: signed }] };
  }
  return hash !== undefined ? { json, hash } : { json };
}

/** cosign's Rekor bundle annotation, `{SignedEntryTimestamp, Payload: {body, integratedTime, logIndex, logID}}`, as a bundle tlog entry. */
function rekorEntry(text: string): { json: Record<string, unknown>; hash?: string } | string {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  const set = (r as { SignedEntryTimestamp?: unknown } | null)?.SignedEntryTimestamp;
  const p = (r as { Payload?: unknown } | null)?.Payload as { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown } | undefined;
  if (typeof set !== 'string' || !isBase64(set)) return 'has no base64 SignedEntryTimestamp';
  if (typeof p !== 'object' || p === null) return 'has no Payload';
  if (typeof p.body !== 'string' || !isBase64(p.body)) return 'has no base64 Payload.body';
  if (!Number.isSafeInteger(p.integratedTime) || !Number.isSafeInteger(p.logIndex)) return 'has no integer Payload.integratedTime and Payload.logIndex';
  if (typeof p.logID !== 'string' || !/^[0-9a-f]{64}$/i.test(p.logID)) return 'has no hex Payload.logID';
  let body: { kind?: unknown; apiVersion?: unknown; spec?: { data?: { hash?: { algorithm?: unknown } } } };
  try {
    body = JSON.parse(Buffer.from(p.body, 'base64').toString('utf8')) as typeof body;
  } catch {
    return 'has a Payload.body that is not base64 JSON';
  }
  if (typeof body?.kind !== 'string' || typeof body.apiVersion !== 'string') return 'has a Payload.body without kind and apiVersion';
  const algorithm = body.spec?.data?.hash?.algorithm;
  const json = {
    logIndex: String(p.logIndex),
    logId: { keyId: Buffer.from(p.logID, 'hex').toString('base64') },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(p.integratedTime),
    inclusionPromise: { signedEntryTimestamp: set },
    canonicalizedBody: p.body,
  };
  return typeof algorithm === 'string' && HASH_NAMES[algorithm] !== undefined ? { json, hash: algorithm } : { json };
}

/** The base64 DER of each CERTIFICATE block of a PEM text. */
function pemCertificates(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g)].map((m) => m[1]!.replace(/\s+/g, ''));
}

function isBase64(s: string): boolean {
  return s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}
