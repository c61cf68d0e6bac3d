// The trust policy a Mesh declares (spec.trust), what signature discovery finds for a digest, and
// the evidence a verified image keeps in the lock. The policy shape follows Kyverno's verifyImages
// and sigstore's ClusterImagePolicy; see docs/decisions.md for how the two were merged.

/** Where a policy value was written, to point an error at its line. */
export interface TrustSite {
  /** Render-root-relative file (or '<stdin>') of the Mesh that declares the policy. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted field path, e.g. `spec.trust.policies[0].keys[1]`. */
  readonly field: string;
}

/** A public key as the Mesh names it: a path (relative to the Mesh's file) or inline PEM. */
export interface KeySource {
  readonly path?: string;
  readonly pem?: string;
  readonly at: TrustSite;
}

export interface KeylessIdentity {
  /** Compared exactly with the certificate's OIDC issuer (Fulcio extension 1.8, else 1.1). */
  readonly issuer: string;
  /** Exact, or a glob (`*` within a path segment, `**` across), anchored, over the certificate's SAN. */
  readonly subject: string;
  /** Exact Source Repository URI (Fulcio extension 1.3.6.1.4.1.57264.1.12), when given. */
  readonly sourceRepository?: string;
  readonly at: TrustSite;
}

export interface TrustPolicy {
  readonly name: string;
  /** Globs over canonical references (`*` within a path segment, `**` across). */
  readonly images: readonly string[];
  readonly keys: readonly KeySource[];
  readonly keyless: readonly KeylessIdentity[];
  /** predicateTypes that must each be attested by an authority of this policy. */
  readonly attestations: readonly string[];
  /** Key signatures need a transparency-log entry only when this is true; keyless ones always need log or TSA time. */
  readonly requireTransparencyLog: boolean;
  readonly at: TrustSite;
}

export interface Trust {
  /** enforce: a failure fails the render; warn: it renders, with a warning per failure. */
  readonly mode: 'enforce' | 'warn';
  /** What happens to an image no policy covers. */
  readonly unmatched: 'deny' | 'allow';
  /** A trusted_root.json path relative to the Mesh's file; undefined means the public-good root meshext ships. */
  readonly trustedRoot?: { readonly path: string; readonly at: TrustSite };
  readonly policies: readonly TrustPolicy[];
  readonly at: TrustSite;
}

/** Where discovery found a candidate. */
export type FoundAt = '.sig tag' | '.att tag' | 'referrers' | 'referrers tag' | 'url';

/** One candidate signature or attestation, as discovery read it from a registry or a URL. */
export type Found =
  | {
      /** A cosign classic layer: the payload blob (hashed against its descriptor) and the layer's annotations. */
      readonly kind: 'classic';
      readonly at: FoundAt;
      /** The layer media type: simple signing for `.sig`, a DSSE envelope for `.att`. */
      readonly mediaType: string;
      readonly payload: Buffer;
      readonly annotations: Readonly<Record<string, string>>;
    }
  | {
      /** A Sigstore bundle (the referrer's single layer, or `<url>.sigstore.json`), parsed JSON not yet validated. */
      readonly kind: 'bundle';
      readonly at: FoundAt;
      readonly json: unknown;
    };

/** Everything discovery saw for one digest. */
export interface Discovery {
  /** The digest the candidates are about (the pinned child, or its index). */
  readonly digest: string;
  readonly found: readonly Found[];
  /** What was looked at, for "no signature … (looked at: …)" messages. */
  readonly lookedAt: readonly FoundAt[];
}

/**
 * One piece of evidence as the lock keeps it: a Sigstore bundle (serialized JSON), a classic `.sig`
 * layer converted to bundle form, with the payload its message signature covers.
 */
export interface Evidence {
  readonly at: FoundAt;
  /** The bundle's JSON text, compact, as verified. */
  readonly bundle: string;
  /** base64 of the signed payload, for a classic simple-signing signature (its bundle's messageSignature is over these bytes). */
  readonly payload?: string;
}

/** What verification of one image concluded, and what the lock keeps of it. */
export interface Verification {
  readonly policy: string;
  /** `key sha256:<hex of the public key's DER>` or `<issuer> <subject>`: the resources' meshext.dev/verified-by. */
  readonly verifiedBy: string;
  /** The digest the evidence is about: the pinned digest, or the index that lists it for linux/amd64. */
  readonly signedDigest: string;
  /** base64 of the index manifest when signedDigest is an index, so the index→child check re-runs offline. */
  readonly index?: string;
  readonly evidence: readonly Evidence[];
}
