// Hostile images served by a real registry (Distribution's docker-registry on loopback), each
// rendered by the built CLI as a child process in a sandbox of its own HOME, TMPDIR, cwd and
// XDG_CACHE_HOME. Every one ends in exit 3 with an empty stdout and an error naming the image,
// in bounded memory (the child's peak RSS), and with nothing written anywhere but under the
// cache. The tar cases are data in test/fixtures/hostile/images.yaml; gzip bombs, lying
// descriptors and nested indexes are built here.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { artifact, digestOf, fsImage, image, index, OCI_MANIFEST, OCI_TGZ, push, tar, wasm, WASM_CONFIG, WASM_LAYER } from './_images.ts';
import type { BuiltImage, IndexChild, TarEntry } from './_images.ts';
import { startRegistry } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { changedOutside, declare, ensureBuilt, loud, meshext, readTree, sandbox, snapshot } from './fixtures/hostile/_harness.ts';
import type { Run } from './fixtures/hostile/_harness.ts';

interface Entry {
  readonly name: string;
  readonly wasm?: string;
  readonly text?: string;
  readonly type?: 'symlink' | 'link';
  readonly linkname?: string;
  readonly paxPath?: string;
}
interface Case {
  readonly name: string;
  readonly about: string;
  readonly layers?: readonly (readonly Entry[])[];
  readonly artifact?: string;
  readonly error?: string;
  readonly exit?: number;
}

const CASES = parse(readFileSync(join(import.meta.dirname, 'fixtures', 'hostile', 'images.yaml'), 'utf8')) as Case[];
const PROBES = ['/tmp/meshext-hostile-probe', '/etc/meshext-hostile-probe'];
/** Peak RSS allowed for a render of a small hostile image: node itself takes ~60 MiB. */
const SMALL_RSS_MIB = 256;

let reg: TestRegistry;

test.before(
  loud(async () => {
    ensureBuilt();
    reg = await startRegistry();
  }),
);
test.after(async () => {
  await reg.stop();
});

/** A tar layer from fixture entries; a PAX `path` record renames the entry that follows it. */
function layerOf(entries: readonly Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body: TarEntry = {
      name: e.name,
      ...(e.type ? { type: e.type, linkname: e.linkname ?? '' } : { data: e.wasm !== undefined ? wasm(e.wasm) : (e.text ?? '') }),
    };
    if (e.paxPath !== undefined) parts.push(paxHeader({ path: e.paxPath }));
    parts.push(withoutEnd(tar([body])));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

const withoutEnd = (t: Buffer): Buffer => t.subarray(0, t.length - 1024);

/** A PAX extended header block (typeflag 'x') carrying `records`, as GNU tar and Go's archive/tar write it. */
function paxHeader(records: Record<string, string>): Buffer {
  let body = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let n = rest.length + 1;
    while (String(n).length + rest.length !== n) n = String(n).length + rest.length;
    body += `${n}${rest}`;
  }
  const t = Buffer.from(withoutEnd(tar([{ name: 'PaxHeaders/entry', data: body }])));
  t.write('x', 156, 'latin1');
  t.fill(' ', 148, 156);
  const sum = t.subarray(0, 512).reduce((a, b) => a + b, 0);
  t.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return t;
}

function imageOf(c: Case): BuiltImage {
  if (c.artifact !== undefined) return artifact(Buffer.from(c.artifact));
  return image({ layers: c.layers!.map((l) => ({ bytes: layerOf(l), mediaType: OCI_TGZ })) });
}

/** Renders `images` in a fresh sandbox and checks what every hostile render must satisfy. */
async function renderHostile(images: readonly string[], opts: { exit?: number; maxRssMiB?: number; nodeArgs?: string[] } = {}): Promise<Run> {
  const sb = sandbox();
  declare(sb.work, images);
  const probesBefore = PROBES.filter((p) => existsSync(p));
  const before = snapshot(sb.root);
  const r = await meshext(['render', '.'], { env: sb.env(), cwd: sb.work, ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}) });
  const exit = opts.exit ?? 3;
  assert.is(r.code, exit, `exit ${r.code}, stderr: ${r.stderr}`);
  if (exit !== 0) {
    assert.is(r.stdout, '', 'nothing on stdout');
    for (const image of images) assert.ok(r.stderr.includes(`error: image ${image}: `), `the error names ${image}: ${r.stderr}`);
    assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  }
  assert.equal(changedOutside(before, snapshot(sb.root), sb.cache), [], 'nothing written outside the cache');
  assert.equal(PROBES.filter((p) => existsSync(p)), probesBefore, 'no probe file appeared');
  if (existsSync(sb.cache)) {
    for (const [name, bytes] of readTree(sb.cache)) {
      assert.match(name, /^(manifests|blobs)\/sha256\/[a-f0-9]{64}$/, 'the cache holds only digest-named entries');
      assert.is(digestOf(bytes), `sha256:${name.split('/')[2]}`, `${name} holds what its name says`);
    }
  }
  assert.ok(r.maxRssMiB < (opts.maxRssMiB ?? SMALL_RSS_MIB), `peak RSS ${r.maxRssMiB} MiB`);
  return r;
}

for (const c of CASES) {
  test(`hostile image: ${c.name}: ${c.about}`, async () => {
    const repo = `hostile/${c.name}`;
    await push(reg, repo, 'latest', imageOf(c));
    const ref = `${reg.host}/${repo}:latest`;
    const r = await renderHostile([ref], { exit: c.exit ?? 3 });
    if (c.error !== undefined) assert.match(r.stderr, new RegExp(`ext\\.yaml:4:8: error: image ${ref.replace(/[.]/g, '\\.')}: .*${c.error}`));
  });
}

/** gzip of a tar holding one file of `size` zero bytes, streamed: the test never holds the expanded bytes. */
async function zeroFileLayer(size: number, name: string): Promise<Buffer> {
  const header = withoutEnd(tar([{ name, data: 'x' }])).subarray(0, 512);
  const h = Buffer.from(header);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.fill(' ', 148, 156);
  h.write(`${h.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return gzipStream(h, size + ((512 - (size % 512)) % 512) + 1024);
}

async function gzipStream(head: Buffer, zeros: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  gz.write(head);
  const chunk = Buffer.alloc(1 << 20);
  for (let left = zeros; left > 0; left -= chunk.length) {
    if (!gz.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

test('hostile image: a gzip bomb (1 GiB of zeros in ~1 MB) stops at the layer bound without being inflated', async () => {
  const bomb = await zeroFileLayer(1 << 30, 'plugin.wasm');
  assert.ok(bomb.length < 2 << 20, `${bomb.length} bytes compressed`);
  await push(reg, 'hostile/gzip-bomb', 'latest', image({ layers: [{ bytes: bomb, mediaType: OCI_TGZ }] }));
  const ref = `${reg.host}/hostile/gzip-bomb:latest`;
  // Old space capped small: what the bound must hold is off-heap buffers, measured as peak RSS.
  const r = await renderHostile([ref], { maxRssMiB: 640, nodeArgs: ['--max-old-space-size=64'] });
  assert.match(r.stderr, /layer sha256:[a-f0-9]{64} cannot be read: it expands to more than 268435456 bytes/);
});

test('hostile image: many layers, each under the layer bound, expanding to 2 GiB in all', async () => {
  // One 128 MiB zero-file deflate stream shared by every layer; a distinct gzip member in front
  // (the tar header naming the file) makes each layer a different blob.
  const size = 128 << 20;
  const zeros = await gzipStream(Buffer.alloc(0), size + 1024);
  const layers = Array.from({ length: 16 }, (_, i) => {
    const h = Buffer.from(withoutEnd(tar([{ name: `fill-${i}`, data: 'x' }])).subarray(0, 512));
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    h.fill(' ', 148, 156);
    h.write(`${h.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return { bytes: Buffer.concat([gzipSync(h), zeros]), mediaType: OCI_TGZ };
  });
  const last = { bytes: layerOf([{ name: 'plugin.wasm', wasm: 'many-layers' }]), mediaType: OCI_TGZ };
  await push(reg, 'hostile/many-layers', 'latest', image({ layers: [...layers, last] }));
  const ref = `${reg.host}/hostile/many-layers:latest`;
  const r = await renderHostile([ref], { maxRssMiB: 1024, nodeArgs: ['--max-old-space-size=64'] });
  assert.match(r.stderr, /layer sha256:[a-f0-9]{64} cannot be read: it expands to more than \d+ bytes, what is left of the 268435456 bytes all the image's layers may expand to/);
});

test('hostile image: descriptors that lie about blob sizes (smaller, larger, config and layer)', async () => {
  const module = wasm('size-lie');
  const config = Buffer.from('{"type":"envoy_proxy","config":{"rootIds":[]}}');
  const lying = (sizes: { config: number; layer: number }): BuiltImage => {
    const desc = (mediaType: string, bytes: Buffer, size: number) => ({ mediaType, digest: digestOf(bytes), size });
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: desc(WASM_CONFIG, config, sizes.config), layers: [desc(WASM_CONFIG, config, sizes.config), desc(WASM_LAYER, module, sizes.layer)] }),
    );
    return { manifest, mediaType: OCI_MANIFEST, digest: digestOf(manifest), blobs: [config, module] };
  };
  const cases = {
    'layer-smaller': { sizes: { config: config.length, layer: 5 }, error: `GET http://${reg.host}/v2/hostile/size-lie/blobs/${digestOf(module)}: 200 OK: response is larger than the limit of 6 bytes` },
    'layer-larger': { sizes: { config: config.length, layer: module.length + 1000 }, error: `blob ${digestOf(module)} is ${module.length} bytes but its descriptor says ${module.length + 1000}` },
    'config-smaller': { sizes: { config: 1, layer: module.length }, error: `GET http://${reg.host}/v2/hostile/size-lie/blobs/${digestOf(config)}: 200 OK: response is larger than the limit of 2 bytes` },
    'config-larger': { sizes: { config: config.length * 3, layer: module.length }, error: `blob ${digestOf(config)} is ${config.length} bytes but its descriptor says ${config.length * 3}` },
  };
  for (const [tag, c] of Object.entries(cases)) await push(reg, 'hostile/size-lie', tag, lying(c.sizes));
  const refs = Object.keys(cases).map((tag) => `${reg.host}/hostile/size-lie:${tag}`);
  const r = await renderHostile(refs);
  for (const [tag, c] of Object.entries(cases)) assert.ok(r.stderr.includes(`error: image ${reg.host}/hostile/size-lie:${tag}: ${c.error} (field spec.image)`), `${tag}: ${r.stderr}`);
});

test('hostile image: indexes nested six deep end at the nesting bound', async () => {
  let top: BuiltImage & { children?: readonly IndexChild[] } = fsImage([[{ name: 'plugin.wasm', data: wasm('deep') }]]);
  for (let i = 0; i < 6; i++) top = index([{ image: top, platform: { architecture: 'amd64', os: 'linux' } }]);
  await push(reg, 'hostile/deep-index', 'latest', top);
  const ref = `${reg.host}/hostile/deep-index:latest`;
  const r = await renderHostile([ref]);
  assert.ok(r.stderr.includes(`error: image ${ref}: indexes nested more than 4 deep`), r.stderr);
});

test('hostile images: every hostile image in one render, each error named, nothing else printed', async () => {
  const refs = CASES.filter((c) => (c.exit ?? 3) !== 0).map((c) => `${reg.host}/hostile/${c.name}:latest`);
  const r = await renderHostile(refs);
  const errors = r.stderr.split('\n').filter((l) => / error: /.test(l));
  assert.is(errors.length, refs.length, r.stderr);
  assert.match(r.stderr, new RegExp(`meshext: ${refs.length} errors; nothing was written`));
});

test.run();
