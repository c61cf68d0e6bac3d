// One candidate against one policy, offline: @sigstore/verify's Verifier over the trusted root
// (toTrustMaterial) and the bundle (toSignedEntity), then who signed, then what it says it is about.
//
// Time comes from the bundle's Rekor promise (SET) or RFC 3161 timestamp, never from the machine's
// clock: the library checks a certificate and a log key against those times only, so a 10-minute
// Fulcio certificate verifies years later, and one used after it expired does not. The thresholds
// are explicit:
// - certificate (keyless): a log entry is required (tlogThreshold 1) unless the bundle carries an
//   RFC 3161 timestamp and no log entry (GitHub's private-repository attestations), and one trusted
//   time is always required (timestampThreshold 1); an SCT is required when the trusted root lists
//   CT logs (Fulcio embeds one). A bundle with neither log entry nor timestamp is refused here, before
//   the library (which would fail on it with a TypeError).
// - key: no log entry nor time is required (tlogThreshold 0, timestampThreshold 0) unless the policy
//   sets requireTransparencyLog (then tlogThreshold 1); entries present are verified all the same.
//   The key is one of the policy's: the bundle's hint picks it when it names one, otherwise each
//   policy key is tried (a classic `.sig` carries no hint). The hash is the one the library reads
//   from the bundle, else the one cosign uses for that key (SHA-384 for P-384, none for Ed25519).

import { createHash, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { dsse } from '@sigstore/core';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import type { SignedEntity, Signer } from '@sigstore/verify';
import type { Evidence, FoundAt, TrustPolicy } from '../../model/trust.ts';
import { COSIGN_SIGN_PREDICATE, readStatement, simpleSigningNames, splitDigest, statementNames } from './claims.ts';
import { readEvidence, toEvidence } from './evidence.ts';
import { acceptsKeyless, describeKeyless, keylessSigner } from './identity.ts';
import { describeError } from './library-errors.ts';
import { settleEncodings } from './settle-certificates.ts';
import type { Candidate } from './load-verifier.ts';
import type { Internal, RootMaterial, TrustKey } from './material.ts';

export interface Context {
  readonly internal: Internal;
  readonly policy: TrustPolicy;
  /** The policy's keys. */
  readonly keys: readonly TrustKey[];
  /** The pinned digest, and an http(s) module's bytes as downloaded (what a message signature on it signs). */
  readonly pinned: string;
  readonly artifact?: Buffer;
}

export interface Judged {
  readonly at: FoundAt;
  readonly evidence?: Evidence;
  readonly kind?: 'signature' | 'attestation';
  readonly predicateType?: string;
  readonly signer?: string;
  readonly sourceRepository?: string;
  /** Verified, signed by an authority of the policy, and about the digest. */
  readonly ok: boolean;
  /** Why not, when not ok. */
  readonly reason?: string;
  /** Which check refused it: the order of preference for the one message a failure shows. */
  readonly refusedBy?: 'identity' | 'claims' | 'signature' | 'unreadable';
}

export function judgeCandidate(c: Candidate, digest: string, ctx: Context): Judged {
  const at = c.at;
  try {
    const evidence = 'kind' in c ? toEvidence(c) : c;
    if ('error' in evidence) return { at, ok: false, reason: `unreadable: ${evidence.error}`, refusedBy: 'unreadable' };
    const read = readEvidence(evidence);
    if (typeof read === 'string') return { at, evidence, ok: false, reason: `unreadable: ${read}`, refusedBy: 'unreadable' };
    return judgeBundle(at, evidence, read.bundle, read.payload, digest, ctx);
  } catch (e) {
    return { at, ok: false, reason: `signature does not verify: ${describeError(e)}`, refusedBy: 'signature' };
  }
}

function judgeBundle(at: FoundAt, evidence: Evidence, bundle: Bundle, payload: Buffer | undefined, digest: string, ctx: Context): Judged {
  // What the signature covers, and what it claims to be about (checked once the signer is known).
  let data: Buffer;
  let claim: () => true | string;
  let kind: 'signature' | 'attestation' = 'signature';
  let predicateType: string | undefined;
  const content = bundle.content;
  if (content.$case === 'dsseEnvelope') {
    const env = content.dsseEnvelope;
    if (payload !== undefined) return { at, evidence, ok: false, reason: 'unreadable: the evidence carries a payload beside a DSSE envelope', refusedBy: 'unreadable' };
    data = dsse.preAuthEncoding(env.payloadType, env.payload);
    const st = readStatement(env.payloadType, env.payload);
    if (typeof st === 'string') {
      kind = 'attestation';
      claim = () => st;
    } else {
      predicateType = st.predicateType;
      kind = st.predicateType === COSIGN_SIGN_PREDICATE ? 'signature' : 'attestation';
      claim = () => statementNames(st, digest);
    }
  } else if (payload !== undefined) {
    data = payload;
    claim = () => simpleSigningNames(payload, digest);
  } else if (ctx.artifact !== undefined && digest === ctx.pinned) {
    const artifact = ctx.artifact;
    data = artifact;
    claim = () => {
      const [algorithm, hex] = splitDigest(digest);
      const got = algorithm === 'sha256' || algorithm === 'sha512' ? createHash(algorithm).update(artifact).digest('hex') : undefined;
      return got === hex ? true : `it signs bytes whose ${algorithm} is ${got ?? 'not computable'}, not ${digest}`;
    };
  } else {
    const reason = 'a message signature over the image itself cannot be checked: the signed bytes are not at hand (an image is signed through a simple-signing payload or an in-toto statement)';
    return { at, evidence, kind, ok: false, reason, refusedBy: 'claims' };
  }
  const base = { at, evidence, kind, ...(predicateType !== undefined ? { predicateType } : {}) };

  const material = bundle.verificationMaterial.content;
  let signer: string;
  let sourceRepository: string | undefined;
  if (material.$case === 'publicKey') {
    const got = verifyWithPolicyKey(bundle, data, material.publicKey.hint, ctx);
    if ('reason' in got) return { ...base, ...(got.signer !== undefined ? { signer: got.signer } : {}), ok: false, reason: got.reason, refusedBy: got.refusedBy };
    signer = `key ${got.key.id}`;
  } else {
    const got = verifyKeyless(bundle, data, ctx);
    if (typeof got === 'string') return { ...base, ok: false, reason: got, refusedBy: 'signature' };
    const who = keylessSigner(got);
    signer = describeKeyless(who);
    sourceRepository = who.sourceRepository;
    const src = sourceRepository !== undefined ? { sourceRepository } : {};
    if (!ctx.policy.keyless.some((id) => acceptsKeyless(id, who))) {
      const reason = `signed by ${signer}${sourceRepository !== undefined ? ` (source repository ${sourceRepository})` : ''}, which policy ${ctx.policy.name} does not accept`;
      return { ...base, signer, ...src, ok: false, reason, refusedBy: 'identity' };
    }
  }
  const who = { signer, ...(sourceRepository !== undefined ? { sourceRepository } : {}) };
  const about = claim();
  if (about !== true) return { ...base, ...who, ok: false, reason: `signed by ${signer}, but ${about}`, refusedBy: 'claims' };
  return { ...base, ...who, ok: true };
}

function verifyKeyless(bundle: Bundle, data: Buffer, ctx: Context): Signer | string {
  const hasLog = bundle.verificationMaterial.tlogEntries.length > 0;
  const hasTimestamp = (bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0;
  if (!hasLog && !hasTimestamp) {
    return 'signature does not verify: a keyless signature needs a trusted signing time (its certificate is valid for minutes), and this one has neither a transparency-log entry nor an RFC 3161 timestamp';
  }
  const root = ctx.internal.root();
  if (typeof root === 'string') return `signature does not verify: ${root}`;
  try {
    const entity = toSignedEntity(bundle, data);
    if (entity.key.$case === 'certificate') settleEncodings(entity.key.certificate);
    const options = { tlogThreshold: hasLog ? 1 : 0, timestampThreshold: 1, ctlogThreshold: root.ctlogs ? 1 : 0 };
    return new Verifier(root.trust, options).verify(entity);
  } catch (e) {
    return `signature does not verify: ${describeError(e)}`;
  }
}

function verifyWithPolicyKey(bundle: Bundle, data: Buffer, hint: string, ctx: Context): { key: TrustKey } | { reason: string; refusedBy: 'identity' | 'signature'; signer?: string } {
  const named = hintedKeyId(hint);
  const byHint = ctx.keys.filter((k) => k.hint === hint);
  if (ctx.keys.length === 0) {
    return { reason: `signed with ${named !== undefined ? `key ${named}` : 'a key'}, and policy ${ctx.policy.name} names no key`, refusedBy: 'identity', ...(named ? { signer: `key ${named}` } : {}) };
  }
  if (ctx.policy.requireTransparencyLog && bundle.verificationMaterial.tlogEntries.length === 0) {
    return { reason: `signature does not verify: it has no transparency-log entry, and policy ${ctx.policy.name} requires one (requireTransparencyLog)`, refusedBy: 'signature' };
  }
  // Log entries and timestamps present are verified against the trusted root; a bundle with
  // neither leaves the library nothing to look up in it but the key, so the root is not parsed.
  const material = bundle.verificationMaterial;
  const needsRoot = material.tlogEntries.length > 0 || (material.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0;
  const root = needsRoot ? ctx.internal.root() : NO_ROOT;
  if (typeof root === 'string') return { reason: `signature does not verify: ${root}`, refusedBy: 'signature' };
  const tries = byHint.length > 0 ? byHint : ctx.keys;
  const failures: string[] = [];
  for (const key of tries) {
    try {
      const trust = { ...root.trust, publicKey: () => ({ publicKey: key.key, validFor: () => true }) };
      const entity = withKeyHash(toSignedEntity(bundle, data), data, key);
      new Verifier(trust, { tlogThreshold: ctx.policy.requireTransparencyLog ? 1 : 0, timestampThreshold: 0, ctlogThreshold: 0 }).verify(entity);
      return { key };
    } catch (e) {
      failures.push(describeError(e));
    }
  }
  if (byHint.length === 0 && named !== undefined) {
    // The hint names a key no policy key is: say whose it is rather than "does not verify".
    return { reason: `signed with key ${named}, which policy ${ctx.policy.name} does not accept`, refusedBy: 'identity', signer: `key ${named}` };
  }
  const unique = [...new Set(failures)];
  const keys = tries.length === 1 ? `key ${tries[0]!.id}` : `any of the ${tries.length} keys of policy ${ctx.policy.name}`;
  return { reason: `signature does not verify with ${keys}: ${unique.join('; ')}`, refusedBy: 'signature' };
}

/** The material for a key signature with no log entry and no timestamp: no authority at all, so any entry or timestamp would fail. */
const NO_ROOT: RootMaterial = {
  trust: {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: (hint: string) => {
      throw new Error(`no key for hint ${hint}`);
    },
  },
  ctlogs: false,
};

/** The key id a cosign hint (base64 of the SPKI DER's sha256) stands for. */
function hintedKeyId(hint: string): string | undefined {
  const b = /^[A-Za-z0-9+/]{43}=$/.test(hint) ? Buffer.from(hint, 'base64') : undefined;
  return b !== undefined && b.length === 32 ? `sha256:${b.toString('hex')}` : undefined;
}

/** The entity, its signature also tried with the hash cosign uses for this key (the library hashes messages with the bundle's digest algorithm, and DSSE with the key's default). */
function withKeyHash(entity: SignedEntity, data: Buffer, key: TrustKey): SignedEntity {
  const content = entity.signature;
  const signature = content.signature;
  return {
    ...entity,
    signature: {
      signature,
      compareSignature: (s: Buffer) => content.compareSignature(s),
      compareDigest: (d: Buffer) => content.compareDigest(d),
      compareSignedDigest: (d: Buffer) => content.compareSignedDigest(d),
      verifySignature: (k: KeyObject) => content.verifySignature(k) || verifyQuietly(key.hash, data, k, signature),
    },
  };
}

function verifyQuietly(hash: string | null, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return cryptoVerify(hash, data, key, signature);
  } catch {
    return false;
  }
}
