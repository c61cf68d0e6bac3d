// Every distinct image the targets name → what it resolves to, from the lock first
// (docs/decisions.md, decision 17), live otherwise. The only stage that may reach the network, through `live`.

import type { Diagnostic, Sink } from '../model/diagnostic.ts';
import type { ResolvedImage } from '../model/image.ts';
import type { Discovery } from '../model/trust.ts';
import type { Origin } from '../model/extension.ts';
import { at } from '../model/where.ts';
import type { ImageRef } from './reference.ts';
import { parseImageRef } from './reference.ts';
import type { Lock } from './lock.ts';

export interface ResolveFailure {
  readonly code: 'RESOLVE_FAILED' | 'IMAGE_NOT_LOADABLE' | 'SHA256_MISMATCH' | 'DEADLINE_EXCEEDED';
  readonly message: string;
}

/** What live resolution offers; the OCI client implements it. */
export interface LiveResolverLike {
  resolveAll(refs: readonly ImageRef[], onPinned?: (ref: ImageRef, digest: string) => void): Promise<Map<string, ResolvedImage | ResolveFailure>>;
  currentDigest(ref: ImageRef): Promise<string | ResolveFailure>;
  /** Signature and attestation candidates of `digest` in the image's repository; an --offline resolver refuses. */
  discover(ref: ImageRef, digest: string, opts: { readonly attestations: boolean }): Promise<Discovery | ResolveFailure>;
  /** A manifest by digest in the image's repository, hashed (and cached): an index, for the index→child check. */
  manifestBytes(ref: ImageRef, digest: string): Promise<Buffer | ResolveFailure>;
  /** An http(s) module's bundle and the module as downloaded (what a message signature covers); an --offline resolver refuses. */
  discoverUrl(ref: ImageRef, signatureUrl?: string): Promise<{ readonly discovery: Discovery; readonly artifact: Buffer; readonly moduleSha256: string } | ResolveFailure>;
}

export interface ResolveOptions {
  readonly lock: Lock | undefined;
  /** 'none': validate, never touch the network; images the lock lacks get placeholders. */
  readonly mode: 'render' | 'none' | 'relock';
  readonly offline: boolean;
  readonly locked: boolean;
  readonly live?: () => Promise<LiveResolverLike>;
  /** Told each OCI digest as live resolution pins it (signature discovery starts then). */
  readonly onPinned?: (ref: ImageRef, digest: string) => void;
  /** --offline: a resolver that answers from the cache alone, for digest-pinned references the lock lacks. */
  readonly cached?: () => Promise<LiveResolverLike>;
}

export interface ImageUse {
  readonly image: string;
  /** The declaration's `signature` URL: where an http(s) module's Sigstore bundle is. */
  readonly signature?: string;
  readonly origin: Origin;
  readonly path: readonly (string | number)[];
}

export interface ResolveResult {
  /** Keyed by the image string as declared. */
  readonly images: ReadonlyMap<string, ResolvedImage>;
  /** Canonical reference → resolution, for writing the lock. */
  readonly resolved: ReadonlyMap<string, ResolvedImage>;
  readonly failed: boolean;
}

export async function resolveImages(uses: readonly ImageUse[], opts: ResolveOptions, report: Sink): Promise<ResolveResult> {
  const { byImage, usesOf, invalid } = usesByReference(uses);
  let failed = invalid.length > 0;
  for (const { use, error } of invalid) report(at(use.origin, use.path, 'INVALID_REFERENCE', error));
  const refs = uniqueRefs([...byImage.values()]);
  const resolved = new Map<string, ResolvedImage>();
  const toResolve: ImageRef[] = [];
  const fail = (canonical: string, code: Diagnostic['code'], message: string, severity: 'error' | 'warning' = 'error') => {
    for (const u of usesOf.get(canonical) ?? []) report(at(u.origin, u.path, code, message, severity));
    if (severity === 'error') failed = true;
  };
  for (const ref of refs) {
    const locked = opts.lock?.get(ref.canonical);
    if (ref.scheme === 'file') resolved.set(ref.canonical, { ref: ref.canonical, url: ref.canonical, format: 'file', defaults: {} });
    else if (locked && opts.mode !== 'relock') resolved.set(ref.canonical, locked);
    else if (opts.mode === 'none') resolved.set(ref.canonical, placeholder(ref));
    else if (opts.offline && !(ref.scheme === 'oci' && ref.digest && opts.cached)) fail(ref.canonical, 'LOCK_MISSING', `image ${ref.canonical} is not in the lock and --offline forbids the network; run meshext lock`);
    else if (opts.locked) fail(ref.canonical, 'LOCK_MISSING', `image ${ref.canonical} is not in the lock, which --locked forbids; run meshext lock and commit meshext.lock`);
    else toResolve.push(ref);
  }
  const needLive = toResolve.length > 0 || (opts.locked && !opts.offline && opts.mode === 'render');
  const factory = opts.offline ? opts.cached : opts.live;
  if (needLive && factory) {
    const live = await factory();
    if (toResolve.length > 0) {
      const got = await live.resolveAll(toResolve, opts.onPinned);
      for (const ref of toResolve) {
        const r = got.get(ref.canonical);
        if (!r) fail(ref.canonical, 'RESOLVE_FAILED', `image ${ref.canonical} was not resolved`);
        else if ('code' in r) fail(ref.canonical, r.code, r.message);
        else {
          resolved.set(ref.canonical, r);
          if (opts.mode === 'render') fail(ref.canonical, 'LOCK_MISSING', `image ${ref.canonical} is not in the lock; resolved ${opts.offline ? 'from the cache' : 'live'} (run meshext lock to pin it)`, 'warning');
        }
      }
    }
    if (opts.locked && !opts.offline && opts.mode === 'render') {
      // --locked: a tag that moved since the lock was written fails the render (docs/decisions.md, decision 17).
      const tagged = refs.filter((r) => r.scheme === 'oci' && opts.lock?.has(r.canonical));
      const now = await Promise.all(tagged.map((r) => live.currentDigest(r)));
      tagged.forEach((r, i) => {
        const d = now[i]!;
        const pinned = opts.lock!.get(r.canonical)!.digest;
        if (typeof d === 'string' && d !== pinned) fail(r.canonical, 'LOCK_MISMATCH', `image ${r.canonical} now resolves to ${d}, but the lock pins ${pinned}; run meshext lock to accept the change`);
        // An unreachable registry skips the check, but a render past its deadline fails.
        else if (typeof d !== 'string' && d.code === 'DEADLINE_EXCEEDED') fail(r.canonical, d.code, d.message);
      });
    }
  } else if (toResolve.length > 0) {
    for (const ref of toResolve) fail(ref.canonical, 'RESOLVE_FAILED', `image ${ref.canonical} is not in the lock and live resolution is not available`);
  }
  const images = new Map<string, ResolvedImage>();
  for (const [image, ref] of byImage) {
    const r = resolved.get(ref.canonical);
    if (r) images.set(image, r);
  }
  return { images, resolved, failed };
}

function placeholder(ref: ImageRef): ResolvedImage {
  const url = ref.scheme === 'oci' ? `oci://${ref.canonical}` : ref.canonical;
  return { ref: ref.canonical, url, format: ref.scheme === 'oci' ? 'compat' : 'http', defaults: {} };
}

function uniqueRefs(refs: readonly ImageRef[]): ImageRef[] {
  const seen = new Map<string, ImageRef>();
  for (const r of refs) if (!seen.has(r.canonical)) seen.set(r.canonical, r);
  return [...seen.keys()].sort().map((k) => seen.get(k)!);
}

/**
 * The uses grouped by the reference they name: each image string parsed once, each reference's
 * uses listed once per place (declaration line and field), so a message about an image is
 * reported at every place that names it and at none twice; and the uses that name no valid reference.
 */
export function usesByReference(uses: readonly ImageUse[]): {
  readonly byImage: ReadonlyMap<string, ImageRef>;
  readonly usesOf: ReadonlyMap<string, readonly ImageUse[]>;
  readonly invalid: readonly { readonly use: ImageUse; readonly error: string }[];
} {
  const byImage = new Map<string, ImageRef>();
  const usesOf = new Map<string, ImageUse[]>();
  const invalid: { use: ImageUse; error: string }[] = [];
  const seen = new Set<string>();
  for (const u of uses) {
    if (!byImage.has(u.image)) {
      const p = parseImageRef(u.image);
      if ('error' in p) {
        invalid.push({ use: u, error: p.error });
        continue;
      }
      byImage.set(u.image, p.ref);
    }
    const canonical = byImage.get(u.image)!.canonical;
    const place = `${canonical}|${u.origin.file}:${u.origin.line}:${u.path.join('.')}`;
    if (seen.has(place)) continue;
    seen.add(place);
    const list = usesOf.get(canonical);
    if (list) list.push(u);
    else usesOf.set(canonical, [u]);
  }
  return { byImage, usesOf, invalid };
}
