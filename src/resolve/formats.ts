// Would Istio load this image? Decided with Istio's own rules (pkg/wasm/imagefetcher.go
// PrepareFetch in istio/istio), not a friendlier guess: a manifest whose JSON mediaType is
// Docker schema 2 is read only as compat (last layer rootfs.diff.tar.gzip, first entry whose
// filepath.Base is plugin.wasm); any other manifest is tried as OCI compat (last layer
// tar+gzip), then as the Wasm artifact (exactly two layers, the one of type
// application/vnd.module.wasm.content.layer.v1+wasm read raw); the result must start with \0asm.
// Defaults come from what the image says about itself: Maistra's manifest.yaml in the merged
// filesystem of all layers (as `podman cp` saw it), the Wasm config's rootIds, and the
// annotations `meshext convert-image` writes.

import { parse as parseYaml } from 'yaml';
import type { ImageDefaults, ImageFormat } from '../model/image.ts';
import type { Descriptor, ImageManifest } from './manifest.ts';
import { MEDIA } from './manifest.ts';
import { failure, isFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';
import { goBase, LAYER_MEDIA, normalizePath, readTarLayer } from './tar-layer.ts';
import type { LayerBudget, TarFile } from './tar-layer.ts';

export const WASM_MEDIA = {
  config: 'application/vnd.module.wasm.config.v1+json',
  layer: 'application/vnd.module.wasm.content.layer.v1+wasm',
} as const;
/** Annotations `meshext convert-image` carries Maistra's defaults over in. */
export const DEFAULTS_ANNOTATION = { phase: 'dev.meshext.image.phase', priority: 'dev.meshext.image.priority' } as const;

const WASME_CONFIG = 'application/vnd.io.solo.wasm.config.v1+json';
const MAISTRA_PHASES = new Set(['PreAuthN', 'PostAuthN', 'PreAuthZ', 'PostAuthZ', 'PreStats', 'PostStats']);
const ISTIO_PHASES = new Set(['AUTHN', 'AUTHZ', 'STATS', 'UNSPECIFIED_PHASE']);
// Layers holding a raw module that Istio does not look for, by the tools that make them.
const OTHER_WASM_LAYERS = new Set(['application/vnd.io.solo.wasm.code.v1+wasm', 'application/vnd.wasm.content.layer.v1+wasm', 'application/wasm']);
const TAR_LAYERS = new Map<string, boolean>([
  [LAYER_MEDIA.ociTarGzip, true],
  [LAYER_MEDIA.dockerTarGzip, true],
  [LAYER_MEDIA.ociTar, false],
]);

export interface ImageSource {
  readonly manifest: ImageManifest;
  /** A blob, size-capped, digest-checked and cached. */
  blob(desc: Descriptor): Promise<Uint8Array | ResolveFailure>;
  readonly maxLayerBytes: number;
}

export interface ImageFacts {
  readonly format: Extract<ImageFormat, 'compat' | 'oci-artifact'>;
  readonly module: Uint8Array;
  readonly defaults: ImageDefaults;
}

/** What an image holds, as far as Istio and Maistra are concerned. */
export interface Inspection {
  /** What Istio's fetcher would get, or why it gets nothing. */
  readonly istio: { readonly format: ImageFacts['format']; readonly module: Uint8Array; readonly from: string } | { readonly error: string };
  readonly maistra?: { readonly module: string; readonly moduleBytes?: Uint8Array; readonly phase?: string; readonly priority?: number };
  readonly rootIds?: readonly string[];
  /** Raw-module layers of any tool's media type (wasme, oras, wasm-to-oci). */
  readonly wasmLayers: readonly Descriptor[];
}

const EXPECTS =
  `Istio loads a compat image (plugin.wasm in the last layer, of type ${LAYER_MEDIA.ociTarGzip} or ${LAYER_MEDIA.dockerTarGzip}) ` +
  `or a Wasm OCI artifact of exactly two layers (${WASM_MEDIA.config} and ${WASM_MEDIA.layer}).`;
const fix = (image: string): string => `Fix: run \`meshext convert-image ${image} <new reference>\` and declare the pinned reference it prints.`;

/** Whether Istio's fetcher could load the image (README, "Images, the lock and the cache"): facts for a loadable image, IMAGE_NOT_LOADABLE saying why and how to fix it otherwise. */
export async function classifyImage(image: string, src: ImageSource): Promise<ImageFacts | ResolveFailure> {
  const seen = await inspectImage(src);
  if (isFailure(seen)) return seen;
  const { istio, maistra } = seen;
  const notLoadable = (why: string): ResolveFailure => failure('IMAGE_NOT_LOADABLE', `${why} ${EXPECTS} ${fix(image)}`);
  if ('error' in istio) {
    if (maistra) return notLoadable(`it is a Maistra extension image whose module is /${maistra.module} (manifest.yaml), and Istio does not read manifest.yaml: it finds no module it can load (${istio.error}).`);
    const all = [src.manifest.config, ...src.manifest.layers];
    if (all.some((d) => d.mediaType.startsWith('application/vnd.io.solo.wasm.'))) {
      return notLoadable('it is an old solo.io wasme image (application/vnd.io.solo.wasm.* media types), which Istio does not load.');
    }
    if (src.manifest.layers.length === 1 && seen.wasmLayers.length === 1) {
      return notLoadable('it is a single-layer Wasm artifact (as `oras push` or wasm-to-oci make it); Istio requires exactly two layers and fails with "number of layers must be 2 but got 1".');
    }
    return notLoadable(`Istio cannot load it: ${istio.error}.`);
  }
  if (!isWasm(istio.module)) {
    return failure('IMAGE_NOT_LOADABLE', `the module Istio would load (${istio.from}) does not start with the Wasm magic bytes \\0asm; rebuild the image with a compiled Wasm module.`);
  }
  if (maistra && !(maistra.moduleBytes && Buffer.from(maistra.moduleBytes).equals(istio.module))) {
    return notLoadable(`it is a Maistra extension image whose module is /${maistra.module} (manifest.yaml), but Istio would load ${istio.from} instead.`);
  }
  const annotations = src.manifest.annotations;
  const phase = maistra?.phase ?? annotatedPhase(annotations[DEFAULTS_ANNOTATION.phase]);
  const priority = maistra?.priority ?? annotatedPriority(annotations[DEFAULTS_ANNOTATION.priority]);
  const defaults: ImageDefaults = {
    ...(phase !== undefined ? { phase: phase as ImageDefaults['phase'] } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(seen.rootIds !== undefined ? { rootIds: seen.rootIds } : {}),
  };
  return { format: istio.format, module: istio.module, defaults };
}

/** Reads everything the decision needs; a registry or archive problem is a failure, not "unloadable". */
export async function inspectImage(src: ImageSource): Promise<Inspection | ResolveFailure> {
  const m = src.manifest;
  const tars = new Map<string, Promise<TarFile[] | ResolveFailure>>();
  // One bound for all layers together: many layers, each under it, must not add up to gigabytes.
  const budget: LayerBudget = { left: src.maxLayerBytes };
  const tarOf = (d: Descriptor, gz: boolean): Promise<TarFile[] | ResolveFailure> => {
    let p = tars.get(d.digest);
    if (p === undefined) tars.set(d.digest, (p = readLayer(src, d, gz, budget)));
    return p;
  };
  // Istio, step by step.
  const compat = async (expected: string): Promise<{ module: Uint8Array; from: string } | string | ResolveFailure> => {
    const last = m.layers.at(-1);
    if (last === undefined) return 'it has no layers';
    if (last.mediaType !== expected) return `its last layer is of type ${last.mediaType}, not ${expected}`;
    const files = await tarOf(last, true);
    if (isFailure(files)) return files;
    const hit = files.find((f) => goBase(f.rawName) === 'plugin.wasm');
    return hit ? { module: hit.data, from: `${hit.rawName} in the last layer` } : 'its last layer has no plugin.wasm';
  };
  let istio: Inspection['istio'];
  const c = await compat(m.declaredMediaType === MEDIA.dockerManifest ? LAYER_MEDIA.dockerTarGzip : LAYER_MEDIA.ociTarGzip);
  if (isFailure(c)) return c;
  if (typeof c !== 'string') istio = { format: 'compat', ...c };
  else if (m.declaredMediaType === MEDIA.dockerManifest) istio = { error: `as a Docker image, ${c}` };
  else {
    const layer = m.layers.length === 2 ? m.layers.find((l) => l.mediaType === WASM_MEDIA.layer) : undefined;
    if (layer !== undefined) {
      const raw = await src.blob(layer);
      if (isFailure(raw)) return raw;
      istio = { format: 'oci-artifact', module: raw, from: `the ${WASM_MEDIA.layer} layer` };
    } else {
      const why = m.layers.length !== 2 ? `it has ${m.layers.length} layer${m.layers.length === 1 ? '' : 's'}, not 2` : `it has no ${WASM_MEDIA.layer} layer`;
      istio = { error: `not as compat (${c}), not as a Wasm artifact (${why})` };
    }
  }
  // The merged filesystem, for manifest.yaml and runtime-config.json.
  const fs = new Map<string, TarFile>();
  for (const layer of m.layers) {
    if (layer.mediaType.endsWith('+zstd') || layer.mediaType.endsWith('.zstd')) {
      return failure('RESOLVE_FAILED', `layer ${layer.digest} is zstd-compressed (${layer.mediaType}), which meshext cannot read`);
    }
    const gz = TAR_LAYERS.get(layer.mediaType);
    if (gz === undefined) continue;
    const files = await tarOf(layer, gz);
    if (isFailure(files)) return files;
    applyLayer(fs, files);
  }
  const maistra = readMaistra(fs);
  if (isFailure(maistra)) return maistra;
  const rootIds = await readRootIds(src, fs);
  if (isFailure(rootIds)) return rootIds;
  return {
    istio,
    ...(maistra ? { maistra } : {}),
    ...(rootIds ? { rootIds } : {}),
    wasmLayers: m.layers.filter((l) => OTHER_WASM_LAYERS.has(l.mediaType) || l.mediaType === WASM_MEDIA.layer),
  };
}

export function isWasm(b: Uint8Array): boolean {
  // Istio's isValidWasmBinary: at least the 8-byte header, starting with \0asm.
  return b.length >= 8 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;
}

async function readLayer(src: ImageSource, d: Descriptor, gz: boolean, budget: LayerBudget): Promise<TarFile[] | ResolveFailure> {
  const blob = await src.blob(d);
  if (isFailure(blob)) return blob;
  const files = await readTarLayer(blob, gz, src.maxLayerBytes, budget);
  return typeof files === 'string' ? failure('RESOLVE_FAILED', `layer ${d.digest} cannot be read: ${files}`) : files;
}

/** One layer over the lower ones: whiteouts (`.wh.x`, `.wh..wh..opq`) remove lower entries, then files land. */
function applyLayer(fs: Map<string, TarFile>, files: readonly TarFile[]): void {
  const removeTree = (p: string, keepSelf: boolean): void => {
    for (const k of [...fs.keys()]) if ((!keepSelf && k === p) || k.startsWith(p === '' ? '' : `${p}/`)) fs.delete(k);
  };
  for (const f of files) {
    const slash = f.path.lastIndexOf('/');
    const dir = slash < 0 ? '' : f.path.slice(0, slash);
    const base = f.path.slice(slash + 1);
    if (base === '.wh..wh..opq') removeTree(dir, true);
    else if (base.startsWith('.wh.')) removeTree(dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`, false);
  }
  for (const f of files) if (!f.path.split('/').at(-1)!.startsWith('.wh.')) fs.set(f.path, f);
}

/** A regular file's bytes in the merged filesystem, following one hard link. */
function fileData(fs: Map<string, TarFile>, path: string): Uint8Array | undefined {
  const f = fs.get(path);
  if (f?.type === 'link' && f.linkname !== undefined) {
    const target = normalizePath(f.linkname);
    return target === undefined ? undefined : fs.get(target)?.type === 'file' ? fs.get(target)!.data : undefined;
  }
  return f?.type === 'file' ? f.data : undefined;
}

/** Maistra's /manifest.yaml (mec/pkg/model/types.go): module path, phase, priority. */
function readMaistra(fs: Map<string, TarFile>): Inspection['maistra'] | ResolveFailure | undefined {
  const raw = fileData(fs, 'manifest.yaml');
  if (raw === undefined) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(Buffer.from(raw).toString('utf8'), { maxAliasCount: 100 });
  } catch {
    return failure('RESOLVE_FAILED', 'its /manifest.yaml is not valid YAML');
  }
  if (typeof doc !== 'object' || doc === null) return failure('RESOLVE_FAILED', 'its /manifest.yaml is not a mapping');
  const { module, phase, priority } = doc as Record<string, unknown>;
  if (typeof module !== 'string' || module === '') return failure('RESOLVE_FAILED', 'its /manifest.yaml names no module');
  if (phase !== undefined && !(typeof phase === 'string' && MAISTRA_PHASES.has(phase))) {
    return failure('RESOLVE_FAILED', `its /manifest.yaml has phase ${JSON.stringify(phase)}; Maistra phases are ${[...MAISTRA_PHASES].join(', ')}`);
  }
  if (priority !== undefined && !(typeof priority === 'number' && Number.isSafeInteger(priority))) {
    return failure('RESOLVE_FAILED', `its /manifest.yaml has priority ${JSON.stringify(priority)}, not an integer`);
  }
  const path = normalizePath(module);
  const moduleBytes = path === undefined ? undefined : fileData(fs, path);
  return {
    module: path ?? module,
    ...(moduleBytes ? { moduleBytes } : {}),
    ...(typeof phase === 'string' ? { phase } : {}),
    ...(typeof priority === 'number' ? { priority } : {}),
  };
}

/** `config.rootIds` of the Wasm runtime config: the config layer, the manifest config, or runtime-config.json. */
async function readRootIds(src: ImageSource, fs: Map<string, TarFile>): Promise<readonly string[] | ResolveFailure | undefined> {
  const m = src.manifest;
  // wasme's config has the same shape under its old media type; convert-image carries its rootIds over.
  const isConfig = (d: Descriptor): boolean => d.mediaType === WASM_MEDIA.config || d.mediaType === WASME_CONFIG;
  const desc = m.layers.find(isConfig) ?? (isConfig(m.config) ? m.config : undefined);
  let raw: Uint8Array | undefined;
  if (desc !== undefined) {
    const b = await src.blob(desc);
    if (isFailure(b)) return b;
    raw = b;
  } else raw = fileData(fs, 'runtime-config.json');
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    return failure('RESOLVE_FAILED', 'its Wasm runtime config is not valid JSON');
  }
  const ids = (json as { config?: { rootIds?: unknown } })?.config?.rootIds;
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.length > 100 || !ids.every((x) => typeof x === 'string' && x !== '' && x.length <= 256)) {
    return failure('RESOLVE_FAILED', 'its Wasm runtime config has config.rootIds that is not a list of names');
  }
  return ids as string[];
}

function annotatedPhase(v: string | undefined): string | undefined {
  return v !== undefined && (MAISTRA_PHASES.has(v) || ISTIO_PHASES.has(v)) ? v : undefined;
}

function annotatedPriority(v: string | undefined): number | undefined {
  return v !== undefined && /^-?\d{1,10}$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : undefined;
}
