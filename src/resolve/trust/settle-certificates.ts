// @sigstore/verify builds a certificate's path to a trusted CA anew for every signature, and
// @sigstore/core re-encodes each certificate it touches from its parsed ASN.1 tree every time it
// compares one or checks a signature (X509Certificate.equals, verify, publicKey), then verifies the
// CA certificates' signatures among themselves again: over half of a keyless verification. The
// trusted root's certificates never change once parsed, so their DER encodings and the results of
// their signature checks among themselves are computed once here; a leaf certificate's encodings are
// computed once per signature. Nothing is skipped: every check still runs, on the same bytes.

import type { X509Certificate } from '@sigstore/core';
import type { TrustMaterial } from '@sigstore/verify';

interface Encodable {
  toDER(): Buffer;
}

/** The trusted root's CA and TSA certificates: encodings and their checks among themselves, once. */
export function settleTrustedCertificates(trust: TrustMaterial): void {
  for (const ca of [...trust.certificateAuthorities, ...trust.timestampAuthorities]) {
    for (const cert of ca.certChain) {
      settleEncodings(cert);
      const verify = cert.verify.bind(cert);
      const byIssuer = new WeakMap<X509Certificate, boolean>();
      let self: boolean | undefined;
      cert.verify = (issuer?: X509Certificate): boolean => {
        if (issuer === undefined) return (self ??= verify());
        let ok = byIssuer.get(issuer);
        if (ok === undefined) byIssuer.set(issuer, (ok = verify(issuer)));
        return ok;
      };
    }
  }
}

/** A certificate's DER, TBS and public-key encodings, computed once. */
export function settleEncodings(cert: X509Certificate): void {
  const c = cert as unknown as { root: Encodable; tbsCertificate: Encodable; subjectPublicKeyInfoObj: Encodable };
  for (const obj of [c.root, c.tbsCertificate, c.subjectPublicKeyInfoObj]) once(obj);
}

function once(obj: Encodable): void {
  const encode = obj.toDER;
  let der: Buffer | undefined;
  obj.toDER = () => (der ??= encode.call(obj));
}
