// Manifests: fetched with all four manifest types in Accept (distribution 2.8 answers 404/400
// otherwise; distribution-spec, "Pulling manifests"), read under a 4 MiB cap, hashed, and checked against the
// digest asked for (go-containerregistry remote/fetcher.go). A tag is resolved with HEAD (which
// Docker Hub does not count as a pull) and then fetched by digest, so the digest-keyed cache
// answers everything but the tag itself. An index resolves to linux/amd64 exactly as Istio's
// go-containerregistry does (remote/index.go childByPlatform).

import type { ContentCache } from './cache.ts';
import { digestOf, isSupportedDigest, matchesDigest } from './cache.ts';
import { failure, isFailure, toFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';
import type { HttpResponse, Transport } from './transport.ts';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_ENTRIES = 1000;
const MAX_NESTING = 4;

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
}
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
}
export interface ImageManifest {
  readonly kind: 'image';
  readonly mediaType: string;
  /** The JSON `mediaType` field itself: Istio decides "Docker image" on it alone. */
  readonly declaredMediaType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations: Readonly<Record<string, string>>;
  /** The manifest this one refers to (an OCI 1.1 referrer: a signature, an SBOM). */
  readonly subject?: Descriptor;
}
export interface IndexManifest {
  readonly kind: 'index';
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}
export type Manifest = ImageManifest | IndexManifest;

/** One repository of one registry, with the transport and cache to reach it. */
export interface RepoContext {
  readonly transport: Transport;
  readonly cache: ContentCache;
  readonly registry: string;
  readonly repository: string;
}

export interface FetchedManifest {
  readonly digest: string;
  readonly bytes: Buffer;
  readonly manifest: Manifest;
}

/**
 * The platform image a reference names: a tag or digest, through any index, to one image manifest.
 * `index` is the digest of the top-level index it was chosen from, when the reference names one.
 */
export async function resolvePlatformManifest(
  ctx: RepoContext,
  ref: { readonly tag?: string; readonly digest?: string },
): Promise<(FetchedManifest & { readonly manifest: ImageManifest; readonly index?: string }) | ResolveFailure> {
  let top: FetchedManifest | ResolveFailure;
  if (ref.digest !== undefined) top = await manifestByDigest(ctx, ref.digest);
  else {
    const head = await headManifest(ctx, ref.tag ?? 'latest');
    if (isFailure(head)) return head;
    top = head !== undefined ? await manifestByDigest(ctx, head) : await manifestByTag(ctx, ref.tag ?? 'latest');
  }
  const index = !isFailure(top) && top.manifest.kind === 'index' ? top.digest : undefined;
  for (let depth = 0; depth <= MAX_NESTING; depth++) {
    if (isFailure(top)) return top;
    const m = top.manifest;
    if (m.kind === 'image') return { ...top, manifest: m, ...(index !== undefined ? { index } : {}) };
    const child = selectPlatform(m);
    if (isFailure(child)) return child;
    top = await manifestByDigest(ctx, child.digest);
  }
  return failure('RESOLVE_FAILED', `indexes nested more than ${MAX_NESTING} deep`);
}

/** Istio's choice in an index: the first linux/amd64 entry, an entry without platform counting as one. */
export function selectPlatform(index: IndexManifest): Descriptor | ResolveFailure {
  const found: string[] = [];
  for (const d of index.manifests) {
    if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    const p = d.platform ?? { architecture: 'amd64', os: 'linux' };
    if (p.architecture === 'amd64' && p.os === 'linux') return d;
    found.push(`${p.os}/${p.architecture}`);
  }
  return failure(
    'IMAGE_NOT_LOADABLE',
    `the index has no linux/amd64 entry, the platform Istio pulls (it has: ${found.length > 0 ? found.join(', ') : 'none'}); add a linux/amd64 entry or push a single-platform image`,
  );
}

/** HEAD a tag for its digest; undefined when the registry sends no usable Docker-Content-Digest. */
export async function headManifest(ctx: RepoContext, reference: string): Promise<string | undefined | ResolveFailure> {
  const res = await requestManifest(ctx, 'HEAD', reference, 0, [200]);
  if (isFailure(res)) return res;
  const d = res.headers.get('docker-content-digest');
  return d !== null && isSupportedDigest(d) ? d : undefined;
}

/** A manifest by digest: from the cache when it holds it (zero requests), else fetched and checked. */
export async function manifestByDigest(ctx: RepoContext, digest: string): Promise<FetchedManifest | ResolveFailure> {
  if (!isSupportedDigest(digest)) return failure('RESOLVE_FAILED', `digest ${digest} uses an algorithm meshext cannot check`);
  const cached = await ctx.cache.get('manifests', digest, MAX_MANIFEST_BYTES);
  if (cached !== undefined) {
    const manifest = parseManifest(cached);
    if (typeof manifest !== 'string') return { digest, bytes: cached, manifest };
  }
  const got = await getManifest(ctx, digest);
  if (isFailure(got)) return got;
  const wrong = await keepByDigest(ctx, digest, got.bytes);
  return wrong ?? { digest, ...got };
}

/**
 * A manifest's bytes by digest, hashed and cached like every manifest but not parsed: for content
 * whose shape the caller judges (a signature's manifest, an index whose entries are re-checked).
 */
export async function manifestBytesByDigest(ctx: RepoContext, digest: string, maxBytes = MAX_MANIFEST_BYTES): Promise<Buffer | ResolveFailure> {
  if (!isSupportedDigest(digest)) return failure('RESOLVE_FAILED', `digest ${digest} uses an algorithm meshext cannot check`);
  const cached = await ctx.cache.get('manifests', digest, maxBytes);
  if (cached !== undefined) return cached;
  const res = await requestManifest(ctx, 'GET', digest, maxBytes, [200]);
  if (isFailure(res)) return res;
  return (await keepByDigest(ctx, digest, res.body)) ?? res.body;
}

/** Bytes the registry sent for a digest: cached when they hash to it, else the failure saying what they hash to. */
async function keepByDigest(ctx: RepoContext, digest: string, bytes: Buffer): Promise<ResolveFailure | undefined> {
  if (!matchesDigest(bytes, digest)) {
    return failure('SHA256_MISMATCH', `the registry sent manifest bytes whose digest is ${digestOf(bytes, digest.split(':')[0])}, not the requested ${digest}`);
  }
  await ctx.cache.put('manifests', digest, bytes);
  return undefined;
}

/** Bytes the registry sent for a tag: their digest, cached, unless they contradict the digest the registry claimed for it. */
async function keepByTag(ctx: RepoContext, tag: string, bytes: Buffer, claimed: string | null): Promise<string | ResolveFailure> {
  const digest = digestOf(bytes)!;
  if (claimed !== null && claimed.startsWith('sha256:') && claimed !== digest) {
    return failure('SHA256_MISMATCH', `the registry says tag ${tag} is ${claimed}, but the manifest it sent hashes to ${digest}`);
  }
  await ctx.cache.put('manifests', digest, bytes);
  return digest;
}

/**
 * What a tag names now, or undefined when the registry has no such tag (404): a HEAD for its
 * digest, then the bytes by digest, which the cache answers, as a platform tag is resolved; or,
 * `viaHead` false, one GET (small manifests that change as signatures are added: one round trip
 * cold, the same one warm). Not parsed.
 */
export async function tagManifestIfPresent(ctx: RepoContext, tag: string, maxBytes = MAX_MANIFEST_BYTES, viaHead = true): Promise<{ readonly digest: string; readonly bytes: Buffer } | undefined | ResolveFailure> {
  if (viaHead) {
    const head = await requestManifest(ctx, 'HEAD', tag, 0, [200, 404]);
    if (isFailure(head)) return head;
    if (head.status === 404) return undefined;
    const named = head.headers.get('docker-content-digest');
    if (named !== null && isSupportedDigest(named)) {
      const bytes = await manifestBytesByDigest(ctx, named, maxBytes);
      return isFailure(bytes) ? bytes : { digest: named, bytes };
    }
  }
  const res = await requestManifest(ctx, 'GET', tag, maxBytes, [200, 404]);
  if (isFailure(res)) return res;
  if (res.status === 404) return undefined;
  const digest = await keepByTag(ctx, tag, res.body, res.headers.get('docker-content-digest'));
  return isFailure(digest) ? digest : { digest, bytes: res.body };
}

/** A manifest by tag, when HEAD gave no digest: the digest is the hash of the bytes we got. */
async function manifestByTag(ctx: RepoContext, tag: string): Promise<FetchedManifest | ResolveFailure> {
  const got = await getManifest(ctx, tag);
  if (isFailure(got)) return got;
  const digest = await keepByTag(ctx, tag, got.bytes, got.headerDigest);
  return isFailure(digest) ? digest : { digest, bytes: got.bytes, manifest: got.manifest };
}

async function getManifest(ctx: RepoContext, reference: string): Promise<{ bytes: Buffer; manifest: Manifest; headerDigest: string | null } | ResolveFailure> {
  const res = await requestManifest(ctx, 'GET', reference, MAX_MANIFEST_BYTES, [200]);
  if (isFailure(res)) return res;
  const manifest = parseManifest(res.body, res.headers.get('content-type') ?? undefined);
  if (typeof manifest === 'string') return failure('RESOLVE_FAILED', `manifest ${reference}: ${manifest}`);
  return { bytes: res.body, manifest, headerDigest: res.headers.get('docker-content-digest') };
}

async function requestManifest(ctx: RepoContext, method: 'GET' | 'HEAD', reference: string, maxBytes: number, ok: readonly number[]): Promise<HttpResponse | ResolveFailure> {
  const res = await ctx.transport.registry({ ...target(ctx), method, path: manifestPath(ctx, reference), headers: { accept: MANIFEST_ACCEPT }, ok, maxBytes });
  return 'kind' in res || isFailure(res) ? toFailure(res) : res;
}

const target = (ctx: RepoContext): { registry: string; repository: string } => ({ registry: ctx.registry, repository: ctx.repository });
const manifestPath = (ctx: RepoContext, reference: string): string => `/v2/${ctx.repository}/manifests/${reference}`;

/** Structure check of a manifest (image-spec manifest.md, image-index.md; Docker schema 2); an error text if it is not one. */
export function parseManifest(bytes: Uint8Array, contentType?: string): Manifest | string {
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'is not a JSON object';
    json = parsed as Record<string, unknown>;
  } catch {
    return 'is not valid JSON';
  }
  if (json.schemaVersion !== 2) return `has schemaVersion ${JSON.stringify(json.schemaVersion)}; only schema 2 manifests are supported`;
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = contentType?.split(';')[0]!.trim().toLowerCase();
  const known = new Set<string>(Object.values(MEDIA));
  if (declared !== undefined && header !== undefined && known.has(header) && header !== declared) {
    return `has mediaType ${declared} but was served as ${header}`;
  }
  const mediaType = declared ?? (header && known.has(header) ? header : Array.isArray(json.manifests) ? MEDIA.ociIndex : MEDIA.ociManifest);
  if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList) {
    const manifests = descriptors(json.manifests);
    return typeof manifests === 'string' ? `manifests: ${manifests}` : { kind: 'index', mediaType, manifests };
  }
  if (mediaType !== MEDIA.ociManifest && mediaType !== MEDIA.dockerManifest) return `has unsupported media type ${mediaType}`;
  const config = descriptor(json.config);
  if (typeof config === 'string') return `config: ${config}`;
  const layers = descriptors(json.layers);
  if (typeof layers === 'string') return `layers: ${layers}`;
  const subject = json.subject === undefined ? undefined : descriptor(json.subject);
  if (typeof subject === 'string') return `subject: ${subject}`;
  return {
    kind: 'image',
    mediaType,
    ...(declared !== undefined ? { declaredMediaType: declared } : {}),
    config,
    layers,
    annotations: strings(json.annotations),
    ...(subject !== undefined ? { subject } : {}),
  };
}

function descriptors(v: unknown): Descriptor[] | string {
  if (!Array.isArray(v)) return 'is not a list';
  if (v.length > MAX_ENTRIES) return `has more than ${MAX_ENTRIES} entries`;
  const out: Descriptor[] = [];
  for (const [i, item] of v.entries()) {
    const d = descriptor(item);
    if (typeof d === 'string') return `[${i}]: ${d}`;
    out.push(d);
  }
  return out;
}

/** One descriptor (image-spec descriptor.md): an error text if it is not one. */
export function descriptor(v: unknown): Descriptor | string {
  if (typeof v !== 'object' || v === null) return 'is not a descriptor object';
  const o = v as Record<string, unknown>;
  if (typeof o.mediaType !== 'string') return 'has no mediaType';
  if (typeof o.digest !== 'string' || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(o.digest)) return 'has no valid digest';
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) return 'has no valid size';
  const p = o.platform as Record<string, unknown> | undefined;
  const platform =
    typeof p === 'object' && p !== null && typeof p.architecture === 'string' && typeof p.os === 'string'
      ? { architecture: p.architecture, os: p.os, ...(typeof p.variant === 'string' ? { variant: p.variant } : {}) }
      : undefined;
  const annotations = strings(o.annotations);
  return {
    mediaType: o.mediaType,
    digest: o.digest,
    size: o.size,
    ...(platform ? { platform } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}
