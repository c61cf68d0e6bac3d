// Signatures for the trust tests, made here the way the real signers make them, with no network:
// - cosign's classic layout (`.sig` layers: a simple-signing payload, the signature in an
//   annotation), signed with node:crypto and a key of each kind cosign uses;
// - Sigstore bundles signed with a key through @sigstore/sign (our own Signer, no witness), message
//   signatures and DSSE statements (cosign v3's signed statement, SLSA provenance);
// - keyless bundles from @sigstore/mock's Fulcio, Rekor and TSA, answered through nock on hosts
//   under .mock.test, with the trusted root assembled from the mock's key material.
// Anything mock- or nock-related loads only in mockKeyless(), and nock's interception ends with its
// close(): tests that reach a real registry in the same process are not intercepted.

import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Found, FoundAt, KeylessIdentity, TrustPolicy, TrustSite } from '../src/model/trust.ts';

export const SIMPLE_SIGNING_MEDIA = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA = 'application/vnd.dsse.envelope.v1+json';
export const BUNDLE_V03_MEDIA = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO = 'application/vnd.in-toto+json';
export const COSIGN_SIGN = 'https://sigstore.dev/cosign/sign/v1';
export const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export type KeyKind = 'p256' | 'p384' | 'ed25519' | 'rsa';

/** A signing key pair as cosign would use it: the public PEM (cosign.pub), its meshext id and cosign's hint. */
export interface TestKey {
  readonly kind: KeyKind;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PEM SPKI, as `cosign generate-key-pair` writes cosign.pub. */
  readonly pem: string;
  /** `sha256:<hex of the SPKI DER>`: what verified-by names. */
  readonly id: string;
  /** base64(sha256(SPKI DER)): the publicKey.hint of a key-signed bundle. */
  readonly hint: string;
  /** The hash cosign signs with for this key (none for Ed25519). */
  readonly hash: string | null;
}

/** A fresh key of `kind`; RSA keys are 2048 bits (the smallest cosign offers, and the quickest to make). */
export function newKey(kind: KeyKind = 'p256'): TestKey {
  const pair =
    kind === 'p256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : kind === 'p384'
        ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
        : kind === 'ed25519'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = pair.publicKey.export({ type: 'spki', format: 'der' });
  const sum = createHash('sha256').update(der).digest();
  return {
    kind,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    id: `sha256:${sum.toString('hex')}`,
    hint: sum.toString('base64'),
    hash: kind === 'ed25519' ? null : kind === 'p384' ? 'sha384' : 'sha256',
  };
}

/** A random digest, for images that exist only in a test. */
export function randomDigest(): string {
  return `sha256:${createHash('sha256').update(String(Math.random()) + process.hrtime.bigint()).digest('hex')}`;
}

/**
 * cosign's simple-signing payload for `digest` (sigstore/sigstore payload.SimpleContainerImage).
 * `keyCase: 'old'` spells the keys as old cosign did (`Critical`, `Docker-manifest-digest`).
 */
export function simpleSigningPayload(digest: string, opts: { reference?: string; keyCase?: 'current' | 'old'; type?: string } = {}): Buffer {
  const ref = opts.reference ?? 'registry.example.com/platform/filter';
  const type = opts.type ?? 'cosign container image signature';
  const json =
    opts.keyCase === 'old'
      ? { Critical: { Identity: { 'Docker-reference': ref }, Image: { 'Docker-manifest-digest': digest }, Type: type }, Optional: null }
      : { critical: { identity: { 'docker-reference': ref }, image: { 'docker-manifest-digest': digest }, type }, optional: null };
  return Buffer.from(JSON.stringify(json));
}

/** Signs `data` as cosign does with `key`: ECDSA (DER) over the key's hash, Ed25519 over the bytes, RSA PKCS#1 v1.5. */
export function signWith(key: TestKey, data: Buffer): Buffer {
  return cryptoSign(key.hash, data, key.privateKey);
}

/**
 * A cosign classic `.sig` layer signing `digest` with `key` (no transparency log, as
 * `cosign sign --key … --tlog-upload=false` writes it), as discovery hands it over.
 * `payload` replaces the signed payload; `tamper` changes the stored payload after signing.
 */
export function classicSigLayer(digest: string, key: TestKey, opts: { payload?: Buffer; tamper?: boolean; at?: FoundAt } = {}): Extract<Found, { kind: 'classic' }> {
  const payload = opts.payload ?? simpleSigningPayload(digest);
  const signature = signWith(key, payload).toString('base64');
  const stored = opts.tamper ? Buffer.from(payload.toString('utf8').replace('"optional":null', '"optional":{"tampered":"yes"}')) : payload;
  return { kind: 'classic', at: opts.at ?? '.sig tag', mediaType: SIMPLE_SIGNING_MEDIA, payload: stored, annotations: { 'dev.cosignproject.cosign/signature': signature } };
}

/** DSSE's pre-authentication encoding: what a DSSE signature signs. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/**
 * A cosign classic `.att` layer: a DSSE envelope of an in-toto statement about `digest`, signed
 * with `key` (no transparency log), the predicate type in its annotations, as `cosign attest --key`
 * writes it. `stmt` replaces the statement.
 */
export function classicAttLayer(digest: string, key: TestKey, predicateType = SLSA_PROVENANCE, opts: { stmt?: Buffer } = {}): Extract<Found, { kind: 'classic' }> {
  const body = opts.stmt ?? statement(digest, predicateType);
  const envelope = { payloadType: IN_TOTO, payload: body.toString('base64'), signatures: [{ keyid: '', sig: signWith(key, preAuthEncoding(IN_TOTO, body)).toString('base64') }] };
  return { kind: 'classic', at: '.att tag', mediaType: DSSE_MEDIA, payload: Buffer.from(JSON.stringify(envelope)), annotations: { 'dev.cosignproject.cosign/signature': '', predicateType } };
}

/**
 * The registry objects of a cosign classic signature image (`sha256-<hex>.sig`) holding `layers`:
 * the OCI manifest (each layer's payload a blob, the signature in its annotations) and its blobs,
 * for tests that push it to a registry.
 */
export function classicSignatureImage(layers: readonly Extract<Found, { kind: 'classic' }>[]): { manifest: Buffer; blobs: Buffer[] } {
  const config = Buffer.from('{"architecture":"","config":{},"created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[]}}');
  const desc = (mediaType: string, b: Buffer, annotations?: Record<string, string>) => ({ mediaType, size: b.length, digest: `sha256:${createHash('sha256').update(b).digest('hex')}`, ...(annotations ? { annotations } : {}) });
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: desc('application/vnd.oci.image.config.v1+json', config),
    layers: layers.map((l) => desc(l.mediaType, l.payload, { ...l.annotations })),
  };
  return { manifest: Buffer.from(JSON.stringify(manifest)), blobs: [config, ...layers.map((l) => l.payload)] };
}

/** The in-toto Statement v1 `digest` is the subject of: cosign v3's signature by default, or another predicate. */
export function statement(digest: string, predicateType = COSIGN_SIGN, predicate: object = {}): Buffer {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { [algorithm]: hex } }], predicateType, predicate }));
}

/** A key-signed Sigstore bundle made with @sigstore/sign: a message signature over `data`, or (dsse) a DSSE envelope of it. No witness: no log entry, no timestamp. */
export async function keyBundle(key: TestKey, data: Buffer, opts: { dsse?: boolean; payloadType?: string; hint?: string } = {}): Promise<object> {
  const { DSSEBundleBuilder, MessageSignatureBundleBuilder } = await import('@sigstore/sign');
  const { bundleToJSON } = await import('@sigstore/bundle');
  const signer = {
    sign: async (bytes: Buffer) => ({ signature: signWith(key, bytes), key: { $case: 'publicKey' as const, publicKey: key.pem, hint: opts.hint ?? key.hint } }),
  };
  const bundle = opts.dsse
    ? await new DSSEBundleBuilder({ signer, witnesses: [] }).create({ data, type: opts.payloadType ?? IN_TOTO })
    : await new MessageSignatureBundleBuilder({ signer, witnesses: [] }).create({ data });
  return bundleToJSON(bundle) as object;
}

/** A bundle as discovery hands it over from a referrer (or a URL's .sigstore.json). */
export function foundBundle(json: object, at: FoundAt = 'referrers'): Found {
  return { kind: 'bundle', at, json };
}

/** Who a keyless signature is for: the OIDC token's issuer, subject, and GitHub repository (`owner/name`, Fulcio's source repository). */
export interface SignerIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly repository?: string;
}

export const ACME_RELEASE: SignerIdentity = { issuer: GITHUB_ISSUER, subject: 'https://github.com/acme/ext/.github/workflows/release.yml@refs/tags/v1.2.0', repository: 'acme/ext' };

export interface KeylessSigning {
  /** The identity signed for (default ACME_RELEASE). */
  readonly identity?: SignerIdentity;
  /** Log the signature in the mock Rekor (default true). */
  readonly tlog?: boolean;
  /** Add an RFC 3161 timestamp from the mock TSA (default false). */
  readonly tsa?: boolean;
}

export interface MockKeyless {
  /** A trusted_root.json for this mock's CA, log, CT log and TSA (each valid from 2000). */
  readonly trustedRootJson: string;
  /** A keyless DSSE bundle (v0.3) of an in-toto statement; Rekor entries are `intoto` (the mock's `dsse` entries do not verify). */
  signStatement(stmt: Buffer, opts?: KeylessSigning): Promise<object>;
  /** A keyless message-signature bundle (v0.2, hashedrekord) over `data`. */
  signMessage(data: Buffer, opts?: KeylessSigning): Promise<object>;
  /** A DSSE bundle of an in-toto statement signed with `key` (its hint set) and logged in this mock's Rekor (`cosign sign --key` with the log). */
  signStatementWithKey(key: TestKey, stmt: Buffer): Promise<object>;
  /** A cosign classic keyless `.sig` layer for `digest`: the certificate and the Rekor SET in annotations, as cosign ≤ v2 writes them. */
  classicLayer(digest: string, opts?: Omit<KeylessSigning, 'tsa' | 'tlog'>): Promise<Extract<Found, { kind: 'classic' }>>;
  /** Removes this mock's interceptors and, when no other mock is open, nock's interception. */
  close(): Promise<void>;
}

let mocks = 0;
let open = 0;

/**
 * Keyless signing offline: @sigstore/mock's Fulcio (10-minute certificates), Rekor and TSA behind
 * nock, and a trusted root assembled from their keys. The clock is a whole second (the mock TSA
 * writes fractional seconds @sigstore/core refuses otherwise) just ahead of now (the mock's root
 * certificate starts at the real now, so nothing can be backdated). `logDelaySeconds` puts the
 * log's time (the SET) that far after the certificate's: past 600, the certificate has expired at
 * the only trusted time the signature has.
 */
export async function mockKeyless(opts: { logDelaySeconds?: number } = {}): Promise<MockKeyless> {
  const { default: nock } = await import('nock');
  const mock = await import('@sigstore/mock');
  const sign = await import('@sigstore/sign');
  const { bundleToJSON } = await import('@sigstore/bundle');
  if (!nock.isActive()) nock.activate();
  open++;
  const n = ++mocks;
  const base = { fulcio: `https://fulcio-${n}.mock.test`, rekor: `https://rekor-${n}.mock.test`, tsa: `https://tsa-${n}.mock.test` };
  const keyPair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const clock = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
  const logClock = new Date(clock.getTime() + (opts.logDelaySeconds ?? 0) * 1000);
  const ctlog = await mock.initializeCTLog(keyPair);
  const ca = await mock.initializeCA(keyPair, ctlog, clock);
  const tlog = await mock.initializeTLog(base.rekor, keyPair, logClock);
  const tsa = await mock.initializeTSA(keyPair, clock);
  const interceptors = [
    [base.fulcio, mock.fulcioHandler(ca)],
    [base.rekor, mock.rekorHandler(tlog)],
    [base.tsa, mock.tsaHandler(tsa)],
  ].map(([url, h]) => {
    const handler = h as { path: string; fn: (body: string) => Promise<{ statusCode: number; response: string | ArrayBufferView; contentType?: string }> };
    const interceptor = nock(url as string).persist().post(handler.path);
    // nock 15 hands a reply function the request (a fetch Request) as its only argument.
    interceptor.reply(async (req: unknown) => {
      const r = await handler.fn(await (req as Request).text());
      return [r.statusCode, r.response as string, { 'Content-Type': r.contentType ?? 'text/plain' }];
    });
    return interceptor;
  });
  const raw = (v: ArrayBufferView): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const key = (der: Buffer) => ({ rawBytes: der.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2000-01-01T00:00:00Z' } });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: base.rekor, hashAlgorithm: 'SHA2_256', publicKey: key(tlog.publicKey), logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') } }],
    certificateAuthorities: [{ subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: base.fulcio, certChain: { certificates: [{ rawBytes: raw(ca.rootCertificate) }] }, validFor: { start: '2000-01-01T00:00:00Z' } }],
    ctlogs: [{ baseUrl: `https://ctfe-${n}.mock.test`, hashAlgorithm: 'SHA2_256', publicKey: key(ctlog.publicKey), logId: { keyId: raw(ctlog.logID) } }],
    timestampAuthorities: [{ subject: { organization: 'sigstore.mock', commonName: 'tsa' }, uri: base.tsa, certChain: { certificates: [{ rawBytes: raw(tsa.intCertificate) }, { rawBytes: raw(tsa.rootCertificate) }] }, validFor: { start: '2000-01-01T00:00:00Z' } }],
  };

  const b64url = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signer = (id: SignerIdentity) => {
    // Mock Fulcio reads the token unverified: an unsigned JWT with the claims it maps to extensions.
    const claims = { iss: id.issuer, sub: id.subject, aud: 'sigstore', iat: 1, exp: 4102444800, ...(id.repository !== undefined ? { repository: id.repository } : {}) };
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    return new sign.FulcioSigner({ fulcioBaseURL: base.fulcio, identityProvider: { getToken: async () => token } });
  };
  const witnesses = (o: KeylessSigning, entryType?: 'intoto') => [
    ...(o.tlog !== false ? [new sign.RekorWitness({ rekorBaseURL: base.rekor, ...(entryType ? { entryType } : {}) })] : []),
    ...(o.tsa ? [new sign.TSAWitness({ tsaBaseURL: base.tsa })] : []),
  ];
  const signMessage = async (data: Buffer, o: KeylessSigning = {}): Promise<object> =>
    bundleToJSON(await new sign.MessageSignatureBundleBuilder({ signer: signer(o.identity ?? ACME_RELEASE), witnesses: witnesses(o) }).create({ data })) as object;
  return {
    trustedRootJson: JSON.stringify(trustedRoot),
    signMessage,
    async signStatement(stmt: Buffer, o: KeylessSigning = {}): Promise<object> {
      const bundle = await new sign.DSSEBundleBuilder({ signer: signer(o.identity ?? ACME_RELEASE), witnesses: witnesses(o, 'intoto') }).create({ data: stmt, type: IN_TOTO });
      return bundleToJSON(bundle) as object;
    },
    async signStatementWithKey(key: TestKey, stmt: Buffer): Promise<object> {
      const keySigner = { sign: async (bytes: Buffer) => ({ signature: signWith(key, bytes), key: { $case: 'publicKey' as const, publicKey: key.pem, hint: key.hint } }) };
      const bundle = await new sign.DSSEBundleBuilder({ signer: keySigner, witnesses: witnesses({}, 'intoto') }).create({ data: stmt, type: IN_TOTO });
      return bundleToJSON(bundle) as object;
    },
    async classicLayer(digest: string, o = {}): Promise<Extract<Found, { kind: 'classic' }>> {
      const payload = simpleSigningPayload(digest);
      const b = (await signMessage(payload, o)) as BundleJson;
      const leaf = b.verificationMaterial.x509CertificateChain!.certificates[0]!.rawBytes;
      const e = b.verificationMaterial.tlogEntries[0]!;
      const rekor = {
        SignedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp,
        Payload: { body: e.canonicalizedBody, integratedTime: Number(e.integratedTime), logIndex: Number(e.logIndex), logID: Buffer.from(e.logId.keyId, 'base64').toString('hex') },
      };
      const pem = `-----BEGIN CERTIFICATE-----\n${leaf.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
      return {
        kind: 'classic',
        at: '.sig tag',
        mediaType: SIMPLE_SIGNING_MEDIA,
        payload,
        annotations: { 'dev.cosignproject.cosign/signature': b.messageSignature!.signature, 'dev.sigstore.cosign/certificate': pem, 'dev.sigstore.cosign/bundle': JSON.stringify(rekor) },
      };
    },
    async close(): Promise<void> {
      for (const i of interceptors) nock.removeInterceptor(i);
      if (--open === 0) {
        nock.cleanAll();
        nock.restore();
      }
    },
  };
}

interface BundleJson {
  verificationMaterial: {
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    tlogEntries: { logIndex: string; logId: { keyId: string }; integratedTime: string; inclusionPromise: { signedEntryTimestamp: string }; canonicalizedBody: string }[];
  };
  messageSignature?: { signature: string };
}

/** Where a test policy's values are written. */
export function site(field: string): TrustSite {
  return { file: 'mesh.yaml', line: 1, col: 1, field };
}

/** A trust policy over every image, with these keys (by their test keys) and keyless identities. */
export function testPolicy(p: { name?: string; keys?: readonly TestKey[]; keyless?: readonly Omit<KeylessIdentity, 'at'>[]; attestations?: readonly string[]; requireTransparencyLog?: boolean; images?: readonly string[] }): TrustPolicy {
  const name = p.name ?? 'platform';
  return {
    name,
    images: p.images ?? ['**'],
    keys: (p.keys ?? []).map((k, i) => ({ pem: k.pem, at: keySite(name, i) })),
    keyless: (p.keyless ?? []).map((k, i) => ({ ...k, at: site(`spec.trust.policies[${name}].keyless[${i}]`) })),
    attestations: p.attestations ?? [],
    requireTransparencyLog: p.requireTransparencyLog ?? false,
    at: site(`spec.trust.policies[${name}]`),
  };
}

/** The site testPolicy gives a policy's i-th key (what loadMaterial's keys are matched by). */
export function keySite(policy: string, i: number): TrustSite {
  return site(`spec.trust.policies[${policy}].keys[${i}]`);
}

/** The keys of these policies as loadMaterial takes them. */
export function keyInputs(...policies: TrustPolicy[]): { site: TrustSite; pem: string }[] {
  return policies.flatMap((p) => p.keys.map((k) => ({ site: k.at, pem: k.pem! })));
}

