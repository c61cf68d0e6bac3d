// Writes examples/trust's signing material and lock: a cosign key pair (only the public half is
// kept), a test Sigstore instance (@sigstore/mock's Fulcio, Rekor and timestamp authority, with the
// trusted root assembled from their keys), two Wasm OCI artifacts, a cosign classic signature of one
// and a keyless cosign v3 signature (a signed in-toto statement) of the other, and meshext.lock with
// that evidence, exactly as `meshext lock` writes it. Run it again only to replace the material:
//   node --import tsx scripts/make-trust-example.ts
// It needs no network; the private keys it makes are thrown away.

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifact, wasm } from '../test/_images.ts';
import { classicSigLayer, foundBundle, GITHUB_ISSUER, mockKeyless, newKey, simpleSigningPayload, statement } from '../test/_sigstore.ts';
import { loadVerifier } from '../src/resolve/trust/load-verifier.ts';
import { stringifyLock } from '../src/emit/lock-file.ts';
import type { ResolvedImage } from '../src/model/image.ts';
import type { TrustPolicy, TrustSite } from '../src/model/trust.ts';

const DIR = 'examples/trust';
const site = (field: string): TrustSite => ({ file: 'mesh.yaml', line: 1, col: 1, field });

const key = newKey('p256');
const keyless = await mockKeyless();
writeFileSync(join(DIR, 'trust/cosign.pub'), key.pem);
writeFileSync(join(DIR, 'trust/trusted_root.json'), `${JSON.stringify(JSON.parse(keyless.trustedRootJson), null, 2)}\n`);

const platform: TrustPolicy = {
  name: 'platform',
  images: ['registry.example.com/platform/**'],
  keys: [{ pem: key.pem, at: site('spec.trust.policies[0].keys[0]') }],
  keyless: [],
  attestations: [],
  requireTransparencyLog: false,
  at: site('spec.trust.policies[0]'),
};
const identity = { issuer: GITHUB_ISSUER, subject: 'https://github.com/acme/filters/.github/workflows/release.yml@refs/tags/v2.1.0', repository: 'acme/filters' };
const filters: TrustPolicy = {
  name: 'filters-ci',
  images: ['ghcr.io/acme/filters/**'],
  keys: [],
  keyless: [{ issuer: GITHUB_ISSUER, subject: 'https://github.com/acme/filters/.github/workflows/release.yml@refs/tags/*', sourceRepository: 'https://github.com/acme/filters', at: site('spec.trust.policies[1].keyless[0]') }],
  attestations: [],
  requireTransparencyLog: false,
  at: site('spec.trust.policies[1]'),
};

const v = await loadVerifier();
const loaded = v.loadMaterial({ trustedRootJson: keyless.trustedRootJson, keys: platform.keys.map((k) => ({ site: k.at, pem: k.pem! })) });
if ('errors' in loaded) throw new Error(loaded.errors.map((e) => e.message).join('; '));

const entries = new Map<string, ResolvedImage>();
async function add(ref: string, repo: string, module: Buffer, rootId: string, policy: TrustPolicy, sign: (digest: string) => Promise<Parameters<typeof v.verifyImage>[0]['own'][number]>): Promise<void> {
  const img = artifact(module, { rootIds: [rootId] });
  const found = await sign(img.digest);
  const verdict = v.verifyImage({ ref, digest: img.digest, own: [found] }, policy, loaded as Exclude<typeof loaded, { errors: unknown }>);
  if (!verdict.ok) throw new Error(`${ref}: ${verdict.message}`);
  entries.set(ref, {
    ref,
    url: `oci://${repo}@${img.digest}`,
    digest: img.digest,
    format: 'oci-artifact',
    moduleSha256: createHash('sha256').update(module).digest('hex'),
    defaults: { rootIds: [rootId] },
    verified: [verdict.verification],
  });
}

await add('registry.example.com/platform/header-auth:1.4.0', 'registry.example.com/platform/header-auth', wasm('header-auth'), 'header_auth', platform, async (digest) =>
  classicSigLayer(digest, key, { payload: simpleSigningPayload(digest, { reference: 'registry.example.com/platform/header-auth' }) }),
);
await add('ghcr.io/acme/filters/rate-limit:2.1.0', 'ghcr.io/acme/filters/rate-limit', wasm('rate-limit'), 'rate_limit', filters, async (digest) =>
  foundBundle(await keyless.signStatement(statement(digest), { identity, tsa: true }), 'referrers tag'),
);
await keyless.close();
writeFileSync(join(DIR, 'meshext.lock'), stringifyLock(entries));
process.stderr.write(`wrote ${DIR}/trust/cosign.pub, ${DIR}/trust/trusted_root.json and ${DIR}/meshext.lock\n`);
