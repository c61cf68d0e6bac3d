// The content cache against a real registry, counted in the registry's own access log: a warm
// cache answers digest-pinned references with zero requests and a tag with one HEAD; a corrupted
// entry is noticed, discarded and fetched again; nothing but digests ever names a cache file.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { digestOf, pushFixtures } from './_images.ts';
import type { Fixture } from './_images.ts';
import { startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

let reg: TestRegistry;
let fx: Record<string, Fixture>;
const LOADABLE = ['compatOci', 'compatDocker', 'artifact', 'maistraPlugin', 'whiteout', 'index', 'noPlatform', 'dockerList'];

test.before(async () => {
  reg = await startRegistry();
  fx = await pushFixtures(reg);
});
test.after(async () => {
  await reg.stop();
});

const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;
const byDigest = (f: Fixture): ImageRef => ref(`${reg.host}/${f.repo}@${f.digest}`);
const byTag = (f: Fixture): ImageRef => ref(`${reg.host}/${f.repo}:${f.tag}`);
const resolverAt = (cacheDir: string, log?: (l: string) => void) => createLiveResolver({ cacheDir, env: {}, insecureRegistries: [], ...(log ? { log } : {}) });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('a warm cache answers digest-pinned references with zero registry requests', async () => {
  const cacheDir = tempDir();
  const refs = LOADABLE.map((n) => byDigest(fx[n]!));
  const cold = await resolverAt(cacheDir).resolveAll(refs);
  const before = reg.requests().length;
  const warm = await resolverAt(cacheDir).resolveAll(refs);
  assert.equal(reg.requests().slice(before), []);
  assert.equal([...warm], [...cold]);
  for (const [k, v] of warm) assert.ok(!('code' in v), k);
});

test('a warm cache answers a tag with exactly one HEAD (tags are never cached)', async () => {
  const cacheDir = tempDir();
  const refs = ['index', 'artifact', 'maistraPlugin'].map((n) => byTag(fx[n]!));
  await resolverAt(cacheDir).resolveAll(refs);
  const before = reg.requests().length;
  await resolverAt(cacheDir).resolveAll(refs);
  assert.equal(
    reg
      .requests()
      .slice(before)
      .map((r) => `${r.method} ${r.path} ${r.status}`)
      .sort(),
    ['HEAD /v2/istio/oci-artifact/manifests/latest 200', 'HEAD /v2/maistra/plugin/manifests/latest 200', 'HEAD /v2/multi/plugin/manifests/latest 200'],
  );
});

test('a corrupted cache entry is discarded and fetched again', async () => {
  const cacheDir = tempDir();
  const r = byDigest(fx.compatOci!);
  const first = (await resolverAt(cacheDir).resolveAll([r])).get(r.canonical);
  const manifest = JSON.parse(readFileSync(join(cacheDir, 'manifests', 'sha256', fx.compatOci!.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
  const layer = manifest.layers[0]!.digest;
  const layerFile = join(cacheDir, 'blobs', 'sha256', layer.slice(7));
  writeFileSync(layerFile, 'corrupted on disk');
  const lines: string[] = [];
  const before = reg.requests().length;
  const again = (await resolverAt(cacheDir, (l) => void lines.push(l)).resolveAll([r])).get(r.canonical);
  assert.equal(again, first);
  assert.equal(
    reg
      .requests()
      .slice(before)
      .map((x) => `${x.method} ${x.path}`),
    [`GET /v2/istio/compat/blobs/${layer}`],
  );
  assert.equal(lines, [`cache: blobs entry ${layer} is corrupt; discarding it`]);
  assert.is(digestOf(readFileSync(layerFile)), layer);
});

test('cache files are named by digest only: no tag, registry or credential in any path', async () => {
  const cacheDir = tempDir();
  await resolverAt(cacheDir).resolveAll(LOADABLE.map((n) => byTag(fx[n]!)));
  const names = files(cacheDir).map((p) => relative(cacheDir, p));
  assert.ok(names.length > 10);
  for (const n of names) assert.match(n, /^(manifests|blobs)\/sha256\/[a-f0-9]{64}$/);
  for (const n of names) assert.is(digestOf(readFileSync(join(cacheDir, n))), `sha256:${n.split('/')[2]}`);
});

test.run();
