// The shared content cache under concurrent renders and under damage, against a real registry
// (Distribution's docker-registry, its access log counting requests), with the built CLI as
// child processes: renders started together over one XDG_CACHE_HOME all succeed with identical
// output; an entry that is corrupt, truncated, a symlink (to a wrong or even a right copy, to
// /dev/zero), a FIFO, a directory or a huge sparse file is never used: online it is discarded and
// fetched again, in bounded time and memory; offline it is reported, not used.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestOf, pushFixtures } from './_images.ts';
import type { Fixture } from './_images.ts';
import { startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { changedOutside, declare, ensureBuilt, loud, meshext, readTree, sandbox, snapshot } from './fixtures/hostile/_harness.ts';
import type { Run, Sandbox } from './fixtures/hostile/_harness.ts';

let reg: TestRegistry;
let fx: Record<string, Fixture>;
let images: string[];
/** What a render of `images` prints, from a cache of its own. */
let expected: string;

const LOADABLE = ['compatOci', 'compatDocker', 'compatNested', 'artifact', 'maistraPlugin', 'whiteout', 'index', 'noPlatform', 'dockerList'];

test.before(
  loud(async () => {
    ensureBuilt();
    reg = await startRegistry();
    fx = await pushFixtures(reg);
    images = LOADABLE.flatMap((n) => [`${reg.host}/${fx[n]!.repo}:${fx[n]!.tag}`, `${reg.host}/${fx[n]!.repo}@${fx[n]!.digest}`]);
    const alone = await render(sandbox());
    assert.is(alone.code, 0, alone.stderr);
    expected = alone.stdout;
  }),
);
test.after(async () => {
  await reg.stop();
});

function render(sb: Sandbox, refs: readonly string[] = images, args: readonly string[] = []): Promise<Run> {
  declare(sb.work, refs);
  return meshext(['render', '.', ...args], { env: sb.env(), cwd: sb.work, killAfterMs: 30_000 });
}

/** The cache holds digest-named entries only, each holding what its name says, and no temporary file. */
function assertCacheSound(cache: string, atLeast = 10): void {
  const entries = readTree(cache);
  assert.ok(entries.length >= atLeast, `${entries.length} entries`);
  for (const [name, bytes] of entries) {
    assert.match(name, /^(manifests|blobs)\/sha256\/[a-f0-9]{64}$/);
    assert.ok(lstatSync(join(cache, name)).isFile(), `${name} is a regular file`);
    assert.is(digestOf(bytes), `sha256:${name.split('/')[2]}`, name);
  }
}

async function together(n: number, xdg: string): Promise<Run[]> {
  return Promise.all(Array.from({ length: n }, () => render(sandbox(xdg))));
}

test('two renders at once sharing one cache both succeed with identical output', async () => {
  const xdg = tempDir();
  const runs = await together(2, xdg);
  for (const r of runs) {
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, expected);
  }
  assertCacheSound(join(xdg, 'meshext'));
});

test('six renders at once over one cold cache, then six over the warm one', async () => {
  const xdg = tempDir();
  for (const round of ['cold', 'warm']) {
    const before = reg.requests().length;
    const runs = await together(6, xdg);
    for (const r of runs) {
      assert.is(r.code, 0, `${round}: ${r.stderr}`);
      assert.is(r.stdout, expected, round);
    }
    // Warm: only the tags are asked for (one HEAD each per render); every digest comes from the cache.
    if (round === 'warm') assert.ok(reg.requests().slice(before).every((x) => x.method === 'HEAD' && !x.path.includes('@') && !x.path.includes('sha256:')), 'warm renders fetch nothing by digest');
  }
  assertCacheSound(join(xdg, 'meshext'));
});

test('six renders at once over a cache whose every entry is corrupt or truncated repair it and agree', async () => {
  const xdg = tempDir();
  assert.is((await render(sandbox(xdg))).code, 0);
  const cache = join(xdg, 'meshext');
  readTree(cache).forEach(([name, bytes], i) => writeFileSync(join(cache, name), i % 2 === 0 ? bytes.subarray(0, bytes.length >> 1) : Buffer.from('corrupted on disk')));
  const runs = await together(6, xdg);
  for (const r of runs) {
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, expected);
  }
  assertCacheSound(cache);
});

/** A warm cache for one digest-pinned image, and the cache paths of its manifest and its last layer. */
async function warmOne(): Promise<{ sb: Sandbox; ref: string; manifest: string; layer: string; layerDigest: string; config: string }> {
  const f = fx.artifact!; // a manifest, its config blob and its module blob
  const ref = `${reg.host}/${f.repo}@${f.digest}`;
  const sb = sandbox();
  const first = await render(sb, [ref]);
  assert.is(first.code, 0, first.stderr);
  const manifest = join(sb.cache, 'manifests', 'sha256', f.digest.slice(7));
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  const layerDigest = parsed.layers.at(-1)!.digest;
  const blob = (d: string): string => join(sb.cache, 'blobs', 'sha256', d.slice(7));
  return { sb, ref, manifest, layer: blob(layerDigest), layerDigest, config: blob(parsed.config.digest) };
}

test('a truncated manifest and a truncated layer in the cache are detected by digest and fetched again', async () => {
  const { sb, ref, manifest, layer, layerDigest } = await warmOne();
  const f = fx.artifact!;
  writeFileSync(manifest, readFileSync(manifest).subarray(0, 40));
  writeFileSync(layer, readFileSync(layer).subarray(0, 10));
  const before = reg.requests().length;
  const r = await render(sb, [ref]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(
    reg
      .requests()
      .slice(before)
      .map((x) => `${x.method} ${x.path}`)
      .sort(),
    [`GET /v2/${f.repo}/blobs/${layerDigest}`, `GET /v2/${f.repo}/manifests/${f.digest}`],
  );
  assert.match(r.stderr, new RegExp(`cache: manifests entry ${f.digest} is corrupt; discarding it`));
  assert.match(r.stderr, new RegExp(`cache: blobs entry ${layerDigest} is corrupt; discarding it`));
  assertCacheSound(sb.cache, 3);
});

test('entries replaced by a symlink (to a right copy, to a wrong file, to /dev/zero) are never followed', async () => {
  const { sb, ref, manifest, layer, config } = await warmOne();
  const f = fx.artifact!;
  // Outside the cache: a right copy of the manifest and a wrong file, both of which must stay as they are.
  const outside = join(sb.root, 'elsewhere');
  mkdirSync(outside);
  copyFileSync(manifest, join(outside, 'right-copy'));
  writeFileSync(join(outside, 'wrong'), 'not the layer');
  const cases = [
    { path: manifest, target: join(outside, 'right-copy') },
    { path: layer, target: join(outside, 'wrong') },
    { path: config, target: '/dev/zero' },
  ];
  for (const c of cases) {
    rmSync(c.path);
    symlinkSync(c.target, c.path);
  }
  const before = snapshot(sb.root);
  const r = await render(sb, [ref]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(f.digest));
  for (const c of cases) {
    assert.ok(lstatSync(c.path).isFile(), `${c.target}: replaced by a regular file`);
    assert.match(r.stderr, new RegExp(`cache: (manifests|blobs) entry sha256:${c.path.split('/').at(-1)} is a symbolic link; discarding it`), c.target);
  }
  assert.equal(changedOutside(before, snapshot(sb.root), sb.cache), [], 'the symlink targets are untouched');
  assert.ok(r.maxRssMiB < 256, `peak RSS ${r.maxRssMiB} MiB`);
  assertCacheSound(sb.cache, 3);
});

test('entries replaced by a FIFO (reading it would wait forever), a directory or a 1 GiB sparse file are never read', async () => {
  const { sb, ref, manifest, layer, config } = await warmOne();
  const f = fx.artifact!;
  rmSync(manifest);
  assert.is(spawnSync('mkfifo', [manifest]).status, 0);
  rmSync(layer);
  mkdirSync(layer);
  rmSync(config);
  const fd = openSync(config, 'w');
  ftruncateSync(fd, 1 << 30);
  closeSync(fd);
  const r = await render(sb, [ref]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(f.digest));
  assert.match(r.stderr, new RegExp(`cache: manifests entry ${f.digest} is not a regular file; discarding it`));
  assert.match(r.stderr, new RegExp(`cache: blobs entry sha256:${layer.split('/').at(-1)} is not a regular file; discarding it`));
  assert.match(r.stderr, new RegExp(`cache: blobs entry sha256:${config.split('/').at(-1)} is ${1 << 30} bytes, more than the \\d+ bytes it can be; discarding it`));
  assert.ok(r.maxRssMiB < 256, `peak RSS ${r.maxRssMiB} MiB`);
  assert.ok(lstatSync(manifest).isFile() && statSync(config).size < 1024);
  rmSync(layer, { recursive: true }); // a directory cannot be replaced by a file; it only costs a refetch each time
  assertCacheSound(sb.cache, 2);
});

test('offline, a digest-pinned reference missing from the lock is reported, never answered from a corrupt cache', async () => {
  const { sb, ref, manifest, layer } = await warmOne();
  writeFileSync(manifest, 'corrupted');
  writeFileSync(layer, 'corrupted');
  const before = reg.requests().length;
  const r = await render(sb, [ref], ['--offline']);
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  // Offline, the cache alone may answer a digest-pinned reference: here it is corrupt, so it is
  // discarded (said on stderr) and the render fails naming the image.
  assert.match(r.stderr, /cache: manifests entry sha256:[0-9a-f]{64} is corrupt; discarding it/);
  assert.ok(r.stderr.includes(`ext.yaml:4:8: error: image ${ref}: `) && r.stderr.includes('not in the cache, and --offline forbids the network (field spec.image)'), r.stderr);
  assert.equal(reg.requests().slice(before), [], 'offline touches no network');
});

test.run();
