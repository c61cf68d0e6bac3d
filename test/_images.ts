// Test images of every format the resolver meets, built in memory (a small ustar writer, node's
// gzip) and pushed with plain fetch: the fixtures share no code with the client under test, so a
// bug there cannot hide itself. Every module differs (a custom section names it), so a test can
// tell which one was picked.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PASSWORD, USER } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const OCI_TGZ = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_TGZ = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const WASM_CONFIG = 'application/vnd.module.wasm.config.v1+json';
export const WASM_LAYER = 'application/vnd.module.wasm.content.layer.v1+wasm';

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
export const digestOf = (b: Uint8Array): string => `sha256:${sha256(b)}`;

/** A valid Wasm module: the 8-byte header plus a custom section holding `name`. */
export function wasm(name: string): Buffer {
  const n = Buffer.from(name);
  return Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, n.length + 1, n.length]), n]);
}

export interface TarEntry {
  readonly name: string;
  readonly data?: Buffer | string;
  readonly type?: 'file' | 'dir' | 'symlink' | 'link';
  readonly linkname?: string;
}

/** POSIX ustar, names up to 100 bytes, mtime 0: the same bytes on every run. */
export function tar(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === undefined || e.type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    const h = Buffer.alloc(512);
    const put = (s: string, at: number, len: number): void => void h.write(s.slice(0, len), at, 'latin1');
    const octal = (n: number, at: number, len: number): void => put(n.toString(8).padStart(len - 1, '0') + '\0', at, len);
    put(e.name, 0, 100);
    octal(e.type === 'dir' ? 0o755 : 0o644, 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(data.length, 124, 12);
    octal(0, 136, 12);
    put(' '.repeat(8), 148, 8);
    put({ file: '0', link: '1', symlink: '2', dir: '5' }[e.type ?? 'file'], 156, 1);
    put(e.linkname ?? '', 157, 100);
    put('ustar\u000000', 257, 8);
    const sum = h.reduce((a, b) => a + b, 0);
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const gz = (b: Buffer): Buffer => gzipSync(b);

export interface Blob {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly annotations?: Record<string, string>;
}

export interface BuiltImage {
  readonly manifest: Buffer;
  readonly mediaType: string;
  readonly digest: string;
  readonly blobs: readonly Buffer[];
}

const descriptor = (b: Blob): Record<string, unknown> => ({
  mediaType: b.mediaType,
  digest: digestOf(b.bytes),
  size: b.bytes.length,
  ...(b.annotations ? { annotations: b.annotations } : {}),
});

export function image(opts: { docker?: boolean; config?: Blob; layers: readonly Blob[]; annotations?: Record<string, string> }): BuiltImage {
  const mediaType = opts.docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const config = opts.config ?? { bytes: Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'), mediaType: opts.docker ? DOCKER_CONFIG : OCI_CONFIG };
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, config: descriptor(config), layers: opts.layers.map(descriptor), ...(opts.annotations ? { annotations: opts.annotations } : {}) }),
  );
  return { manifest, mediaType, digest: digestOf(manifest), blobs: [config.bytes, ...opts.layers.map((l) => l.bytes)] };
}

/** A compat image: one tar+gzip layer (or several, the module in the last). */
export function fsImage(layers: readonly (readonly TarEntry[])[], opts: { docker?: boolean; annotations?: Record<string, string> } = {}): BuiltImage {
  const mediaType = opts.docker ? DOCKER_TGZ : OCI_TGZ;
  return image({ ...opts, layers: layers.map((files) => ({ bytes: gz(tar(files)), mediaType })) });
}

export function artifact(module: Buffer, opts: { rootIds?: string[]; twoLayers?: boolean } = {}): BuiltImage {
  const config = { bytes: Buffer.from(JSON.stringify({ type: 'envoy_proxy', abiVersions: ['v0-4d76'], config: { rootIds: opts.rootIds ?? [] } })), mediaType: WASM_CONFIG };
  const wasmLayer = { bytes: module, mediaType: WASM_LAYER, annotations: { 'org.opencontainers.image.title': 'plugin.wasm' } };
  return image({ config, layers: opts.twoLayers === false ? [wasmLayer] : [{ ...config, annotations: { 'org.opencontainers.image.title': 'runtime-config.json' } }, wasmLayer] });
}

export interface IndexChild {
  readonly image: BuiltImage;
  readonly platform?: { architecture: string; os: string };
  readonly annotations?: Record<string, string>;
}

export function index(children: readonly IndexChild[], docker = false): BuiltImage & { readonly children: readonly IndexChild[] } {
  const mediaType = docker ? DOCKER_LIST : OCI_INDEX;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: children.map((c) => ({
        mediaType: c.image.mediaType,
        digest: c.image.digest,
        size: c.image.manifest.length,
        ...(c.platform ? { platform: c.platform } : {}),
        ...(c.annotations ? { annotations: c.annotations } : {}),
      })),
    }),
  );
  return { manifest, mediaType, digest: digestOf(manifest), blobs: [], children };
}

/** What to send as Authorization when pushing to `repo` (push needs credentials in basic and token mode). */
async function pushAuth(reg: TestRegistry, repo: string): Promise<Record<string, string>> {
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  if (reg.auth === 'basic') return { authorization: basic };
  if (reg.auth !== 'token') return {};
  const res = await (reg.fetch ?? fetch)(`${reg.tokenUrl}&scope=repository:${repo}:pull,push`, { headers: { authorization: basic } });
  const json = (await res.json()) as { token: string };
  return { authorization: `Bearer ${json.token}` };
}

/** Pushes blobs (monolithic upload), index children by digest, then the manifest under `reference`. */
export async function push(reg: TestRegistry, repo: string, reference: string, img: BuiltImage & { children?: readonly IndexChild[] }): Promise<string> {
  const auth = await pushAuth(reg, repo);
  for (const c of img.children ?? []) await push(reg, repo, c.image.digest, c.image);
  for (const blob of img.blobs) {
    const start = await (reg.fetch ?? fetch)(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: auth });
    await start.arrayBuffer();
    if (start.status !== 202) throw new Error(`blob upload to ${repo}: HTTP ${start.status}`);
    const loc = new URL(start.headers.get('location')!, reg.url);
    loc.searchParams.set('digest', digestOf(blob));
    const put = await (reg.fetch ?? fetch)(loc, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(blob) });
    await put.arrayBuffer();
    if (put.status !== 201) throw new Error(`blob PUT to ${repo}: HTTP ${put.status}`);
  }
  const res = await (reg.fetch ?? fetch)(`${reg.url}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { ...auth, 'content-type': img.mediaType }, body: new Uint8Array(img.manifest) });
  await res.arrayBuffer();
  if (res.status !== 201 || res.headers.get('docker-content-digest') !== img.digest) throw new Error(`manifest PUT ${repo}:${reference}: HTTP ${res.status}`);
  return img.digest;
}

export interface Fixture {
  readonly repo: string;
  readonly tag: string;
  /** The manifest the tag names (an index's own digest for an index). */
  readonly digest: string;
  /** The platform manifest Istio would pin (equals `digest` unless an index). */
  readonly platformDigest: string;
  /** sha256 hex of the module Istio would load, when loadable. */
  readonly moduleSha256?: string;
}

const MAISTRA_YAML = (module: string, phase: string, priority: number): string =>
  `schemaVersion: 1\nname: header-append\ndescription: appends a header\nversion: 1.0.0\nphase: ${phase}\npriority: ${priority}\nmodule: ${module}\n`;

/** Every format, under fixed names. */
export async function pushFixtures(reg: TestRegistry): Promise<Record<string, Fixture>> {
  const out: Record<string, Fixture> = {};
  const add = async (name: string, repo: string, tag: string, img: BuiltImage & { children?: readonly IndexChild[] }, module?: Buffer, platform?: BuiltImage): Promise<void> => {
    const digest = await push(reg, repo, tag, img);
    out[name] = { repo, tag, digest, platformDigest: (platform ?? img).digest, ...(module ? { moduleSha256: sha256(module) } : {}) };
  };
  const m = (name: string): Buffer => wasm(name);
  const rc = (ids: string[]): string => JSON.stringify({ type: 'envoy_proxy', config: { rootIds: ids } });

  await add('compatOci', 'istio/compat', 'latest', fsImage([[{ name: 'plugin.wasm', data: m('compat-oci') }, { name: 'runtime-config.json', data: rc(['compat_root']) }]], { annotations: { 'module.wasm.image/variant': 'compat' } }), m('compat-oci'));
  await add('compatDocker', 'istio/compat', 'docker', fsImage([[{ name: 'README', data: 'lower layer' }], [{ name: 'plugin.wasm', data: m('compat-docker') }]], { docker: true }), m('compat-docker'));
  await add('compatNested', 'istio/compat', 'nested', fsImage([[{ name: './', type: 'dir' }, { name: './filters/', type: 'dir' }, { name: './filters/plugin.wasm', data: m('compat-nested') }]]), m('compat-nested'));
  await add('notWasm', 'istio/compat', 'not-wasm', fsImage([[{ name: 'plugin.wasm', data: 'this is not a module' }]]));
  await add('artifact', 'istio/oci-artifact', 'latest', artifact(m('artifact'), { rootIds: ['add_header'] }), m('artifact'));
  await add('singleLayer', 'istio/oci-artifact', 'oras', artifact(m('oras'), { rootIds: ['add_header'], twoLayers: false }));
  await add('maistra', 'maistra/header-append', 'latest', fsImage([[{ name: 'manifest.yaml', data: MAISTRA_YAML('extension.wasm', 'PostAuthZ', 100) }, { name: 'extension.wasm', data: m('maistra') }]]));
  await add(
    'maistraPlugin',
    'maistra/plugin',
    'latest',
    fsImage([[{ name: 'manifest.yaml', data: MAISTRA_YAML('/plugin.wasm', 'PreAuthN', 10) }, { name: 'plugin.wasm', data: m('maistra-old') }], [{ name: 'plugin.wasm', data: m('maistra-plugin') }]]),
    m('maistra-plugin'),
  );
  await add(
    'whiteout',
    'maistra/plugin',
    'whiteout',
    fsImage([[{ name: 'manifest.yaml', data: MAISTRA_YAML('extension.wasm', 'PreStats', 5) }, { name: 'extension.wasm', data: m('gone') }], [{ name: '.wh.manifest.yaml' }, { name: 'plugin.wasm', data: m('whiteout') }]]),
    m('whiteout'),
  );
  const wasmeConfig = { bytes: Buffer.from(JSON.stringify({ type: 'envoy_proxy', config: { rootIds: ['wasme_root'] } })), mediaType: 'application/vnd.io.solo.wasm.config.v1+json' };
  await add('wasme', 'solo/wasme', 'latest', image({ config: wasmeConfig, layers: [{ bytes: m('wasme'), mediaType: 'application/vnd.io.solo.wasm.code.v1+wasm', annotations: { 'org.opencontainers.image.title': 'code.wasm' } }] }));

  const amd64 = fsImage([[{ name: 'plugin.wasm', data: m('index-amd64') }]]);
  const arm64 = artifact(m('index-arm64'));
  const attestation = image({ layers: [{ bytes: Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}'), mediaType: 'application/vnd.in-toto+json' }] });
  const idx = index([
    { image: arm64, platform: { architecture: 'arm64', os: 'linux' } },
    { image: attestation, platform: { architecture: 'unknown', os: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd64.digest } },
    { image: amd64, platform: { architecture: 'amd64', os: 'linux' } },
  ]);
  await add('index', 'multi/plugin', 'latest', idx, m('index-amd64'), amd64);
  const bare = fsImage([[{ name: 'plugin.wasm', data: m('index-noplatform') }]]);
  await add('noPlatform', 'multi/plugin', 'noplatform', index([{ image: arm64, platform: { architecture: 'arm64', os: 'linux' } }, { image: bare }]), m('index-noplatform'), bare);
  const dAmd = fsImage([[{ name: 'plugin.wasm', data: m('list-amd64') }]], { docker: true });
  const dArm = fsImage([[{ name: 'plugin.wasm', data: m('list-arm64') }]], { docker: true });
  await add('dockerList', 'multi/plugin', 'docker-list', index([{ image: dArm, platform: { architecture: 'arm64', os: 'linux' } }, { image: dAmd, platform: { architecture: 'amd64', os: 'linux' } }], true), m('list-amd64'), dAmd);
  await add('armOnly', 'multi/plugin', 'arm-only', index([{ image: arm64, platform: { architecture: 'arm64', os: 'linux' } }]));
  if (reg.auth !== 'none') await add('private', 'private/compat', 'latest', fsImage([[{ name: 'plugin.wasm', data: m('private') }]]), m('private'));
  return out;
}
