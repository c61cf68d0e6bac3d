// Every image format against a real registry (Distribution 2.8, no auth): loadable ones resolve
// to the exact pinned digest, format, module sha256 and defaults; unloadable ones fail with the
// exact code and message. Indexes and manifest lists, tag and digest references, file:// and
// http(s) modules, one request per distinct reference, and a moved tag.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import type { LiveResolverOptions } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { fsImage, push, pushFixtures, sha256, tar, wasm } from './_images.ts';
import type { Fixture } from './_images.ts';
import { startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

let reg: TestRegistry;
let fx: Record<string, Fixture>;

test.before(async () => {
  reg = await startRegistry();
  fx = await pushFixtures(reg);
});
test.after(async () => {
  await reg.stop();
});

const ref = (s: string): ImageRef => {
  const p = parseImageRef(s);
  if ('error' in p) throw new Error(p.error);
  return p.ref;
};
const resolver = (extra: Partial<LiveResolverOptions> = {}) =>
  createLiveResolver({ cacheDir: tempDir(), env: {}, insecureRegistries: [], retry: { attempts: 2, baseDelayMs: 10 }, ...extra });
const tagRef = (f: Fixture): string => `${reg.host}/${f.repo}:${f.tag}`;
async function resolveOne(s: string, extra: Partial<LiveResolverOptions> = {}): Promise<unknown> {
  const r = ref(s);
  return (await resolver(extra).resolveAll([r])).get(r.canonical);
}

const EXPECTS =
  'Istio loads a compat image (plugin.wasm in the last layer, of type application/vnd.oci.image.layer.v1.tar+gzip or application/vnd.docker.image.rootfs.diff.tar.gzip) ' +
  'or a Wasm OCI artifact of exactly two layers (application/vnd.module.wasm.config.v1+json and application/vnd.module.wasm.content.layer.v1+wasm).';
const fix = (image: string): string => `Fix: run \`meshext convert-image ${image} <new reference>\` and declare the pinned reference it prints.`;

const LOADABLE: Record<string, { format: string; defaults: object }> = {
  compatOci: { format: 'compat', defaults: { rootIds: ['compat_root'] } },
  compatDocker: { format: 'compat', defaults: {} },
  compatNested: { format: 'compat', defaults: {} },
  artifact: { format: 'oci-artifact', defaults: { rootIds: ['add_header'] } },
  maistraPlugin: { format: 'compat', defaults: { phase: 'PreAuthN', priority: 10 } },
  whiteout: { format: 'compat', defaults: {} },
  index: { format: 'compat', defaults: {} },
  noPlatform: { format: 'compat', defaults: {} },
  dockerList: { format: 'compat', defaults: {} },
};

test('every loadable format resolves by tag to the exact pin, format, module sha256 and defaults', async () => {
  const names = Object.keys(LOADABLE);
  const got = await resolver().resolveAll(names.map((n) => ref(tagRef(fx[n]!))));
  for (const n of names) {
    const f = fx[n]!;
    assert.equal(
      got.get(tagRef(f)),
      {
        ref: tagRef(f),
        url: `oci://${reg.host}/${f.repo}@${f.platformDigest}`,
        digest: f.platformDigest,
        // An index's own digest, whose signatures count for the child chosen from it.
        ...(f.digest !== f.platformDigest ? { index: f.digest } : {}),
        format: LOADABLE[n]!.format,
        moduleSha256: f.moduleSha256,
        defaults: LOADABLE[n]!.defaults,
      },
      n,
    );
  }
});

test('every loadable format resolves by digest to the same pin; an index digest pins its linux/amd64 child', async () => {
  for (const n of Object.keys(LOADABLE)) {
    const f = fx[n]!;
    const s = `${reg.host}/${f.repo}@${f.digest}`;
    const got = (await resolveOne(s)) as { url: string; digest: string; moduleSha256: string };
    assert.is(got.digest, f.platformDigest, n);
    assert.is(got.url, `oci://${reg.host}/${f.repo}@${f.platformDigest}`, n);
    assert.is(got.moduleSha256, f.moduleSha256, n);
  }
});

test('tag@digest: the digest wins', async () => {
  const got = (await resolveOne(`${reg.host}/istio/compat:docker@${fx.compatOci!.digest}`)) as { digest: string; ref: string };
  assert.is(got.digest, fx.compatOci!.digest);
  assert.is(got.ref, `${reg.host}/istio/compat:docker@${fx.compatOci!.digest}`);
});

test('unloadable formats fail with IMAGE_NOT_LOADABLE and the exact message', async () => {
  const img = (n: string): string => tagRef(fx[n]!);
  const cases: Record<string, string> = {
    maistra:
      `image ${img('maistra')}: it is a Maistra extension image whose module is /extension.wasm (manifest.yaml), and Istio does not read manifest.yaml: ` +
      `it finds no module it can load (not as compat (its last layer has no plugin.wasm), not as a Wasm artifact (it has 1 layer, not 2)). ${EXPECTS} ${fix(img('maistra'))}`,
    wasme: `image ${img('wasme')}: it is an old solo.io wasme image (application/vnd.io.solo.wasm.* media types), which Istio does not load. ${EXPECTS} ${fix(img('wasme'))}`,
    singleLayer:
      `image ${img('singleLayer')}: it is a single-layer Wasm artifact (as \`oras push\` or wasm-to-oci make it); Istio requires exactly two layers and fails with ` +
      `"number of layers must be 2 but got 1". ${EXPECTS} ${fix(img('singleLayer'))}`,
    notWasm: `image ${img('notWasm')}: the module Istio would load (plugin.wasm in the last layer) does not start with the Wasm magic bytes \\0asm; rebuild the image with a compiled Wasm module.`,
    armOnly: `image ${img('armOnly')}: the index has no linux/amd64 entry, the platform Istio pulls (it has: linux/arm64); add a linux/amd64 entry or push a single-platform image`,
  };
  const got = await resolver().resolveAll(Object.keys(cases).map((n) => ref(img(n))));
  for (const [n, message] of Object.entries(cases)) assert.equal(got.get(img(n)), { code: 'IMAGE_NOT_LOADABLE', message }, n);
});

test('a Maistra image whose plugin.wasm is not its module is not loadable', async () => {
  const img = fsImage([[{ name: 'manifest.yaml', data: 'phase: PreAuthZ\nmodule: filter.wasm\n' }, { name: 'filter.wasm', data: wasm('real') }, { name: 'plugin.wasm', data: wasm('decoy') }]]);
  await push(reg, 'maistra/decoy', 'latest', img);
  const s = `${reg.host}/maistra/decoy:latest`;
  assert.equal(await resolveOne(s), {
    code: 'IMAGE_NOT_LOADABLE',
    message: `image ${s}: it is a Maistra extension image whose module is /filter.wasm (manifest.yaml), but Istio would load plugin.wasm in the last layer instead. ${EXPECTS} ${fix(s)}`,
  });
});

test('a missing tag and a missing repository fail with the registry error', async () => {
  const s = `${reg.host}/istio/compat:nope`;
  assert.equal(await resolveOne(s), { code: 'RESOLVE_FAILED', message: `image ${s}: HEAD http://${reg.host}/v2/istio/compat/manifests/nope: 404 Not Found` });
  const d = `${reg.host}/nothing/here@sha256:${'0'.repeat(64)}`;
  assert.equal(await resolveOne(d), {
    code: 'RESOLVE_FAILED',
    message: `image ${d}: GET http://${reg.host}/v2/nothing/here/manifests/sha256:${'0'.repeat(64)}: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown`,
  });
});

test('each distinct reference is resolved once, with one HEAD for its tag', async () => {
  const before = reg.requests().length;
  const a = ref(tagRef(fx.artifact!));
  const got = await resolver({ concurrency: 4 }).resolveAll([a, a, ref(tagRef(fx.compatOci!)), a]);
  assert.equal([...got.keys()], [tagRef(fx.artifact!), tagRef(fx.compatOci!)]);
  const heads = reg.requests().slice(before).filter((r) => r.method === 'HEAD' && r.path === '/v2/istio/oci-artifact/manifests/latest');
  assert.is(heads.length, 1);
});

test('progress is reported per distinct reference', async () => {
  const seen: string[] = [];
  await resolver({ onProgress: (d, t) => void seen.push(`${d}/${t}`) }).resolveAll([ref(tagRef(fx.artifact!)), ref(tagRef(fx.compatOci!))]);
  assert.equal(seen, ['0/2', '1/2', '2/2']);
});

test('a moved tag is seen at once: tags are never cached, currentDigest follows the tag', async () => {
  const cacheDir = tempDir();
  const first = await push(reg, 'moving/tag', 'v1', fsImage([[{ name: 'plugin.wasm', data: wasm('first') }]]));
  const r = ref(`${reg.host}/moving/tag:v1`);
  const a = (await resolver({ cacheDir }).resolveAll([r])).get(r.canonical) as { digest: string };
  assert.is(a.digest, first);
  const second = await push(reg, 'moving/tag', 'v1', fsImage([[{ name: 'plugin.wasm', data: wasm('second') }]]));
  const b = (await resolver({ cacheDir }).resolveAll([r])).get(r.canonical) as { digest: string; moduleSha256: string };
  assert.is(b.digest, second);
  assert.is(b.moduleSha256, sha256(wasm('second')));
  assert.is(await resolver({ cacheDir }).currentDigest(r), second);
  assert.is(await resolver().currentDigest(ref(tagRef(fx.index!))), fx.index!.platformDigest);
});

test('file:// resolves without network', async () => {
  assert.equal(await resolveOne('file:///opt/filters/x.wasm'), { ref: 'file:///opt/filters/x.wasm', url: 'file:///opt/filters/x.wasm', format: 'file', defaults: {} });
});

test('http(s) modules: downloaded, unwrapped as Istio does, sha256 of the module', async () => {
  const m = wasm('over-http');
  const bodies: Record<string, Buffer> = {
    '/raw.wasm': m,
    '/module.gz': gzipSync(m),
    '/module.tar.gz': gzipSync(tar([{ name: 'module.wasm', data: m }])),
    '/page.html': Buffer.from('<html>nothing here</html>'),
  };
  const server: Server = createServer((req, res) => {
    const b = bodies[req.url ?? ''];
    res.writeHead(b ? 200 : 404).end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    for (const p of ['/raw.wasm', '/module.gz', '/module.tar.gz']) {
      assert.equal(await resolveOne(`${base}${p}`), { ref: `${base}${p}`, url: `${base}${p}`, format: 'http', moduleSha256: sha256(m), defaults: {} }, p);
    }
    assert.equal(await resolveOne(`${base}/page.html`), {
      code: 'IMAGE_NOT_LOADABLE',
      message: `image ${base}/page.html: the download is not a Wasm module, nor gzip or tar around one (it does not start with \\0asm), so Istio cannot load it`,
    });
    assert.equal(await resolveOne(`${base}/gone.wasm`), { code: 'RESOLVE_FAILED', message: `image ${base}/gone.wasm: GET ${base}/gone.wasm: 404 Not Found` });
    assert.is(await resolver().currentDigest(ref(`${base}/module.gz`)), `sha256:${sha256(m)}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a layer over maxLayerBytes is refused before download', async () => {
  const f = fx.compatOci!;
  const got = (await resolveOne(tagRef(f), { maxLayerBytes: 16 })) as { code: string; message: string };
  assert.is(got.code, 'RESOLVE_FAILED');
  assert.match(got.message, /^image .*: blob sha256:[a-f0-9]{64} \(application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip\) is \d+ bytes, more than the limit of 16$/);
});

test.run();
