// Who signed, and whether a policy accepts them. A keyless signer is its certificate: the OIDC
// issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, else the legacy 1.1; read by @sigstore/verify),
// the SAN, and the Source Repository URI (extension 1.12). A policy's keyless identity compares the
// issuer exactly, the SAN with its anchored glob (glob.ts), and the source repository, when given,
// by the extension's DER bytes: Fulcio's extensions from 1.8 on hold a DER UTF8String (0x0c, length,
// bytes), so comparing the raw string, as sigstore's certificateOIDs option does, never matches.
// The source repository is how to say "built from repository X" when a reusable workflow signs:
// the SAN then names the reusable workflow, not the caller.

import type { Signer } from '@sigstore/verify';
import type { KeylessIdentity, TrustPolicy } from '../../model/trust.ts';
import { globToRegExp } from './glob.ts';
import type { TrustKey } from './material.ts';

export const SOURCE_REPOSITORY_OID = '1.3.6.1.4.1.57264.1.12';
const SOURCE_REPOSITORY_ARCS = SOURCE_REPOSITORY_OID.split('.').map(Number);

export interface KeylessSigner {
  readonly issuer?: string;
  readonly subject?: string;
  readonly sourceRepository?: string;
  readonly sourceRepositoryDer?: Buffer;
}

export function keylessSigner(signer: Signer): KeylessSigner {
  const id = signer.identity;
  const oid = id?.oids?.find((o) => sameArcs(o.oid?.id, SOURCE_REPOSITORY_ARCS));
  const repo = oid ? utf8StringOf(Buffer.from(oid.value)) : undefined;
  return {
    ...(id?.extensions?.issuer !== undefined ? { issuer: id.extensions.issuer } : {}),
    ...(id?.subjectAlternativeName !== undefined ? { subject: id.subjectAlternativeName } : {}),
    ...(repo !== undefined ? { sourceRepository: repo } : {}),
    ...(oid ? { sourceRepositoryDer: Buffer.from(oid.value) } : {}),
  };
}

/** verified-by for a certificate: `<issuer> <subject>`. */
export function describeKeyless(s: KeylessSigner): string {
  return `${s.issuer ?? '(no issuer)'} ${s.subject ?? '(no subject)'}`;
}

export function acceptsKeyless(id: KeylessIdentity, s: KeylessSigner): boolean {
  if (s.issuer === undefined || s.subject === undefined || s.issuer !== id.issuer) return false;
  if (!globToRegExp(id.subject).test(s.subject)) return false;
  if (id.sourceRepository === undefined) return true;
  return s.sourceRepositoryDer !== undefined && s.sourceRepositoryDer.equals(derUtf8String(id.sourceRepository));
}

/** What a policy accepts, for messages: `key sha256:…, keyless issuer … subject …`. */
export function describeAuthorities(policy: TrustPolicy, keys: readonly TrustKey[]): string {
  const parts = [
    ...keys.map((k) => `key ${k.id}`),
    ...policy.keyless.map((k) => `keyless issuer ${k.issuer} subject ${k.subject}${k.sourceRepository !== undefined ? ` sourceRepository ${k.sourceRepository}` : ''}`),
  ];
  return parts.length > 0 ? parts.join(', ') : 'no key and no keyless identity';
}

/** DER UTF8String: tag 0x0c, definite length, the bytes. */
export function derUtf8String(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const n = bytes.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([0x0c, ...len]), bytes]);
}

function utf8StringOf(der: Buffer): string | undefined {
  if (der.length < 2 || der[0] !== 0x0c) return undefined;
  let n = der[1]!;
  let start = 2;
  if (n === 0x81) [n, start] = [der[2] ?? 0, 3];
  else if (n === 0x82) [n, start] = [((der[2] ?? 0) << 8) | (der[3] ?? 0), 4];
  else if (n > 0x80) return undefined;
  return start + n === der.length ? der.subarray(start).toString('utf8') : undefined;
}

function sameArcs(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}
