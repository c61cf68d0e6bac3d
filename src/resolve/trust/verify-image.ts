// Whether an image satisfies one trust policy, from the candidates discovery found (or the lock
// kept), offline. Each candidate is judged by judge-candidate.ts: verified with the Sigstore
// libraries, signed by an authority of the policy (one of its keys, or a certificate matching one
// of its keyless identities), and about the digest checked.
//
// What satisfies a policy:
// - without `attestations`: one verified signature from one authority of the policy. A signature is
//   a cosign classic `.sig` (simple signing), a message signature over an http(s) module's bytes,
//   cosign v3's signed statement (predicateType https://sigstore.dev/cosign/sign/v1), or any other
//   verified in-toto statement about the digest, as `cosign verify` (v3) accepts any of them;
// - with `attestations`: for each listed predicateType, one verified attestation of that type from
//   an authority of the policy (not necessarily the same one); a plain signature is then not also
//   required.
// The evidence kept (Verification.evidence, what the lock carries) is only what satisfied the
// policy, and verified-by names its signers: `key sha256:<hex of the key's DER>` or
// `<issuer> <subject>`.
//
// Multi-arch: meshext pins the linux/amd64 child of an index, and `cosign sign` on an index signs
// the index only. So when nothing about the pinned digest satisfies the policy, candidates about
// the index count, but only once the index bytes hash to its digest and the index selects the
// pinned digest for linux/amd64 by the rule resolution uses (manifest.ts selectPlatform); the
// Verification then names the index as signedDigest and keeps its bytes (base64), so a render from
// the lock repeats the check. At most 32 candidates per digest are judged: enough for every signer
// and attestation type in use, bounded against a flood.

import { createHash } from 'node:crypto';
import type { Evidence, TrustPolicy, Verification } from '../../model/trust.ts';
import { parseManifest, selectPlatform } from '../manifest.ts';
import { splitDigest } from './claims.ts';
import { describeAuthorities } from './identity.ts';
import { judgeCandidate } from './judge-candidate.ts';
import type { Context, Judged } from './judge-candidate.ts';
import type { Candidate, Checked, ImageToVerify, LoadedTrust, Verdict, VerifyOptions } from './load-verifier.ts';
import { internalOf, keysAt } from './material.ts';

export const MAX_CANDIDATES = 32;

export function verifyImage(img: ImageToVerify, policy: TrustPolicy, loaded: LoadedTrust, options: VerifyOptions = {}): Verdict {
  try {
    return verify(img, policy, loaded, options);
  } catch (e) {
    return { ok: false, message: `verification failed unexpectedly: ${(e as Error)?.message ?? String(e)}`, checked: [] };
  }
}

function verify(img: ImageToVerify, policy: TrustPolicy, loaded: LoadedTrust, options: VerifyOptions): Verdict {
  const internal = internalOf(loaded);
  if (internal === undefined) return { ok: false, message: 'the trust material was not loaded by this verifier', checked: [] };
  const keys = keysAt(internal, policy.keys.map((k) => k.at));
  const ctx: Context = { internal, policy, keys, pinned: img.digest, ...(img.artifact !== undefined ? { artifact: img.artifact } : {}) };
  const accepts = describeAuthorities(policy, keys);
  const wants: Wants = { policy: policy.name, accepts, text: `policy ${policy.name} wants ${accepts}${policy.attestations.length > 0 ? `, with attestations ${policy.attestations.join(', ')}` : ''}` };
  const name = img.ref.includes('@') ? img.ref : `${img.ref}@${img.digest}`;

  const own = evaluate(img.own, img.digest, ctx, options.checkAll === true);
  if (own.satisfied) return success(policy, img.digest, own, undefined);
  const ownMessage = failure(own, name, img.lookedAt, wants);
  if (img.index === undefined || img.index.evidence.length === 0) return { ok: false, message: ownMessage, checked: own.checked };

  const index = img.index;
  const binding = indexLists(index.bytes, index.digest, img.digest);
  if (binding !== true) {
    const skipped = index.evidence.slice(0, MAX_CANDIDATES).map((c): Checked => ({ at: c.at, digest: index.digest, accepted: false, result: `not considered: ${binding}` }));
    return { ok: false, message: `${ownMessage}; signatures on its index ${index.digest} do not count: ${binding}`, checked: [...own.checked, ...skipped] };
  }
  const onIndex = evaluate(index.evidence, index.digest, ctx, options.checkAll === true);
  if (onIndex.satisfied) return success(policy, index.digest, onIndex, index.bytes, own.checked);
  return { ok: false, message: `${ownMessage}; on its index ${index.digest}: ${failure(onIndex, index.digest, undefined, wants, true)}`, checked: [...own.checked, ...onIndex.checked] };
}

/** What the policy wants, for messages. */
interface Wants {
  readonly policy: string;
  /** Its authorities: `key sha256:…, keyless issuer … subject …`. */
  readonly accepts: string;
  /** `policy P wants <authorities>[, with attestations …]`. */
  readonly text: string;
}

interface Evaluation {
  readonly judged: readonly Judged[];
  readonly checked: readonly Checked[];
  /** The candidates that satisfy the policy, when they do. */
  readonly satisfied?: readonly Judged[];
  readonly total: number;
  /** Attestation types the policy wants and nothing verified. */
  readonly missing: readonly string[];
}

function evaluate(candidates: readonly Candidate[], digest: string, ctx: Context, checkAll: boolean): Evaluation {
  // Each type once: a type listed twice is still satisfied by one attestation of it.
  const wanted = [...new Set(ctx.policy.attestations)];
  const covered = new Map<string, Judged>();
  let signature: Judged | undefined;
  const judged: Judged[] = [];
  const checked: Checked[] = [];
  const done = (): boolean => (wanted.length === 0 ? signature !== undefined : covered.size === wanted.length);
  for (const c of candidates.slice(0, MAX_CANDIDATES)) {
    if (done() && !checkAll) break;
    const j = judgeCandidate(c, digest, ctx);
    judged.push(j);
    let accepted = false;
    let result: string;
    if (!j.ok) result = `rejected: ${j.reason ?? 'not verified'}`;
    else if (wanted.length === 0) {
      accepted = signature === undefined;
      signature ??= j;
      result = accepted ? `accepted: ${what(j)} signed by ${j.signer}` : `verified (${what(j)} signed by ${j.signer}); the policy was already satisfied`;
    } else if (j.kind === 'attestation' && j.predicateType !== undefined && wanted.includes(j.predicateType) && !covered.has(j.predicateType)) {
      covered.set(j.predicateType, j);
      accepted = true;
      result = `accepted: ${what(j)} signed by ${j.signer}`;
    } else {
      result = `verified (${what(j)} signed by ${j.signer}), but not needed: policy ${ctx.policy.name} wants attestations ${wanted.join(', ')}${j.predicateType !== undefined && covered.has(j.predicateType) ? ', and this type is already attested' : ''}`;
    }
    checked.push({
      at: j.at,
      digest,
      ...(j.kind !== undefined ? { kind: j.kind } : {}),
      ...(j.predicateType !== undefined ? { predicateType: j.predicateType } : {}),
      ...(j.signer !== undefined ? { identity: j.signer } : {}),
      ...(j.sourceRepository !== undefined ? { sourceRepository: j.sourceRepository } : {}),
      accepted,
      result,
    });
  }
  const satisfied = wanted.length === 0 ? (signature ? [signature] : undefined) : covered.size === wanted.length ? wanted.map((t) => covered.get(t)!) : undefined;
  return { judged, checked, total: candidates.length, missing: wanted.filter((t) => !covered.has(t)), ...(satisfied ? { satisfied } : {}) };
}

function success(policy: TrustPolicy, signedDigest: string, e: Evaluation, indexBytes: Buffer | undefined, before: readonly Checked[] = []): Verdict {
  const chosen = e.satisfied!;
  const evidence: Evidence[] = [];
  for (const j of chosen) if (!evidence.includes(j.evidence!)) evidence.push(j.evidence!);
  const verification: Verification = {
    policy: policy.name,
    verifiedBy: [...new Set(chosen.map((j) => j.signer!))].join(', '),
    signedDigest,
    ...(indexBytes !== undefined ? { index: indexBytes.toString('base64') } : {}),
    evidence,
  };
  return { ok: true, verification, checked: [...before, ...e.checked] };
}

/** The one message for a digest nothing satisfied: what was looked for, and what was found. */
function failure(e: Evaluation, name: string, lookedAt: readonly string[] | undefined, wants: Wants, short = false): string {
  const looked = lookedAt !== undefined && lookedAt.length > 0 ? ` (looked at: ${lookedAt.join(', ')})` : '';
  const over = e.total > MAX_CANDIDATES ? ` (${e.total - MAX_CANDIDATES} more candidates not judged: at most ${MAX_CANDIDATES} per digest)` : '';
  if (e.total === 0) return short ? 'no signature' : `no signature for ${name}${looked}; ${wants.text}`;
  const verified = e.judged.filter((j) => j.ok);
  if (e.missing.length > 0 && verified.length > 0) {
    const found = verified.map((j) => `${what(j)} by ${j.signer}`);
    return `no verified attestation of type ${e.missing.join(', ')} for ${name} from an authority of the policy (found: ${unique(found)})${over}; ${wants.text}`;
  }
  // The most telling refusal first: a signer the policy does not know, then a signature about
  // something else, then one that does not verify, then what could not be read.
  const order = ['identity', 'claims', 'signature', 'unreadable'] as const;
  const refused = e.judged.filter((j) => !j.ok).sort((a, b) => order.indexOf(a.refusedBy ?? 'unreadable') - order.indexOf(b.refusedBy ?? 'unreadable'));
  const identities = refused.filter((j) => j.refusedBy === 'identity' && j.signer !== undefined);
  const head =
    identities.length > 0
      ? `signed by ${unique(identities.map((j) => `${j.signer!}${j.sourceRepository !== undefined ? ` (source repository ${j.sourceRepository})` : ''}`))}, which policy ${wants.policy} does not accept (it accepts: ${wants.accepts})`
      : unique(refused.map((j) => j.reason ?? 'not verified'));
  const rest = identities.length > 0 ? refused.filter((j) => j.refusedBy !== 'identity') : [];
  const also = rest.length > 0 ? `; also ${unique(rest.map((j) => j.reason ?? 'not verified'))}` : '';
  return `${short ? '' : `${name}: `}${head}${also}${over}`;
}

/** Whether `indexBytes` is the index `indexDigest` and selects `child` for linux/amd64; why not otherwise. */
export function indexLists(indexBytes: Buffer, indexDigest: string, child: string): true | string {
  const [algorithm, hex] = splitDigest(indexDigest);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return `its digest ${indexDigest} uses an algorithm meshext cannot check`;
  const got = createHash(algorithm).update(indexBytes).digest('hex');
  if (got !== hex) return `the index bytes hash to ${algorithm}:${got}, not ${indexDigest}`;
  const m = parseManifest(indexBytes);
  if (typeof m === 'string') return `the index ${m}`;
  if (m.kind !== 'index') return `${indexDigest} is an image manifest, not an index`;
  const selected = selectPlatform(m);
  if ('code' in selected) return `the index has no linux/amd64 entry, so it does not list ${child} for that platform`;
  if (selected.digest !== child) return `the index lists ${selected.digest} for linux/amd64, not ${child}`;
  return true;
}

function what(j: Judged): string {
  return j.kind === 'attestation' ? `attestation ${j.predicateType ?? '(no predicateType)'}` : j.predicateType !== undefined ? `signed statement ${j.predicateType}` : 'signature';
}

function unique(items: readonly string[]): string {
  const u = [...new Set(items)];
  return u.length <= 3 ? u.join('; ') : `${u.slice(0, 3).join('; ')}; and ${u.length - 3} more`;
}
