// Signature discovery against Debian's docker-registry (Distribution 2.8), with signatures attached
// as cosign and @sigstore/oci attach them (test/_signatures-oci.ts), counted in the registry's own
// access log. 2.8 has no referrers API, so bundles are found through the `sha256-<hex>` tag index;
// the API path, and bytes that do not match their digest, need a registry that does what 2.8 cannot,
// so those two tests use a small in-process server and say so in their names.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Discovery, Found } from '../src/model/trust.ts';
import { MAX_CANDIDATE_BYTES_PER_SOURCE } from '../src/resolve/trust/discover.ts';
import { nowMs } from '../src/model/clock.ts';
import { createDeadline } from '../src/resolve/deadline.ts';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import type { LiveResolverOptions } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { digestOf, fsImage, index, OCI_INDEX, OCI_MANIFEST, push, sha256, wasm } from './_images.ts';
import type { BuiltImage } from './_images.ts';
import { startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import {
  addToReferrersTag,
  attachReferrer,
  BUNDLE_V03,
  classicAnnotations,
  classicManifest,
  DSSE_ENVELOPE,
  EMPTY,
  fakeBundle,
  pushClassic,
  referrer,
  SIMPLE_SIGNING,
  simpleSigning,
  subjectOf,
  tagOf,
} from './_signatures-oci.ts';

let reg: TestRegistry;
test.before(async () => {
  reg = await startRegistry();
});
test.after(async () => {
  await reg.stop();
});

const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;
const logs: string[] = [];
const resolver = (extra: Partial<LiveResolverOptions> = {}) =>
  createLiveResolver({ cacheDir: tempDir(), env: {}, insecureRegistries: [], retry: { attempts: 2, baseDelayMs: 10 }, log: (l) => void logs.push(l), ...extra });

/** An unsigned image of its own in `repo`, tagged latest. */
async function subjectImage(repo: string, name = repo): Promise<BuiltImage> {
  const img = fsImage([[{ name: 'plugin.wasm', data: wasm(name) }]]);
  await push(reg, repo, 'latest', img);
  return img;
}

/** Found, with payloads as text, for exact comparison. */
const plain = (found: readonly Found[]): unknown[] => found.map((f) => (f.kind === 'classic' ? { ...f, payload: f.payload.toString('utf8') } : f));
const requestsSince = (n: number): string[] => reg.requests().slice(n).map((r) => `${r.method} ${r.path} ${r.status}`);

test('docker-registry 2.8 has no referrers API: /v2/<name>/referrers/<digest> answers 404, so bundles are read from the sha256-<hex> tag index', async () => {
  const img = await subjectImage('disc/no-api');
  const res = await fetch(`${reg.url}/v2/disc/no-api/referrers/${img.digest}`, { headers: { accept: OCI_INDEX } });
  await res.arrayBuffer();
  assert.is(res.status, 404);
  await attachReferrer(reg, 'disc/no-api', img.digest, referrer(subjectOf(img), { bundle: fakeBundle('no-api') }));
  const before = reg.requests().length;
  const got = (await resolver().discover(ref(`${reg.host}/disc/no-api:latest`), img.digest, { attestations: false })) as Discovery;
  assert.equal(got, { digest: img.digest, found: [{ kind: 'bundle', at: 'referrers tag', json: fakeBundle('no-api') }], lookedAt: ['.sig tag', 'referrers tag'] });
  const asked = requestsSince(before);
  assert.ok(asked.includes(`GET /v2/disc/no-api/referrers/${img.digest} 404`), asked.join('\n'));
  assert.ok(asked.includes(`GET /v2/disc/no-api/manifests/${tagOf(img.digest)} 200`), asked.join('\n'));
});

test('both formats: every .sig layer (payload and annotations) and the bundles of the tag index, those listed with a bundle artifactType first, then those cosign ≤ 3.0.6 listed as application/vnd.oci.empty.v1+json', async () => {
  const repo = 'disc/both';
  const img = await subjectImage(repo);
  const layers = [0, 1].map((n) => ({ payload: simpleSigning(`${reg.host}/${repo}`, img.digest), annotations: classicAnnotations(n) }));
  await pushClassic(reg, repo, img.digest, layers);
  const old = referrer(subjectOf(img), { bundle: fakeBundle('cosign 3.0.6') });
  const current = referrer(subjectOf(img), { bundle: fakeBundle('cosign 3.1') });
  await attachReferrer(reg, repo, img.digest, old, 'empty (cosign ≤ 3.0.6)');
  await attachReferrer(reg, repo, img.digest, current, 'artifactType');
  const got = (await resolver().discover(ref(`${reg.host}/${repo}:latest`), img.digest, { attestations: false })) as Discovery;
  assert.is(got.digest, img.digest);
  assert.equal(got.lookedAt, ['.sig tag', 'referrers tag']);
  assert.equal(plain(got.found), [
    { kind: 'classic', at: '.sig tag', mediaType: SIMPLE_SIGNING, payload: layers[0]!.payload.toString('utf8'), annotations: classicAnnotations(0) },
    { kind: 'classic', at: '.sig tag', mediaType: SIMPLE_SIGNING, payload: layers[1]!.payload.toString('utf8'), annotations: classicAnnotations(1) },
    { kind: 'bundle', at: 'referrers tag', json: fakeBundle('cosign 3.1') },
    { kind: 'bundle', at: 'referrers tag', json: fakeBundle('cosign 3.0.6') },
  ]);
});

test('the .att tag is read only when attestations are asked for', async () => {
  const repo = 'disc/att';
  const img = await subjectImage(repo);
  const envelope = Buffer.from(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: 'e30=', signatures: [{ keyid: '', sig: 'c2ln' }] }));
  await pushClassic(reg, repo, img.digest, [{ payload: envelope, annotations: { predicateType: 'https://slsa.dev/provenance/v1' } }], 'att');
  const r = ref(`${reg.host}/${repo}:latest`);
  let before = reg.requests().length;
  const without = (await resolver().discover(r, img.digest, { attestations: false })) as Discovery;
  assert.equal(without, { digest: img.digest, found: [], lookedAt: ['.sig tag', 'referrers tag'] });
  assert.not.ok(requestsSince(before).some((l) => l.includes('.att')));
  before = reg.requests().length;
  const withAtt = (await resolver().discover(r, img.digest, { attestations: true })) as Discovery;
  assert.equal(withAtt.lookedAt, ['.sig tag', 'referrers tag', '.att tag']);
  assert.equal(plain(withAtt.found), [{ kind: 'classic', at: '.att tag', mediaType: DSSE_ENVELOPE, payload: envelope.toString('utf8'), annotations: { predicateType: 'https://slsa.dev/provenance/v1' } }]);
  assert.ok(requestsSince(before).includes(`GET /v2/${repo}/manifests/${tagOf(img.digest)}.att 200`));
});

test('an image nobody signed: nothing found and no failure; every place asked is named', async () => {
  const img = await subjectImage('disc/unsigned');
  const got = await resolver().discover(ref(`${reg.host}/disc/unsigned:latest`), img.digest, { attestations: true });
  assert.equal(got, { digest: img.digest, found: [], lookedAt: ['.sig tag', 'referrers tag', '.att tag'] });
});

test('referrers that are not bundles of this digest are skipped: an SBOM, a bundle beside a second layer, a bundle about another image (logged)', async () => {
  const repo = 'disc/skip';
  const img = await subjectImage(repo);
  const other = await subjectImage('disc/skip-other');
  const sbom = referrer(subjectOf(img), { artifactType: 'application/spdx+json', layers: [{ bytes: Buffer.from('{"spdxVersion":"SPDX-2.3"}'), mediaType: 'application/spdx+json' }] });
  const twoLayers = referrer(subjectOf(img), { layers: [{ bytes: Buffer.from(JSON.stringify(fakeBundle('two'))), mediaType: BUNDLE_V03 }, { bytes: Buffer.from('extra'), mediaType: 'text/plain' }] });
  const elsewhere = referrer(subjectOf(other), { bundle: fakeBundle('about another image') });
  const good = referrer(subjectOf(img), { bundle: fakeBundle('good') });
  for (const r of [sbom, twoLayers, elsewhere, good]) await attachReferrer(reg, repo, img.digest, r);
  logs.length = 0;
  const got = (await resolver().discover(ref(`${reg.host}/${repo}:latest`), img.digest, { attestations: false })) as Discovery;
  assert.equal(got.found, [{ kind: 'bundle', at: 'referrers tag', json: fakeBundle('good') }]);
  assert.equal(logs, [`signatures of ${reg.host}/${repo}@${img.digest}: referrer ${elsewhere.digest} is about ${other.digest}, not ${img.digest}; skipped`]);
});

test('a flood of 200 bundle referrers and 10 SBOMs: 64 are read, the bundle-typed ones with the lowest digests, in digest order, the same on every run; the skip is logged', async () => {
  const repo = 'disc/flood';
  const img = await subjectImage(repo);
  const bundles = Array.from({ length: 200 }, (_, i) => referrer(subjectOf(img), { bundle: fakeBundle(i) }));
  const sboms = Array.from({ length: 10 }, (_, i) => referrer(subjectOf(img), { artifactType: 'application/spdx+json', layers: [{ bytes: Buffer.from(`{"sbom":${i}}`), mediaType: 'application/spdx+json' }] }));
  for (const r of [...bundles, ...sboms]) await push(reg, repo, r.digest, r);
  const entry = (r: BuiltImage, artifactType: string) => ({ mediaType: OCI_MANIFEST, digest: r.digest, size: r.manifest.length, artifactType });
  await addToReferrersTag(reg, repo, img.digest, [...bundles.map((r) => entry(r, BUNDLE_V03)), ...sboms.map((r) => entry(r, 'application/spdx+json'))]);
  const expected = bundles
    .map((r, i) => ({ digest: r.digest, json: fakeBundle(i) }))
    .sort((a, b) => (a.digest < b.digest ? -1 : 1))
    .slice(0, 64);
  const r = ref(`${reg.host}/${repo}:latest`);
  logs.length = 0;
  const before = reg.requests().length;
  const first = (await resolver().discover(r, img.digest, { attestations: false })) as Discovery;
  assert.equal(
    first.found.map((f) => (f as { json: unknown }).json),
    expected.map((e) => e.json),
  );
  assert.equal(logs, [`signatures of ${reg.host}/${repo}@${img.digest}: 210 referrers listed; only 64 are read (bundle artifact types first, then by digest), 146 skipped`]);
  const fetched = requestsSince(before).filter((l) => /^GET \/v2\/disc\/flood\/manifests\/sha256:/.test(l));
  assert.equal(fetched.sort(), expected.map((e) => `GET /v2/${repo}/manifests/${e.digest} 200`).sort(), 'the 64 referrers read');
  assert.ok(requestsSince(before).includes(`GET /v2/${repo}/manifests/${tagOf(img.digest)} 200`), 'the tag index read by its tag');
  const again = (await resolver().discover(r, img.digest, { attestations: false })) as Discovery;
  assert.equal(again, first);
});

test('a .sig manifest of 40 layers: the first 32 are read, in manifest order; the rest is logged', async () => {
  const repo = 'disc/many-layers';
  const img = await subjectImage(repo);
  const layers = Array.from({ length: 40 }, (_, n) => ({ payload: Buffer.from(`payload ${n}`), annotations: classicAnnotations(n) }));
  await pushClassic(reg, repo, img.digest, layers);
  logs.length = 0;
  const got = (await resolver().discover(ref(`${reg.host}/${repo}:latest`), img.digest, { attestations: false })) as Discovery;
  assert.equal(
    got.found.map((f) => (f as { payload: Buffer }).payload.toString('utf8')),
    layers.slice(0, 32).map((l) => l.payload.toString('utf8')),
  );
  assert.equal(logs, [`signatures of ${reg.host}/${repo}@${img.digest}: tag ${tagOf(img.digest)}.sig has 40 signature layers; only the first 32 are read`]);
});

test('a .sig manifest whose layers add up to more than the byte budget: layers are read in manifest order while they fit, the rest skipped and logged, the same on every run', async () => {
  const repo = 'disc/heavy-layers';
  const img = await subjectImage(repo);
  // 12 layers of 1,000,000 bytes each: each under the per-signature cap, 12 MB together.
  const layers = Array.from({ length: 12 }, (_, n) => ({ payload: Buffer.alloc(1_000_000, 97 + n), annotations: classicAnnotations(n) }));
  await pushClassic(reg, repo, img.digest, layers);
  const fits = Math.floor(MAX_CANDIDATE_BYTES_PER_SOURCE / 1_000_000);
  for (let run = 0; run < 2; run++) {
    logs.length = 0;
    const before = reg.requests().length;
    const got = (await resolver().discover(ref(`${reg.host}/${repo}:latest`), img.digest, { attestations: false })) as Discovery;
    assert.equal(
      got.found.map((f) => (f as { payload: Buffer }).payload[0]),
      layers.slice(0, fits).map((l) => l.payload[0]),
    );
    assert.is(logs.length, 12 - fits, logs.join('\n'));
    assert.match(logs[0]!, new RegExp(`layer sha256:[0-9a-f]{64} \\(1000000 bytes\\) would take the layers read past ${MAX_CANDIDATE_BYTES_PER_SOURCE} bytes; skipped$`));
    assert.is(requestsSince(before).filter((l) => l.startsWith(`GET /v2/${repo}/blobs/`)).length, fits, 'skipped layers are never fetched');
  }
});

test('a second discovery takes every manifest and blob from the cache, but asks the tags and the referrers API again', async () => {
  const repo = 'disc/cache';
  const img = await subjectImage(repo);
  await pushClassic(reg, repo, img.digest, [{ payload: simpleSigning(`${reg.host}/${repo}`, img.digest), annotations: classicAnnotations(0) }]);
  await attachReferrer(reg, repo, img.digest, referrer(subjectOf(img), { bundle: fakeBundle('cached') }));
  const cacheDir = tempDir();
  const r = ref(`${reg.host}/${repo}:latest`);
  const cold = await resolver({ cacheDir }).discover(r, img.digest, { attestations: true });
  const before = reg.requests().length;
  const warm = await resolver({ cacheDir }).discover(r, img.digest, { attestations: true });
  assert.equal(warm, cold);
  const t = tagOf(img.digest);
  assert.equal(requestsSince(before).sort(), [
    `GET /v2/${repo}/manifests/${t} 200`,
    `GET /v2/${repo}/manifests/${t}.att 404`,
    `GET /v2/${repo}/manifests/${t}.sig 200`,
    `GET /v2/${repo}/referrers/${img.digest} 404`,
  ]);
});

test('a multi-arch image records the index its linux/amd64 child was chosen from; the index signature is found on the index digest, and its bytes come by digest, hashed and cached', async () => {
  const repo = 'disc/multi';
  const amd64 = fsImage([[{ name: 'plugin.wasm', data: wasm('multi-amd64') }]]);
  const arm64 = fsImage([[{ name: 'plugin.wasm', data: wasm('multi-arm64') }]]);
  const idx = index([
    { image: arm64, platform: { architecture: 'arm64', os: 'linux' } },
    { image: amd64, platform: { architecture: 'amd64', os: 'linux' } },
  ]);
  await push(reg, repo, 'latest', idx);
  await push(reg, repo, 'single', amd64);
  await pushClassic(reg, repo, idx.digest, [{ payload: simpleSigning(`${reg.host}/${repo}`, idx.digest), annotations: classicAnnotations(7) }]);
  const cacheDir = tempDir();
  const live = resolver({ cacheDir });
  const tagged = ref(`${reg.host}/${repo}:latest`);
  const single = ref(`${reg.host}/${repo}:single`);
  const byDigest = ref(`${reg.host}/${repo}@${idx.digest}`);
  const got = await live.resolveAll([tagged, single, byDigest]);
  assert.equal(
    [...got.values()].map((x) => [(x as { digest: string }).digest, (x as { index?: string }).index]),
    [
      [amd64.digest, idx.digest],
      [amd64.digest, undefined],
      [amd64.digest, idx.digest],
    ],
  );
  const found = (await live.discover(tagged, idx.digest, { attestations: false })) as Discovery;
  assert.equal(plain(found.found), [{ kind: 'classic', at: '.sig tag', mediaType: SIMPLE_SIGNING, payload: simpleSigning(`${reg.host}/${repo}`, idx.digest).toString('utf8'), annotations: classicAnnotations(7) }]);
  const before = reg.requests().length;
  const bytes = (await resolver({ cacheDir }).manifestBytes(tagged, idx.digest)) as Buffer;
  assert.is(digestOf(bytes), idx.digest);
  assert.equal(requestsSince(before), [], 'the index came from the cache its resolution filled');
});

test('an --offline resolver refuses signature discovery at once (the lock must carry the evidence) and sends nothing; manifests by digest still come from the cache', async () => {
  const repo = 'disc/offline';
  const img = await subjectImage(repo);
  const cacheDir = tempDir();
  const r = ref(`${reg.host}/${repo}@${img.digest}`);
  await resolver({ cacheDir }).resolveAll([r]);
  const before = reg.requests().length;
  const offline = resolver({ cacheDir, offline: true });
  const message = 'signatures are looked up live (tags and the referrers API are never cached), which --offline forbids; the lock must carry the evidence: run meshext lock';
  assert.equal(await offline.discover(r, img.digest, { attestations: false }), { code: 'RESOLVE_FAILED', message: `image ${r.canonical}: ${message}` });
  const url = ref('https://modules.example/filter.wasm');
  assert.equal(await offline.discoverUrl(url), { code: 'RESOLVE_FAILED', message: `image ${url.canonical}: ${message}` });
  assert.is(digestOf((await offline.manifestBytes(r, img.digest)) as Buffer), img.digest);
  assert.equal(requestsSince(before), []);
});

test('a registry with token auth: discovery asks for a pull token for the repository and nothing more', async () => {
  const treg = await startRegistry({ auth: 'token' });
  try {
    const repo = 'disc/token';
    const img = fsImage([[{ name: 'plugin.wasm', data: wasm('token') }]]);
    await push(treg, repo, 'latest', img);
    const layers = [{ payload: simpleSigning(`${treg.host}/${repo}`, img.digest), annotations: classicAnnotations(3) }];
    const sig = classicManifest(layers);
    await push(treg, repo, `${tagOf(img.digest)}.sig`, sig);
    await attachReferrer(treg, repo, img.digest, referrer(subjectOf(img), { bundle: fakeBundle('token') }));
    const asked = treg.tokenRequests.length;
    const got = (await resolver().discover(ref(`${treg.host}/${repo}:latest`), img.digest, { attestations: false })) as Discovery;
    assert.equal(plain(got.found), [
      { kind: 'classic', at: '.sig tag', mediaType: SIMPLE_SIGNING, payload: layers[0]!.payload.toString('utf8'), annotations: classicAnnotations(3) },
      { kind: 'bundle', at: 'referrers tag', json: fakeBundle('token') },
    ]);
    const scopes = new Set(treg.tokenRequests.slice(asked).flatMap((t) => t.scopes));
    assert.equal([...scopes], [`repository:${repo}:pull`]);
  } finally {
    await treg.stop();
  }
});

test('an http(s) module: the bundle at <url>.sigstore.json, the module as downloaded (gzip, not unwrapped) and its sha256; none when absent; a named signature URL that is missing fails', async () => {
  const module = gzipSync(wasm('http-signed'));
  const bundle = fakeBundle('blob');
  const bodies: Record<string, Buffer> = {
    '/signed.wasm.gz': module,
    '/signed.wasm.gz.sigstore.json': Buffer.from(JSON.stringify(bundle)),
    '/unsigned.wasm.gz': module,
    '/elsewhere/bundle.json': Buffer.from(JSON.stringify(fakeBundle('named'))),
  };
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const b = bodies[(req.url ?? '').split('?')[0]!];
    res.writeHead(b ? 200 : 404).end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const live = resolver();
    const digest = `sha256:${createHash('sha256').update(module).digest('hex')}`;
    const signed = (await live.discoverUrl(ref(`${base}/signed.wasm.gz?v=1`))) as { discovery: Discovery; artifact: Buffer };
    assert.equal(signed.discovery, { digest, found: [{ kind: 'bundle', at: 'url', json: bundle }], lookedAt: ['url'] });
    assert.ok(signed.artifact.equals(module));
    assert.ok(seen.includes('/signed.wasm.gz.sigstore.json?v=1'), seen.join(' '));
    assert.equal(await live.discoverUrl(ref(`${base}/unsigned.wasm.gz`)), { discovery: { digest, found: [], lookedAt: ['url'] }, artifact: module, moduleSha256: sha256(wasm('http-signed')) });
    const named = (await live.discoverUrl(ref(`${base}/unsigned.wasm.gz`), `${base}/elsewhere/bundle.json`)) as { discovery: Discovery };
    assert.equal(named.discovery.found, [{ kind: 'bundle', at: 'url', json: fakeBundle('named') }]);
    assert.equal(await live.discoverUrl(ref(`${base}/unsigned.wasm.gz`), `${base}/elsewhere/missing.json`), {
      code: 'RESOLVE_FAILED',
      message: `image ${base}/unsigned.wasm.gz: signature bundle: GET ${base}/elsewhere/missing.json: 404 Not Found`,
    });
    assert.is(sha256(module), digest.slice(7));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

/**
 * A registry for what 2.8 cannot do: one repository `r` holding `manifests` by digest or tag and
 * `blobs`; `referrers` answers the API when given; a request whose path matches `stall` gets no answer.
 */
async function fakeRegistry(opts: { manifests: Record<string, BuiltImage>; blobs: Record<string, Buffer>; referrers?: Buffer; stall?: RegExp }): Promise<{ host: string; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(`${req.method} ${path}`);
    if (opts.stall?.test(path)) return;
    const m = /^\/v2\/r\/(manifests|blobs|referrers)\/(.+)$/.exec(path);
    if (m?.[1] === 'referrers' && opts.referrers) return void res.writeHead(200, { 'content-type': OCI_INDEX }).end(opts.referrers);
    const manifest = m?.[1] === 'manifests' ? opts.manifests[m[2]!] : undefined;
    if (manifest) {
      res.writeHead(200, { 'content-type': manifest.mediaType, 'docker-content-digest': manifest.digest, 'content-length': manifest.manifest.length });
      return void res.end(req.method === 'HEAD' ? undefined : manifest.manifest);
    }
    const blob = m?.[1] === 'blobs' ? opts.blobs[m[2]!] : undefined;
    if (blob) return void res.writeHead(200, { 'content-length': blob.length }).end(blob);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"not here"}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('fake server (docker-registry 2.8 has no referrers API): a 200 OCI index from /referrers is read, every entry whatever its artifactType, and the tag index (asked at the same time) is not used', async () => {
  const img = fsImage([[{ name: 'plugin.wasm', data: wasm('api') }]]);
  const bundleRef = referrer(subjectOf(img), { bundle: fakeBundle('api') });
  const sbom = referrer(subjectOf(img), { artifactType: 'application/spdx+json', layers: [{ bytes: Buffer.from('{}'), mediaType: 'application/spdx+json' }] });
  const list = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: bundleRef.digest, size: bundleRef.manifest.length, artifactType: EMPTY },
        { mediaType: OCI_MANIFEST, digest: sbom.digest, size: sbom.manifest.length, artifactType: 'application/spdx+json' },
      ],
    }),
  );
  // A stale tag index listing another bundle: the API's answer wins.
  const stale = referrer(subjectOf(img), { bundle: fakeBundle('stale tag index') });
  const tagIndex = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: stale.digest, size: stale.manifest.length, artifactType: BUNDLE_V03 }] }));
  const blobs = Object.fromEntries([...bundleRef.blobs, ...sbom.blobs, ...stale.blobs].map((b) => [digestOf(b), b]));
  const fake = await fakeRegistry({ manifests: { [bundleRef.digest]: bundleRef, [sbom.digest]: sbom, [stale.digest]: stale, [tagOf(img.digest)]: { manifest: tagIndex, mediaType: OCI_INDEX, digest: digestOf(tagIndex), blobs: [] } }, blobs, referrers: list });
  try {
    const got = await resolver().discover(ref(`${fake.host}/r@${img.digest}`), img.digest, { attestations: false });
    assert.equal(got, { digest: img.digest, found: [{ kind: 'bundle', at: 'referrers', json: fakeBundle('api') }], lookedAt: ['.sig tag', 'referrers'] });
    assert.ok(fake.seen.includes(`GET /v2/r/referrers/${img.digest}`));
    assert.not.ok(fake.seen.includes(`GET /v2/r/manifests/${stale.digest}`), fake.seen.join('\n'));
  } finally {
    fake.close();
  }
});

test('fake server (a registry cannot be made to serve them): a .sig layer whose bytes do not match its digest fails discovery, naming the blob and the tag', async () => {
  const img = fsImage([[{ name: 'plugin.wasm', data: wasm('tampered') }]]);
  const payload = simpleSigning('r', img.digest);
  const sig = classicManifest([{ payload, annotations: classicAnnotations(0) }]);
  const tampered = Buffer.from(payload.toString('utf8').replace('cosign', 'cosIgn'));
  const layer = digestOf(payload);
  const t = `${tagOf(img.digest)}.sig`;
  const fake = await fakeRegistry({ manifests: { [t]: sig, [sig.digest]: sig }, blobs: { [layer]: tampered, [digestOf(sig.blobs[0]!)]: sig.blobs[0]! } });
  try {
    const r = ref(`${fake.host}/r@${img.digest}`);
    assert.equal(await resolver().discover(r, img.digest, { attestations: false }), {
      code: 'SHA256_MISMATCH',
      message: `image ${r.canonical}: looking for signatures of ${img.digest}: tag ${t}: blob ${layer} arrived as ${tampered.length} bytes hashing to ${digestOf(tampered)}; the registry or a proxy altered or truncated it`,
    });
  } finally {
    fake.close();
  }
});

test('fake server (a registry that stops answering): discovery ends at the render deadline, saying it waited for the referrers list', async () => {
  const img = fsImage([[{ name: 'plugin.wasm', data: wasm('stalled') }]]);
  const fake = await fakeRegistry({ manifests: {}, blobs: {}, stall: /\/referrers\// });
  try {
    const r = ref(`${fake.host}/r@${img.digest}`);
    const deadline = createDeadline({ start: nowMs(), ms: 1000, source: '--timeout 1s' });
    const got = (await resolver({ deadline }).discover(r, img.digest, { attestations: false })) as { code: string; message: string };
    assert.is(got.code, 'DEADLINE_EXCEEDED');
    assert.match(
      got.message,
      new RegExp(`^image ${r.canonical.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: signatures of ${img.digest}: still pending when the render's deadline passed \\(--timeout 1s\\): waiting for .* \\(GET http://${fake.host}/v2/r/referrers/${img.digest}\\), no answer after `),
    );
  } finally {
    fake.close();
  }
});

test.run();
