// The offline signature verifier (src/resolve/trust/) against real signatures: cosign's classic
// layout signed with node:crypto, key-signed bundles from @sigstore/sign, keyless bundles from
// @sigstore/mock's Fulcio, Rekor and TSA (with a trusted root assembled from their keys), and real
// bundles GitHub Actions signed, verified against the public-good root shipped with @sigstore/tuf.
// Nothing reaches the network: the mock services answer through nock on .mock.test hosts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evidence, Found, TrustPolicy } from '../src/model/trust.ts';
import { loadVerifier } from '../src/resolve/trust/load-verifier.ts';
import type { ImageToVerify, LoadedTrust, TrustVerifier, Verdict } from '../src/resolve/trust/load-verifier.ts';
import {
  ACME_RELEASE,
  COSIGN_SIGN,
  GITHUB_ISSUER,
  SLSA_PROVENANCE,
  classicAttLayer,
  classicSigLayer,
  foundBundle,
  keyBundle,
  keyInputs,
  mockKeyless,
  newKey,
  randomDigest,
  simpleSigningPayload,
  statement,
  testPolicy,
} from './_sigstore.ts';
import type { MockKeyless, TestKey } from './_sigstore.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'sigstore');
const fixture = (name: string): object => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as object;

let v: TrustVerifier;
let mock: MockKeyless;
const keys: Record<'p256' | 'p384' | 'ed25519' | 'rsa' | 'other', TestKey> = {
  p256: newKey('p256'),
  p384: newKey('p384'),
  ed25519: newKey('ed25519'),
  rsa: newKey('rsa'),
  other: newKey('p256'),
};

test.before(async () => {
  v = await loadVerifier();
  mock = await mockKeyless();
});
test.after(async () => {
  await mock.close();
});

/** The material for these policies: the mock's trusted root, or (publicGood) the one shipped with @sigstore/tuf. */
function material(policies: TrustPolicy[], root: 'mock' | 'publicGood' | string = 'mock'): LoadedTrust {
  const trustedRootJson = root === 'mock' ? mock.trustedRootJson : root === 'publicGood' ? undefined : root;
  const loaded = v.loadMaterial({ ...(trustedRootJson !== undefined ? { trustedRootJson } : {}), keys: keyInputs(...policies) });
  if ('errors' in loaded) throw new Error(JSON.stringify(loaded.errors));
  return loaded;
}

function check(policy: TrustPolicy, img: Omit<ImageToVerify, 'ref'> & { ref?: string }, root?: 'mock' | 'publicGood' | string): Verdict {
  return v.verifyImage({ ref: 'registry.example.com/platform/filter', ...img }, policy, material([policy], root), { checkAll: true });
}

function ok(r: Verdict): Extract<Verdict, { ok: true }> {
  if (!r.ok) assert.unreachable(`expected a verified image, got: ${r.message}`);
  return r as Extract<Verdict, { ok: true }>;
}
function refused(r: Verdict, ...includes: string[]): string {
  if (r.ok) assert.unreachable(`expected a refusal, got verified by ${r.verification.verifiedBy}`);
  const message = (r as Extract<Verdict, { ok: false }>).message;
  for (const s of includes) assert.ok(message.includes(s), `message lacks ${JSON.stringify(s)}: ${message}`);
  return message;
}

// Cosign's classic `.sig` layers, signed with node:crypto.

for (const kind of ['p256', 'p384', 'ed25519', 'rsa'] as const) {
  test(`classic .sig signed with a ${kind} key: the policy's key verifies it; verified-by names the key; the evidence keeps the payload`, () => {
    const digest = randomDigest();
    const layer = classicSigLayer(digest, keys[kind]);
    const r = ok(check(testPolicy({ keys: [keys[kind]] }), { digest, own: [layer] }));
    assert.is(r.verification.verifiedBy, `key ${keys[kind].id}`);
    assert.is(r.verification.signedDigest, digest);
    assert.is(r.verification.policy, 'platform');
    assert.is(r.verification.evidence.length, 1);
    assert.is(r.verification.evidence[0]!.payload, layer.payload.toString('base64'));
    assert.is(r.verification.evidence[0]!.at, '.sig tag');
    assert.equal(r.checked.map((c) => [c.kind, c.identity, c.accepted]), [['signature', `key ${keys[kind].id}`, true]]);
  });
}

test('classic .sig signed by another key: refused, naming the key it was tried with', () => {
  const digest = randomDigest();
  const r = check(testPolicy({ keys: [keys.p256] }), { digest, own: [classicSigLayer(digest, keys.other)] });
  refused(r, `signature does not verify with key ${keys.p256.id}`, 'SIGNATURE_ERROR');
  assert.is(r.checked[0]!.accepted, false);
});

test('classic .sig whose payload was changed after signing: the signature does not verify', () => {
  const digest = randomDigest();
  refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [classicSigLayer(digest, keys.p256, { tamper: true })] }), 'signature does not verify', 'SIGNATURE_ERROR');
});

test('classic .sig validly signed for another digest: refused, saying which digest it signs', () => {
  const digest = randomDigest();
  const other = randomDigest();
  refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [classicSigLayer(other, keys.p256)] }), `its payload signs ${other}, not ${digest}`);
});

test('classic .sig in old cosign spelling (Critical, Docker-manifest-digest): keys are matched ignoring case, as cosign does', () => {
  const digest = randomDigest();
  const layer = classicSigLayer(digest, keys.p256, { payload: simpleSigningPayload(digest, { keyCase: 'old' }) });
  ok(check(testPolicy({ keys: [keys.p256] }), { digest, own: [layer] }));
  const wrong = classicSigLayer(digest, keys.p256, { payload: simpleSigningPayload(randomDigest(), { keyCase: 'old' }) });
  refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [wrong] }), 'its payload signs');
});

test('classic .sig whose payload is not a cosign container image signature: refused', () => {
  const digest = randomDigest();
  const layer = classicSigLayer(digest, keys.p256, { payload: simpleSigningPayload(digest, { type: 'atomic container signature' }) });
  refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [layer] }), `critical.type is "atomic container signature"`);
});

test('classic .att (a DSSE envelope in the layer): converted to a DSSE bundle; counts as the attestation it is, about the digest it names', () => {
  const digest = randomDigest();
  const policy = testPolicy({ keys: [keys.p256], attestations: [SLSA_PROVENANCE] });
  const r = ok(check(policy, { digest, own: [classicAttLayer(digest, keys.p256)] }));
  assert.equal([r.checked[0]!.kind, r.checked[0]!.predicateType, r.verification.evidence[0]!.at], ['attestation', SLSA_PROVENANCE, '.att tag']);
  refused(check(policy, { digest, own: [classicAttLayer(digest, keys.other)] }), 'signature does not verify');
  const other = randomDigest();
  refused(check(policy, { digest, own: [classicAttLayer(other, keys.p256)] }), `its statement is about ${other}, not ${digest}`);
});

test('a key signature without a log entry is refused when the policy requires the transparency log', () => {
  const digest = randomDigest();
  refused(check(testPolicy({ keys: [keys.p256], requireTransparencyLog: true }), { digest, own: [classicSigLayer(digest, keys.p256)] }), 'has no transparency-log entry', 'requireTransparencyLog');
});

test('the evidence a verification keeps verifies again on its own (a render from the lock)', () => {
  const digest = randomDigest();
  const policy = testPolicy({ keys: [keys.p256] });
  const first = ok(check(policy, { digest, own: [classicSigLayer(digest, keys.p256), classicSigLayer(digest, keys.other)] }));
  assert.is(first.verification.evidence.length, 1);
  const again = ok(check(policy, { digest, own: first.verification.evidence }));
  assert.equal(again.verification, first.verification);
  const json = JSON.parse(JSON.stringify(first.verification.evidence)) as Evidence[];
  assert.equal(ok(check(policy, { digest, own: json })).verification, first.verification);
});

test("a key signature's transparency-log entry is verified against the trusted root: it verifies with the root of the log it is in, and not with the public-good root or another log's", async () => {
  const digest = randomDigest();
  const policy = testPolicy({ keys: [keys.p256], requireTransparencyLog: true });
  const bundle = await mock.signStatementWithKey(keys.p256, statement(digest));
  assert.is((bundle as { verificationMaterial: { tlogEntries: unknown[] } }).verificationMaterial.tlogEntries.length, 1);
  assert.is(ok(check(policy, { digest, own: [foundBundle(bundle)] })).verification.verifiedBy, `key ${keys.p256.id}`);
  refused(check(policy, { digest, own: [foundBundle(bundle)] }, 'publicGood'), 'signature does not verify', 'TLOG_INCLUSION_PROMISE_ERROR');
  const other = await mockKeyless();
  try {
    refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [foundBundle(bundle)] }, other.trustedRootJson), 'signature does not verify', 'TLOG_INCLUSION_PROMISE_ERROR');
  } finally {
    await other.close();
  }
});

// Key-signed Sigstore bundles made with @sigstore/sign.

test("cosign v3's signed statement (DSSE, predicate sigstore.dev/cosign/sign/v1) with a key: found by the bundle's key hint", async () => {
  const digest = randomDigest();
  const bundle = await keyBundle(keys.p256, statement(digest), { dsse: true });
  const r = ok(check(testPolicy({ keys: [keys.other, keys.p256] }), { digest, own: [foundBundle(bundle)] }));
  assert.is(r.verification.verifiedBy, `key ${keys.p256.id}`);
  assert.is(r.verification.evidence[0]!.bundle, JSON.stringify(bundle));
  assert.is(r.verification.evidence[0]!.payload, undefined);
  assert.equal([r.checked[0]!.kind, r.checked[0]!.predicateType], ['signature', COSIGN_SIGN]);
});

test('a key-signed statement about another digest is refused: the library does not check the subject, meshext does', async () => {
  const digest = randomDigest();
  const other = randomDigest();
  const bundle = await keyBundle(keys.p256, statement(other), { dsse: true });
  refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [foundBundle(bundle)] }), `its statement is about ${other}, not ${digest}`);
});

test('Ed25519 and P-384 keys sign DSSE bundles that verify', async () => {
  for (const k of [keys.ed25519, keys.p384]) {
    const digest = randomDigest();
    const bundle = await keyBundle(k, statement(digest), { dsse: true });
    assert.is(ok(check(testPolicy({ keys: [k] }), { digest, own: [foundBundle(bundle)] })).verification.verifiedBy, `key ${k.id}`);
  }
});

test("a bundle whose key hint names a key the policy lacks is refused as that key's, not taken from the bundle", async () => {
  const digest = randomDigest();
  const bundle = await keyBundle(keys.other, statement(digest), { dsse: true });
  const r = check(testPolicy({ keys: [keys.p256] }), { digest, own: [foundBundle(bundle)] });
  refused(r, `signed by key ${keys.other.id}, which policy platform does not accept (it accepts: key ${keys.p256.id})`);
  assert.is(r.checked[0]!.identity, `key ${keys.other.id}`);
});

test('a DSSE envelope that is not an in-toto statement is refused', async () => {
  const digest = randomDigest();
  const bundle = await keyBundle(keys.p256, statement(digest), { dsse: true, payloadType: 'application/vnd.example+json' });
  refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [foundBundle(bundle)] }), 'its DSSE payload type is "application/vnd.example+json"');
});

test('an http(s) module: a message signature over the bytes as downloaded verifies; over other bytes it does not', async () => {
  const module = Buffer.from('\0asm\x01\0\0\0 a module');
  const digest = `sha256:${createHash('sha256').update(module).digest('hex')}`;
  const bundle = await keyBundle(keys.p256, module);
  const policy = testPolicy({ keys: [keys.p256] });
  const r = ok(check(policy, { ref: 'https://example.com/filter.wasm', digest, artifact: module, own: [foundBundle(bundle, 'url')] }));
  assert.is(r.verification.evidence[0]!.at, 'url');
  const other = Buffer.from('\0asm\x01\0\0\0 another');
  refused(check(policy, { ref: 'https://example.com/filter.wasm', digest: `sha256:${createHash('sha256').update(other).digest('hex')}`, artifact: other, own: [foundBundle(bundle, 'url')] }), 'signature does not verify');
});

test('a message-signature bundle attached to an image is refused: the signed bytes are not at hand', async () => {
  const digest = randomDigest();
  const bundle = await keyBundle(keys.p256, Buffer.from('manifest bytes'));
  refused(check(testPolicy({ keys: [keys.p256] }), { digest, own: [foundBundle(bundle)] }), 'a message signature over the image itself cannot be checked');
});

// Keyless bundles from @sigstore/mock.

const ACME = { issuer: ACME_RELEASE.issuer, subject: ACME_RELEASE.subject };

test('keyless statement (Rekor SET and proof): exact identity accepted; verified-by is issuer and subject; the source repository is read', async () => {
  const digest = randomDigest();
  const bundle = await mock.signStatement(statement(digest));
  const r = ok(check(testPolicy({ keyless: [ACME] }), { digest, own: [foundBundle(bundle)] }));
  assert.is(r.verification.verifiedBy, `${GITHUB_ISSUER} ${ACME_RELEASE.subject}`);
  assert.is(r.checked[0]!.sourceRepository, 'https://github.com/acme/ext');
});

test('keyless identity globs: * within a path segment, ** across; anchored at both ends', async () => {
  const digest = randomDigest();
  const own = [foundBundle(await mock.signStatement(statement(digest)))];
  const subject = (s: string) => check(testPolicy({ keyless: [{ issuer: GITHUB_ISSUER, subject: s }] }), { digest, own });
  ok(subject('https://github.com/acme/ext/.github/workflows/release.yml@refs/tags/*'));
  ok(subject('https://github.com/acme/**'));
  refused(subject('https://github.com/*@refs/tags/v1.2.0'), 'which policy platform does not accept');
  // The trap of sigstore's own matcher (an unanchored regular expression): acme/ex must not accept acme/ext.
  refused(subject('https://github.com/acme/ex/**'), 'which policy platform does not accept');
  refused(subject('acme/ex'), 'which policy platform does not accept');
  refused(subject('https://github.com/acme/ext/.github/workflows/release.yml@refs/tags/v1'), 'which policy platform does not accept');
});

test('keyless: a wrong issuer or subject is refused, naming who signed and what the policy accepts', async () => {
  const digest = randomDigest();
  const own = [foundBundle(await mock.signStatement(statement(digest)))];
  const r = check(testPolicy({ keyless: [{ issuer: 'https://accounts.google.com', subject: ACME_RELEASE.subject }], keys: [keys.p256] }), { digest, own });
  refused(r, `signed by ${GITHUB_ISSUER} ${ACME_RELEASE.subject}`, `which policy platform does not accept (it accepts: key ${keys.p256.id}, keyless issuer https://accounts.google.com subject ${ACME_RELEASE.subject})`);
  assert.is(r.checked[0]!.identity, `${GITHUB_ISSUER} ${ACME_RELEASE.subject}`);
  refused(check(testPolicy({ keyless: [{ issuer: GITHUB_ISSUER, subject: 'https://github.com/acme/other/.github/workflows/release.yml@refs/tags/v1.2.0' }] }), { digest, own }), 'which policy platform does not accept');
});

test('keyless sourceRepository: compared with the certificate extension 1.3.6.1.4.1.57264.1.12 (DER UTF8String)', async () => {
  const digest = randomDigest();
  const own = [foundBundle(await mock.signStatement(statement(digest)))];
  ok(check(testPolicy({ keyless: [{ ...ACME, sourceRepository: 'https://github.com/acme/ext' }] }), { digest, own }));
  refused(check(testPolicy({ keyless: [{ ...ACME, sourceRepository: 'https://github.com/acme/ex' }] }), { digest, own }), 'source repository https://github.com/acme/ext', 'does not accept');
});

test('keyless with neither log entry nor timestamp: refused in our words (the library would throw a TypeError)', async () => {
  const digest = randomDigest();
  const bundle = await mock.signStatement(statement(digest), { tlog: false });
  const message = refused(check(testPolicy({ keyless: [ACME] }), { digest, own: [foundBundle(bundle)] }), 'needs a trusted signing time', 'neither a transparency-log entry nor an RFC 3161 timestamp');
  assert.not.ok(message.includes('Cannot read properties'));
});

test('keyless with an RFC 3161 timestamp and no log entry (GitHub private repositories): the timestamp is the time', async () => {
  const digest = randomDigest();
  const bundle = await mock.signStatement(statement(digest), { tlog: false, tsa: true });
  ok(check(testPolicy({ keyless: [ACME] }), { digest, own: [foundBundle(bundle)] }));
});

test("keyless verification never reads the machine's clock: a year later, the expired certificate still verifies at its log time", async () => {
  const digest = randomDigest();
  const own = [foundBundle(await mock.signStatement(statement(digest), { tsa: true }))];
  const policy = testPolicy({ keyless: [ACME] });
  const loaded = material([policy]);
  const RealDate = Date;
  const later = RealDate.now() + 365 * 24 * 3600 * 1000;
  class Later extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(later);
      else super(...(args as [number]));
    }
    static override now(): number {
      return later;
    }
  }
  globalThis.Date = Later as DateConstructor;
  let r: Verdict;
  try {
    assert.ok(new Date().getTime() === later);
    r = v.verifyImage({ ref: 'x', digest, own }, policy, loaded);
  } finally {
    globalThis.Date = RealDate;
  }
  ok(r);
});

test('keyless signature logged after its certificate expired: refused (the log time is the only trusted time)', async () => {
  const late = await mockKeyless({ logDelaySeconds: 3600 });
  try {
    const digest = randomDigest();
    const bundle = await late.signStatement(statement(digest));
    refused(check(testPolicy({ keyless: [ACME] }), { digest, own: [foundBundle(bundle)] }, late.trustedRootJson), 'signature does not verify', 'CERTIFICATE_ERROR');
  } finally {
    await late.close();
  }
});

test("keyless bundle checked against another trusted root: refused (the log's promise does not verify)", async () => {
  const digest = randomDigest();
  const other = await mockKeyless();
  try {
    const bundle = await other.signStatement(statement(digest));
    refused(check(testPolicy({ keyless: [ACME] }), { digest, own: [foundBundle(bundle)] }), 'signature does not verify');
  } finally {
    await other.close();
  }
});

test("cosign classic keyless .sig (certificate and Rekor SET in annotations): converted to a v0.1 bundle that verifies", async () => {
  const digest = randomDigest();
  const layer = await mock.classicLayer(digest);
  const evidence = v.toEvidence(layer);
  assert.ok(!('error' in evidence), JSON.stringify(evidence));
  const bundle = JSON.parse((evidence as Evidence).bundle) as { mediaType: string; verificationMaterial: { tlogEntries: unknown[] } };
  assert.is(bundle.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.1');
  assert.is(bundle.verificationMaterial.tlogEntries.length, 1);
  const r = ok(check(testPolicy({ keyless: [ACME] }), { digest, own: [layer] }));
  assert.is(r.verification.verifiedBy, `${GITHUB_ISSUER} ${ACME_RELEASE.subject}`);
  refused(check(testPolicy({ keyless: [ACME] }), { digest: randomDigest(), own: [layer] }), 'its payload signs');
  const forged = { ...layer, annotations: { ...layer.annotations, 'dev.cosignproject.cosign/signature': classicSigLayer(digest, keys.p256).annotations['dev.cosignproject.cosign/signature']! } };
  refused(check(testPolicy({ keyless: [ACME] }), { digest, own: [forged] }), 'signature does not verify');
});

test('keyless message signature over an http(s) module', async () => {
  const module = Buffer.from('\0asm\x01\0\0\0 keyless');
  const digest = `sha256:${createHash('sha256').update(module).digest('hex')}`;
  const bundle = await mock.signMessage(module);
  ok(check(testPolicy({ keyless: [ACME] }), { ref: 'https://example.com/f.wasm', digest, artifact: module, own: [foundBundle(bundle, 'url')] }));
});

// Real bundles GitHub Actions signed, against the public-good trusted root.

const REUSABLE_SAN = 'https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d';

test('a real GitHub attestation made by a reusable workflow verifies offline: SAN, issuer and source repository; subject = the artifact', () => {
  const artifact = readFileSync(join(FIXTURES, 'reusable-workflow-artifact'));
  const digest = `sha256:${createHash('sha256').update(artifact).digest('hex')}`;
  const own = [foundBundle(fixture('reusable-workflow-attestation.sigstore.json'))];
  const id = { issuer: GITHUB_ISSUER, subject: 'https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@*', sourceRepository: 'https://github.com/malancas/attest-demo' };
  const r = ok(check(testPolicy({ keyless: [id] }), { digest, own }, 'publicGood'));
  assert.is(r.verification.verifiedBy, `${GITHUB_ISSUER} ${REUSABLE_SAN}`);
  assert.equal([r.checked[0]!.kind, r.checked[0]!.predicateType, r.checked[0]!.sourceRepository], ['attestation', SLSA_PROVENANCE, 'https://github.com/malancas/attest-demo']);
  // The SAN names the reusable workflow; the caller's repository is only in the extension.
  refused(check(testPolicy({ keyless: [{ ...id, sourceRepository: 'https://github.com/github/artifact-attestations-workflows' }] }), { digest, own }, 'publicGood'), 'does not accept');
  refused(check(testPolicy({ keyless: [{ issuer: GITHUB_ISSUER, subject: 'https://github.com/malancas/attest-demo/**' }] }), { digest, own }, 'publicGood'), 'does not accept');
  refused(check(testPolicy({ keyless: [id] }), { digest: randomDigest(), own }, 'publicGood'), 'its statement is about sha256:49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25');
});

test("a real npm provenance bundle (sigstore-js 2.1.0, intoto log entry) verifies offline; its subject is the package's sha512", () => {
  // sha512 of sigstore-2.1.0.tgz, the statement's subject (cli/cli keeps the tarball beside the bundle).
  const digest = 'sha512:90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090ef831f84490847c4e82b9232c78e8a258463b1e55c0f7469f730265008fa6633f';
  const own = [foundBundle(fixture('sigstore-js-2.1.0-bundle.json'))];
  const id = { issuer: GITHUB_ISSUER, subject: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main', sourceRepository: 'https://github.com/sigstore/sigstore-js' };
  const r = ok(check(testPolicy({ keyless: [id] }), { ref: 'registry.npmjs.org/sigstore', digest, own }, 'publicGood'));
  assert.is(r.verification.verifiedBy, `${GITHUB_ISSUER} ${id.subject}`);
  refused(check(testPolicy({ keyless: [id] }), { digest: randomDigest(), own }, 'publicGood'), 'its statement is about sha512:90f223f9');
  // Against the mock's root instead of the public-good one, nothing chains.
  refused(check(testPolicy({ keyless: [id] }), { digest, own }), 'signature does not verify');
});

// Signatures on the index a platform image was chosen from.

function index(children: { digest: string; os: string; architecture: string }[]): { bytes: Buffer; digest: string } {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: children.map((c) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: c.digest, size: 500, platform: { os: c.os, architecture: c.architecture } })),
    }),
  );
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

test('index evidence counts when nothing signs the child and the index lists the child for linux/amd64; the index bytes are kept', () => {
  const child = randomDigest();
  const idx = index([{ digest: randomDigest(), os: 'linux', architecture: 'arm64' }, { digest: child, os: 'linux', architecture: 'amd64' }]);
  const policy = testPolicy({ keys: [keys.p256] });
  const r = ok(check(policy, { digest: child, own: [], index: { ...idx, evidence: [classicSigLayer(idx.digest, keys.p256)] } }));
  assert.is(r.verification.signedDigest, idx.digest);
  assert.is(r.verification.index, idx.bytes.toString('base64'));
  // From the lock: the same check, from the kept bytes.
  const again = ok(check(policy, { digest: child, own: [], index: { digest: idx.digest, bytes: Buffer.from(r.verification.index!, 'base64'), evidence: r.verification.evidence } }));
  assert.equal(again.verification, r.verification);
  // The child's own signature comes first.
  const own = ok(check(policy, { digest: child, own: [classicSigLayer(child, keys.p256)], index: { ...idx, evidence: [classicSigLayer(idx.digest, keys.p256)] } }));
  assert.is(own.verification.signedDigest, child);
  assert.is(own.verification.index, undefined);
});

test('index evidence does not count when the index selects another digest for linux/amd64, or none', () => {
  const child = randomDigest();
  const policy = testPolicy({ keys: [keys.p256] });
  const other = randomDigest();
  const idx = index([{ digest: other, os: 'linux', architecture: 'amd64' }, { digest: child, os: 'linux', architecture: 'amd64' }]);
  const r = check(policy, { digest: child, own: [], index: { ...idx, evidence: [classicSigLayer(idx.digest, keys.p256)] } });
  refused(r, `no signature for registry.example.com/platform/filter@${child}`, `signatures on its index ${idx.digest} do not count: the index lists ${other} for linux/amd64, not ${child}`);
  assert.equal(r.checked.map((c) => [c.digest, c.accepted]), [[idx.digest, false]]);
  const arm = index([{ digest: child, os: 'linux', architecture: 'arm64' }]);
  refused(check(policy, { digest: child, own: [], index: { ...arm, evidence: [classicSigLayer(arm.digest, keys.p256)] } }), 'the index has no linux/amd64 entry');
});

test('index evidence does not count when the index bytes do not hash to its digest', () => {
  const child = randomDigest();
  const idx = index([{ digest: child, os: 'linux', architecture: 'amd64' }]);
  const forged = index([{ digest: child, os: 'linux', architecture: 'amd64' }, { digest: randomDigest(), os: 'linux', architecture: 'arm64' }]);
  refused(check(testPolicy({ keys: [keys.p256] }), { digest: child, own: [], index: { digest: idx.digest, bytes: forged.bytes, evidence: [classicSigLayer(idx.digest, keys.p256)] } }), `the index bytes hash to ${forged.digest}, not ${idx.digest}`);
});

// Which candidates satisfy a policy.

test('without attestations, any verified statement about the digest is a signature (as cosign v3 verify accepts); only it is kept', async () => {
  const digest = randomDigest();
  const provenance = foundBundle(await keyBundle(keys.p256, statement(digest, SLSA_PROVENANCE), { dsse: true }));
  const r = ok(check(testPolicy({ keys: [keys.p256] }), { digest, own: [classicSigLayer(digest, keys.other), provenance, classicSigLayer(digest, keys.p256)] }));
  assert.is(r.verification.evidence.length, 1);
  assert.ok(r.verification.evidence[0]!.bundle.includes('dsseEnvelope'));
  assert.equal(r.checked.map((c) => c.accepted), [false, true, false]);
});

test('with attestations, each listed type needs a verified attestation from an authority of the policy; a plain signature is then not needed', async () => {
  const digest = randomDigest();
  const SBOM = 'https://spdx.dev/Document';
  const policy = testPolicy({ keys: [keys.p256], keyless: [ACME], attestations: [SLSA_PROVENANCE, SBOM] });
  const signature = classicSigLayer(digest, keys.p256);
  const provenance = foundBundle(await mock.signStatement(statement(digest, SLSA_PROVENANCE)));
  const sbom = foundBundle(await keyBundle(keys.p256, statement(digest, SBOM), { dsse: true }), 'referrers tag');
  const foreignSbom = foundBundle(await keyBundle(keys.other, statement(digest, SBOM), { dsse: true }));

  refused(check(policy, { digest, own: [signature] }), 'policy platform wants', 'with attestations https://slsa.dev/provenance/v1, https://spdx.dev/Document');
  refused(check(policy, { digest, own: [signature, provenance, foreignSbom] }), `no verified attestation of type ${SBOM}`);
  const r = ok(check(policy, { digest, own: [signature, provenance, sbom] }));
  assert.is(r.verification.evidence.length, 2);
  assert.is(r.verification.verifiedBy, `${GITHUB_ISSUER} ${ACME_RELEASE.subject}, key ${keys.p256.id}`);
  assert.equal(r.checked.map((c) => c.accepted), [false, true, true]);
});

test('a render stops at the first candidate that satisfies the policy; meshext verify (checkAll) judges them all', () => {
  const digest = randomDigest();
  const policy = testPolicy({ keys: [keys.p256] });
  const own = [classicSigLayer(digest, keys.p256), classicSigLayer(digest, keys.other)];
  const loaded = material([policy]);
  assert.is(v.verifyImage({ ref: 'x', digest, own }, policy, loaded).checked.length, 1);
  assert.is(v.verifyImage({ ref: 'x', digest, own }, policy, loaded, { checkAll: true }).checked.length, 2);
});

test('at most 32 candidates per digest are judged; the message says how many were left', () => {
  const digest = randomDigest();
  const own = [...Array.from({ length: 40 }, () => classicSigLayer(digest, keys.other)), classicSigLayer(digest, keys.p256)];
  const r = check(testPolicy({ keys: [keys.p256] }), { digest, own });
  refused(r, '9 more candidates not judged: at most 32 per digest');
  assert.is(r.checked.length, 32);
});

test('no candidate at all: "no signature for", where discovery looked, and what the policy wants', () => {
  const digest = randomDigest();
  const policy = testPolicy({ keys: [keys.p256], keyless: [{ issuer: GITHUB_ISSUER, subject: 'https://github.com/acme/**' }] });
  refused(
    check(policy, { digest, own: [], lookedAt: ['.sig tag', 'referrers'] }),
    `no signature for registry.example.com/platform/filter@${digest} (looked at: .sig tag, referrers); policy platform wants key ${keys.p256.id}, keyless issuer ${GITHUB_ISSUER} subject https://github.com/acme/**`,
  );
});

// What cannot be used is refused with a message, never thrown.

test('keys: a private key, a certificate, two keys in one entry, a small RSA key and garbage are refused, each saying what it is', () => {
  const site = { file: 'mesh.yaml', line: 3, col: 5, field: 'spec.trust.policies[0].keys[0]' };
  const cases: [string, string][] = [
    [keys.p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'is a private key (PRIVATE KEY)'],
    [keys.p256.privateKey.export({ type: 'sec1', format: 'pem' }).toString(), 'is a private key (EC PRIVATE KEY)'],
    ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'is a certificate'],
    [keys.p256.pem + keys.other.pem, 'holds 2 PEM blocks'],
    // Below cosign's smallest RSA size; made only to be refused.
    [generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'is an RSA key of 1024 bits'],
    ['not a key', 'is not a PEM public key'],
    ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'is not a readable public key'],
  ];
  for (const [pem, expected] of cases) {
    const r = v.loadMaterial({ keys: [{ site, pem }] });
    assert.ok('errors' in r, expected);
    const e = (r as { errors: { site?: unknown; message: string }[] }).errors;
    assert.is(e.length, 1);
    assert.is(e[0]!.site, site);
    assert.ok(e[0]!.message.includes(expected), `${expected} not in: ${e[0]!.message}`);
  }
  const good = v.loadMaterial({ keys: [{ site, pem: keys.ed25519.pem }] });
  assert.ok(!('errors' in good));
  assert.equal((good as LoadedTrust).keys, [{ site, id: keys.ed25519.id, hint: keys.ed25519.hint }]);
});

test('trusted roots: not JSON, not a trusted root, and one listing nothing are refused; the public-good root loads', () => {
  const errors = (json: string): string => {
    const r = v.loadMaterial({ trustedRootJson: json, keys: [] });
    assert.ok('errors' in r);
    return (r as { errors: { message: string }[] }).errors[0]!.message;
  };
  assert.match(errors('{'), /the trusted root is not valid JSON/);
  assert.match(errors('{"mediaType":"application/json"}'), /is not a Sigstore trusted root: its mediaType is "application\/json"/);
  assert.match(errors('{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}'), /lists no certificate authority/);
  assert.ok(!('errors' in v.loadMaterial({ keys: [] })));
});

test('toEvidence: bundles of unknown media type, invalid bundles and broken classic layers are refused with what is wrong', async () => {
  const digest = randomDigest();
  const err = (f: Found): string => {
    const e = v.toEvidence(f);
    assert.ok('error' in e, JSON.stringify(e));
    return (e as { error: string }).error;
  };
  assert.match(err(foundBundle({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.9+json' })), /mediaType "application\/vnd\.dev\.sigstore\.bundle\.v0\.9\+json"/);
  assert.match(err(foundBundle([1, 2])), /not a JSON object/);
  const bundle = (await keyBundle(keys.p256, statement(digest), { dsse: true })) as { dsseEnvelope: { signatures: unknown[] } };
  assert.match(err(foundBundle({ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, signatures: [] } })), /is not a valid Sigstore bundle: invalid bundle: content\.dsseEnvelope\.signatures/);
  const layer = classicSigLayer(digest, keys.p256);
  assert.match(err({ ...layer, annotations: {} }), /has no dev\.cosignproject\.cosign\/signature annotation/);
  assert.match(err({ ...layer, annotations: { ...layer.annotations, 'dev.sigstore.cosign/bundle': '{"SignedEntryTimestamp":"AAAA"}' } }), /dev\.sigstore\.cosign\/bundle annotation has no Payload/);
  assert.match(err({ ...layer, mediaType: 'application/octet-stream' }), /neither a simple-signing signature/);
  // A bad candidate among good ones is reported, not fatal.
  const r = ok(check(testPolicy({ keys: [keys.p256] }), { digest, own: [{ ...layer, annotations: {} }, layer] }));
  assert.equal(r.checked.map((c) => [c.accepted, c.result.startsWith('rejected: unreadable:')]), [[false, true], [true, false]]);
});

test('a lock entry that was tampered with is refused, not thrown', () => {
  const digest = randomDigest();
  const policy = testPolicy({ keys: [keys.p256] });
  const good = ok(check(policy, { digest, own: [classicSigLayer(digest, keys.p256)] })).verification.evidence[0]!;
  const cases: Evidence[] = [
    { ...good, bundle: '{' },
    { ...good, bundle: good.bundle.replace('"messageSignature"', '"other"') },
    { ...good, payload: '%%%' },
    { ...good, payload: simpleSigningPayload(randomDigest()).toString('base64') },
  ];
  for (const e of cases) refused(check(policy, { digest, own: [e] }));
});

test.run();
