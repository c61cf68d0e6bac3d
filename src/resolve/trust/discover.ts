// Signature discovery on a registry: every candidate signature or attestation of one digest in its
// repository, read but not verified (verification is offline and separate, so the lock can carry
// what was found here). Two layouts are in use:
//
// - cosign's classic tags `sha256-<hex>.sig` (and `.att`): one image manifest, one signature per
//   layer, the payload in the blob and the signature, certificate and log entry in the layer's
//   annotations;
// - Sigstore bundles attached as OCI 1.1 referrers (cosign v3, GitHub attestations): through the
//   referrers API, or, where the registry lacks it (docker-registry 2.8), the `sha256-<hex>` index
//   the writers keep instead. A referrer counts whatever artifactType its descriptor claims, since
//   cosign up to 3.0.6 listed bundles as application/vnd.oci.empty.v1+json; as cosign reads them,
//   a bundle is a manifest with exactly one layer of a bundle media type.
//
// Tags and the referrers list are asked live every time (signatures get added); every manifest and
// blob is then fetched by digest, hashed and cached like all registry content. Counts and sizes are
// bounded, so a flood of referrers or a huge signature layer cannot stall a render: what is left
// out is said in a log line. A referrer that is not a bundle for this digest is skipped; bytes that
// do not match their digest, or a registry that fails, fail the discovery.

import type { Discovery, Found, FoundAt } from '../../model/trust.ts';
import { fetchBlob } from '../blob.ts';
import { isSupportedDigest } from '../cache.ts';
import { descriptor, manifestBytesByDigest, MAX_MANIFEST_BYTES, MEDIA, parseManifest, tagManifestIfPresent } from '../manifest.ts';
import type { Descriptor, RepoContext } from '../manifest.ts';
import { failure, isFailure, toFailure } from '../registry-error.ts';
import type { ResolveFailure } from '../registry-error.ts';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
/** Every bundle media type starts so: v0.3's own, and the `…bundle+json;version=0.x` of older ones. */
export const BUNDLE_MEDIA_PREFIX = 'application/vnd.dev.sigstore.bundle';
export const EMPTY_MEDIA = 'application/vnd.oci.empty.v1+json';

/** A signature payload, an attestation envelope or a bundle is a few KiB; anything larger is not one. */
export const MAX_SIGNATURE_BYTES = 1024 * 1024;
/** A referrer's manifest is under 1 KiB when it holds a bundle. */
export const MAX_REFERRER_MANIFEST_BYTES = 16 * 1024;
/**
 * What one tag's layers, or one digest's referrer bundles, may add up to: a handful of signers
 * need a few KiB each, and a hostile registry must not make a render hold gigabytes (16 images
 * at once, each with its index). Chosen in order from declared sizes, so what is read never
 * depends on timing.
 */
export const MAX_CANDIDATE_BYTES_PER_SOURCE = 8 * 1024 * 1024;
/** Referrers read per digest: enough for every signer and attestation type in use, bounded against a flood. */
export const MAX_REFERRERS = 64;
/** Layers read from a `.sig` or `.att` manifest (each signing appends one). */
export const MAX_SIGNATURE_LAYERS = 32;
const IN_FLIGHT = 8;

export interface DiscoverOptions {
  /** Also read the `.att` tag (classic attestations). */
  readonly attestations: boolean;
  /** What was skipped and why (stderr, redacted by the caller). */
  readonly log?: (line: string) => void;
}

/** Every candidate for `digest` in `ctx`'s repository, in a fixed order: `.sig` layers, bundles, `.att` layers. */
export async function discoverSignatures(ctx: RepoContext, digest: string, opts: DiscoverOptions): Promise<Discovery | ResolveFailure> {
  if (!isSupportedDigest(digest)) return failure('RESOLVE_FAILED', `cannot look for signatures of ${digest}: not a digest meshext can check`);
  const [algorithm, hex] = digest.split(':') as [string, string];
  const tag = `${algorithm}-${hex}`;
  const log = (line: string): void => opts.log?.(`signatures of ${ctx.registry}/${ctx.repository}@${digest}: ${line}`);
  const [sig, bundles, att] = await Promise.all([
    classicLayers(ctx, `${tag}.sig`, '.sig tag', SIMPLE_SIGNING, log),
    referrerBundles(ctx, digest, tag, log),
    opts.attestations ? classicLayers(ctx, `${tag}.att`, '.att tag', DSSE_ENVELOPE, log) : undefined,
  ]);
  for (const r of [sig, bundles, att]) {
    if (isFailure(r)) return failure(r.code, `looking for signatures of ${digest}: ${r.message}`);
  }
  const s = sig as Found[];
  const b = bundles as { readonly at: FoundAt; readonly found: readonly Found[] };
  const a = att as Found[] | undefined;
  return {
    digest,
    found: [...s, ...b.found, ...(a ?? [])],
    lookedAt: ['.sig tag', b.at, ...(a ? (['.att tag'] as const) : [])],
  };
}

/** The layers of one classic tag that have the expected media type; none when the tag does not exist. */
async function classicLayers(ctx: RepoContext, tag: string, at: FoundAt, mediaType: string, log: (line: string) => void): Promise<Found[] | ResolveFailure> {
  const got = await tagManifestIfPresent(ctx, tag, MAX_MANIFEST_BYTES, false);
  if (got === undefined) return [];
  if (isFailure(got)) return failure(got.code, `tag ${tag}: ${got.message}`);
  const m = parseManifest(got.bytes);
  if (typeof m === 'string' || m.kind !== 'image') {
    log(`tag ${tag} (${got.digest}) is not an image manifest (${typeof m === 'string' ? m : 'it is an index'}); skipped`);
    return [];
  }
  const layers = m.layers.filter((l) => l.mediaType === mediaType);
  if (layers.length < m.layers.length) log(`tag ${tag}: ${m.layers.length - layers.length} layer(s) not of type ${mediaType} skipped`);
  if (layers.length > MAX_SIGNATURE_LAYERS) log(`tag ${tag} has ${layers.length} signature layers; only the first ${MAX_SIGNATURE_LAYERS} are read`);
  const within = withinBudget(layers.slice(0, MAX_SIGNATURE_LAYERS), (l) => (l.size > MAX_SIGNATURE_BYTES ? 0 : l.size), (l) => log(`tag ${tag}: layer ${l.digest} (${l.size} bytes) would take the layers read past ${MAX_CANDIDATE_BYTES_PER_SOURCE} bytes; skipped`));
  const read = await inOrder(within, async (l): Promise<Found | undefined | ResolveFailure> => {
    if (l.size > MAX_SIGNATURE_BYTES) {
      log(`tag ${tag}: layer ${l.digest} is ${l.size} bytes, more than the ${MAX_SIGNATURE_BYTES} a signature can be; skipped`);
      return undefined;
    }
    const payload = await fetchBlob(ctx, l, MAX_SIGNATURE_BYTES);
    if (isFailure(payload)) return failure(payload.code, `tag ${tag}: ${payload.message}`);
    return { kind: 'classic', at, mediaType: l.mediaType, payload, annotations: l.annotations ?? {} };
  });
  return isFailure(read) ? read : read.filter((f) => f !== undefined);
}

interface Listed {
  readonly desc: Descriptor;
  readonly artifactType?: string;
}

/** Bundles among the referrers of `digest`: from the referrers API, else from the tag-schema index. */
async function referrerBundles(
  ctx: RepoContext,
  digest: string,
  tag: string,
  log: (line: string) => void,
): Promise<{ readonly at: FoundAt; readonly found: readonly Found[] } | ResolveFailure> {
  const listed = await referrers(ctx, digest, tag);
  if (isFailure(listed)) return listed;
  const { at, entries, invalid } = listed;
  if (invalid > 0) log(`${invalid} malformed entr${invalid === 1 ? 'y' : 'ies'} in the ${at} list skipped`);
  const chosen = [...new Map(entries.map((e) => [e.desc.digest, e])).values()].sort(byLikelihood);
  if (chosen.length > MAX_REFERRERS) {
    log(`${chosen.length} referrers listed; only ${MAX_REFERRERS} are read (bundle artifact types first, then by digest), ${chosen.length - MAX_REFERRERS} skipped`);
  }
  const layers = await inOrder(chosen.slice(0, MAX_REFERRERS), (e) => bundleLayerOf(ctx, digest, e.desc, log));
  if (isFailure(layers)) return layers;
  const bundles = withinBudget(
    layers.filter((l) => l !== undefined),
    (l) => l.layer.size,
    (l) => log(`referrer ${l.referrer}: its bundle (${l.layer.size} bytes) would take the bundles read past ${MAX_CANDIDATE_BYTES_PER_SOURCE} bytes; skipped`),
  );
  const read = await inOrder(bundles, (l) => bundleOf(ctx, at, l, log));
  return isFailure(read) ? read : { at, found: read.filter((f) => f !== undefined) };
}

/** The items, in order, whose sizes fit the budget together; `skip` is told of each left out. */
function withinBudget<T>(items: readonly T[], size: (item: T) => number, skip: (item: T) => void): T[] {
  let left = MAX_CANDIDATE_BYTES_PER_SOURCE;
  return items.filter((item) => {
    if (size(item) <= left) {
      left -= size(item);
      return true;
    }
    skip(item);
    return false;
  });
}

/** Descriptors that say they hold a bundle first, then those that say nothing useful (cosign ≤ 3.0.6), then the rest; by digest within each. */
function byLikelihood(a: Listed, b: Listed): number {
  const rank = (t: string | undefined): number => (t?.startsWith(BUNDLE_MEDIA_PREFIX) ? 0 : t === undefined || t === EMPTY_MEDIA ? 1 : 2);
  return rank(a.artifactType) - rank(b.artifactType) || (a.desc.digest < b.desc.digest ? -1 : a.desc.digest > b.desc.digest ? 1 : 0);
}

/**
 * The referrers list: a 200 OCI index from the API, else the `sha256-<hex>` tag (ggcr's and
 * cosign's read path). Both are asked at once, so a registry without the API costs one round trip,
 * not two; the tag's answer is used only when the API gave none.
 */
async function referrers(ctx: RepoContext, digest: string, tag: string): Promise<{ at: FoundAt; entries: Listed[]; invalid: number } | ResolveFailure> {
  const byTag = tagManifestIfPresent(ctx, tag, MAX_MANIFEST_BYTES, false);
  const res = await ctx.transport.registry({
    registry: ctx.registry,
    repository: ctx.repository,
    method: 'GET',
    path: `/v2/${ctx.repository}/referrers/${digest}`,
    headers: { accept: MEDIA.ociIndex },
    // What a registry without the API answers; anything else is a failure, not "no referrers".
    ok: [200, 400, 404, 405, 501],
    maxBytes: MAX_MANIFEST_BYTES,
  });
  if ('kind' in res || isFailure(res)) {
    await byTag;
    return toFailure(res);
  }
  const type = res.headers.get('content-type')?.split(';')[0]!.trim().toLowerCase();
  if (res.status === 200 && type === MEDIA.ociIndex) {
    await byTag;
    const list = referrerList(res.body);
    return typeof list === 'string' ? failure('RESOLVE_FAILED', `the referrers API answered with a list that ${list}`) : { at: 'referrers', ...list };
  }
  const got = await byTag;
  if (got === undefined) return { at: 'referrers tag', entries: [], invalid: 0 };
  if (isFailure(got)) return failure(got.code, `referrers tag ${tag}: ${got.message}`);
  const list = referrerList(got.bytes);
  return typeof list === 'string' ? failure('RESOLVE_FAILED', `referrers tag ${tag} (${got.digest}) is not a referrers index: it ${list}`) : { at: 'referrers tag', ...list };
}

/**
 * An index's entries, read leniently: a malformed entry is counted and left out rather than
 * failing the others, and there is no cap on their number here (the caller reads a bounded few).
 */
function referrerList(bytes: Buffer): { entries: Listed[]; invalid: number } | string {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'is not valid JSON';
  }
  const manifests = (json as { manifests?: unknown } | null)?.manifests;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Array.isArray(manifests)) return 'has no manifests list';
  const entries: Listed[] = [];
  let invalid = 0;
  for (const item of manifests as unknown[]) {
    const d = descriptor(item);
    if (typeof d === 'string' || !isSupportedDigest(d.digest)) {
      invalid++;
      continue;
    }
    const t = (item as { artifactType?: unknown }).artifactType;
    entries.push({ desc: d, ...(typeof t === 'string' ? { artifactType: t } : {}) });
  }
  return { entries, invalid };
}

/** The bundle layer a referrer holds, undefined when it is not a bundle about `digest`. */
async function bundleLayerOf(ctx: RepoContext, digest: string, d: Descriptor, log: (line: string) => void): Promise<{ readonly referrer: string; readonly layer: Descriptor } | undefined | ResolveFailure> {
  if (d.mediaType !== MEDIA.ociManifest) return undefined;
  if (d.size > MAX_REFERRER_MANIFEST_BYTES) {
    log(`referrer ${d.digest} is ${d.size} bytes, more than the ${MAX_REFERRER_MANIFEST_BYTES} a bundle's manifest can be; skipped`);
    return undefined;
  }
  const bytes = await manifestBytesByDigest(ctx, d.digest, MAX_REFERRER_MANIFEST_BYTES);
  if (isFailure(bytes)) return failure(bytes.code, `referrer ${d.digest}: ${bytes.message}`);
  const m = parseManifest(bytes);
  if (typeof m === 'string' || m.kind !== 'image') {
    log(`referrer ${d.digest} is not an image manifest (${typeof m === 'string' ? m : 'it is an index'}); skipped`);
    return undefined;
  }
  const [layer] = m.layers;
  if (m.layers.length !== 1 || !layer!.mediaType.startsWith(BUNDLE_MEDIA_PREFIX)) return undefined; // an SBOM, a scan report, another artifact
  if (m.subject !== undefined && m.subject.digest !== digest) {
    log(`referrer ${d.digest} is about ${m.subject.digest}, not ${digest}; skipped`);
    return undefined;
  }
  if (layer!.size > MAX_SIGNATURE_BYTES) {
    log(`referrer ${d.digest}: its bundle is ${layer!.size} bytes, more than the ${MAX_SIGNATURE_BYTES} a bundle can be; skipped`);
    return undefined;
  }
  return { referrer: d.digest, layer: layer! };
}

/** The bundle itself, parsed; undefined when it is not JSON. */
async function bundleOf(ctx: RepoContext, at: FoundAt, l: { readonly referrer: string; readonly layer: Descriptor }, log: (line: string) => void): Promise<Found | undefined | ResolveFailure> {
  const blob = await fetchBlob(ctx, l.layer, MAX_SIGNATURE_BYTES);
  if (isFailure(blob)) return failure(blob.code, `referrer ${l.referrer}: ${blob.message}`);
  try {
    return { kind: 'bundle', at, json: JSON.parse(blob.toString('utf8')) as unknown };
  } catch {
    log(`referrer ${l.referrer}: its bundle ${l.layer.digest} is not valid JSON; skipped`);
    return undefined;
  }
}

/** `run` over `items`, a few at a time, results in the items' order; the first failure in that order wins. */
async function inOrder<T, R>(items: readonly T[], run: (item: T) => Promise<R | ResolveFailure>): Promise<R[] | ResolveFailure> {
  const out: (R | ResolveFailure)[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, worker));
  const failed = out.find((r) => isFailure(r));
  return failed !== undefined ? (failed as ResolveFailure) : (out as R[]);
}
