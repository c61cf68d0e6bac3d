// `meshext convert-image SRC DST`: the fix the IMAGE_NOT_LOADABLE message offers. Pull SRC, find
// its module the way its own tooling would (Maistra's manifest.yaml `module`, else what Istio
// would load, else a raw Wasm layer of any tool's media type), and push the one format every
// Istio since 1.12 loads: a two-layer Wasm OCI artifact. Maistra's phase and priority travel
// in manifest annotations that the resolver reads back, so converting an image never silently
// changes where its filter runs.

import { createHash } from 'node:crypto';
import { fetchBlob } from './blob.ts';
import { digestOf } from './cache.ts';
import { classifyImage, DEFAULTS_ANNOTATION, inspectImage, isWasm, WASM_MEDIA } from './formats.ts';
import { createPullKit } from './live-resolver.ts';
import type { LiveResolverOptions } from './live-resolver.ts';
import { MEDIA, parseManifest, resolvePlatformManifest } from './manifest.ts';
import type { Descriptor } from './manifest.ts';
import { pushBlob, pushManifest } from './push.ts';
import { pinnedUrl } from './reference.ts';
import type { ImageRef } from './reference.ts';
import { failure, isFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';

export type ConvertImageOptions = Omit<LiveResolverOptions, 'concurrency' | 'onProgress'>;

export interface ConvertedImage {
  /** `oci://<registry>/<repository>@sha256:…` of the pushed artifact. */
  readonly ref: string;
  readonly digest: string;
}

export async function convertImage(src: ImageRef, dst: ImageRef, opts: ConvertImageOptions): Promise<ConvertedImage | ResolveFailure> {
  if (src.scheme !== 'oci') return failure('RESOLVE_FAILED', `source ${src.canonical} is not an OCI image reference`);
  if (dst.scheme !== 'oci') return failure('RESOLVE_FAILED', `destination ${dst.canonical} is not an OCI image reference`);
  if (dst.digest !== undefined) return failure('RESOLVE_FAILED', `destination ${dst.canonical} names a digest; give a tag to push to`);
  const kit = createPullKit(opts);
  const named = (what: string, f: ResolveFailure): ResolveFailure => failure(f.code, kit.redactor.redact(`${what}: ${f.message}`));

  const from = kit.repo(src);
  const pm = await resolvePlatformManifest(from, src);
  if (isFailure(pm)) return named(`image ${src.canonical}`, pm);
  const source = { manifest: pm.manifest, blob: (d: Descriptor) => fetchBlob(from, d, kit.maxLayerBytes), maxLayerBytes: kit.maxLayerBytes };
  const seen = await inspectImage(source);
  if (isFailure(seen)) return named(`image ${src.canonical}`, seen);

  let module: Uint8Array | undefined = seen.maistra?.moduleBytes ?? ('module' in seen.istio ? seen.istio.module : undefined);
  if (module === undefined && seen.wasmLayers.length > 0) {
    const raw = await source.blob(seen.wasmLayers[0]!);
    if (isFailure(raw)) return named(`image ${src.canonical}`, raw);
    module = raw;
  }
  if (module === undefined || !isWasm(module)) {
    const why = module === undefined ? 'it holds no Wasm module meshext can find (no manifest.yaml module, no plugin.wasm, no Wasm layer)' : 'its module does not start with \\0asm';
    return failure('IMAGE_NOT_LOADABLE', `image ${src.canonical}: ${why}; there is nothing to convert`);
  }

  const config = Buffer.from(JSON.stringify({ type: 'envoy_proxy', config: seen.rootIds ? { rootIds: seen.rootIds } : {} }), 'utf8');
  const annotations: Record<string, string> = { 'org.opencontainers.image.base.name': src.canonical, 'org.opencontainers.image.base.digest': pm.digest };
  if (seen.maistra?.phase !== undefined) annotations[DEFAULTS_ANNOTATION.phase] = seen.maistra.phase;
  if (seen.maistra?.priority !== undefined) annotations[DEFAULTS_ANNOTATION.priority] = String(seen.maistra.priority);
  const configDesc = { mediaType: WASM_MEDIA.config, digest: digestOf(config)!, size: config.length };
  const moduleDesc = { mediaType: WASM_MEDIA.layer, digest: digestOf(module)!, size: module.length };
  // Istio reads the layers; the wasm config is also the manifest config, as `wasme push` does it.
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: configDesc,
      layers: [
        { ...configDesc, annotations: { 'org.opencontainers.image.title': 'runtime-config.json' } },
        { ...moduleDesc, annotations: { 'org.opencontainers.image.title': 'plugin.wasm' } },
      ],
      annotations,
    }),
    'utf8',
  );

  // Check our own output with the same rules a render applies before anything leaves the machine.
  const parsed = parseManifest(manifest);
  if (typeof parsed === 'string' || parsed.kind !== 'image') return failure('RESOLVE_FAILED', `internal error: the converted manifest ${String(parsed)}`);
  const blobs = new Map<string, Uint8Array>([
    [configDesc.digest, config],
    [moduleDesc.digest, module],
  ]);
  const check = await classifyImage(dst.canonical, { manifest: parsed, blob: async (d) => blobs.get(d.digest)!, maxLayerBytes: kit.maxLayerBytes });
  if (isFailure(check) || check.format !== 'oci-artifact') return failure('RESOLVE_FAILED', 'internal error: the converted image does not pass the loadability check');
  if (createHash('sha256').update(check.module).digest('hex') !== digestOf(module)!.slice('sha256:'.length)) {
    return failure('RESOLVE_FAILED', 'internal error: the converted image would load a different module');
  }

  const to = kit.repo(dst);
  for (const [digest, bytes] of blobs) {
    const pushed = await pushBlob(to, bytes, digest);
    if (isFailure(pushed)) return named(`pushing to ${dst.canonical}`, pushed);
  }
  const digest = await pushManifest(to, dst.tag ?? 'latest', manifest, MEDIA.ociManifest);
  if (isFailure(digest)) return named(`pushing to ${dst.canonical}`, digest);
  return { ref: pinnedUrl(dst, digest), digest };
}
