// The resolve stage's entry to the network: each distinct reference once, several at a time,
// each ending as a ResolvedImage (pinned, classified, with the image's defaults) or a
// ResolveFailure naming the image. Nothing here throws for a bad image, a bad registry or a bad
// network; every message has passed the redactor.

import { createHash } from 'node:crypto';
import type { ResolvedImage } from '../model/image.ts';
import type { Discovery } from '../model/trust.ts';
import { fetchBlob } from './blob.ts';
import { createContentCache } from './cache.ts';
import { classifyImage } from './formats.ts';
import { fetchHttpModule } from './http-module.ts';
import { inPool } from './in-pool.ts';
import { manifestBytesByDigest, resolvePlatformManifest } from './manifest.ts';
import type { RepoContext } from './manifest.ts';
import { createRedactor } from './redact.ts';
import type { Redactor } from './redact.ts';
import { pinnedUrl } from './reference.ts';
import type { ImageRef } from './reference.ts';
import { failure, isFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';
import { createTransport } from './transport.ts';
import type { RetryPolicy, Transport } from './transport.ts';
import type { Deadline } from './deadline.ts';
import { discoverSignatures } from './trust/discover.ts';
import { discoverUrlBundle } from './trust/discover-url.ts';

export type { ResolveFailure } from './registry-error.ts';

export interface LiveResolverOptions {
  readonly cacheDir: string;
  readonly env: Readonly<Record<string, string | undefined>>; // DOCKER_CONFIG, HOME, REGISTRY_AUTH_FILE, PATH
  readonly insecureRegistries: readonly string[];
  readonly concurrency?: number; // default 8
  readonly timeoutMs?: number; // per request
  readonly maxLayerBytes?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly log?: (line: string) => void; // stderr, already redacted
  /** Retry bounds; the defaults suit real registries, tests shorten them. */
  readonly retry?: Partial<RetryPolicy>;
  /** Resolve from the cache only: digest-pinned references whose content it holds (--offline). */
  readonly offline?: boolean;
  /** The render's deadline: when it passes, what is still pending fails, naming what it waited for. */
  readonly deadline?: Deadline;
}

/**
 * Told the digest of an OCI image as soon as it is pinned, before its layers are read: signature
 * discovery can start then and overlap the rest of resolution. Must not throw.
 */
export type OnPinned = (ref: ImageRef, digest: string) => void;

export interface LiveResolver {
  /** Resolves each distinct reference once (concurrently, bounded); never throws for a bad image. */
  resolveAll(refs: readonly ImageRef[], onPinned?: OnPinned): Promise<Map<string /* canonical */, ResolvedImage | ResolveFailure>>;
  /** The platform manifest digest a tag points at now (for `--locked` drift checks); `sha256:<module>` for http(s). */
  currentDigest(ref: ImageRef): Promise<string | ResolveFailure>;
  /** Every signature and attestation candidate of `digest` in the image's repository (tags and referrers asked live). */
  discover(ref: ImageRef, digest: string, opts: { readonly attestations: boolean }): Promise<Discovery | ResolveFailure>;
  /** A manifest's bytes by digest in the image's repository, hashed and cached (an index, to check it lists the pinned child). */
  manifestBytes(ref: ImageRef, digest: string): Promise<Buffer | ResolveFailure>;
  /**
   * An http(s) module's bundle (`<url>.sigstore.json`, or `signatureUrl`) and the module as
   * downloaded, before unwrapping, which its message signature covers; the discovery's digest is that download's sha256,
   * moduleSha256 the unwrapped module's (what the render pins), so the caller can tell the download is the module rendered.
   */
  discoverUrl(ref: ImageRef, signatureUrl?: string): Promise<{ readonly discovery: Discovery; readonly artifact: Buffer; readonly moduleSha256: string } | ResolveFailure>;
}

/** Istio's default ISTIO_WASM_MAX_BINARY_SIZE_BYTES; a layer larger than the largest module Istio accepts is suspect. */
export const DEFAULT_MAX_LAYER_BYTES = 256 * 1024 * 1024;

/** The pieces every pull needs; convert-image builds the same. */
export interface PullKit {
  readonly redactor: Redactor;
  readonly transport: Transport;
  readonly repo: (ref: { registry: string; repository: string }) => RepoContext;
  readonly maxLayerBytes: number;
}

export function createPullKit(opts: Omit<LiveResolverOptions, 'concurrency' | 'onProgress'>): PullKit {
  const redactor = createRedactor();
  const log = opts.log ? (line: string): void => opts.log!(redactor.redact(line)) : undefined;
  const transport = createTransport({
    env: opts.env,
    insecureRegistries: opts.insecureRegistries,
    redactor,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retry !== undefined ? { retry: opts.retry } : {}),
    ...(log ? { log } : {}),
    ...(opts.offline ? { offline: true } : {}),
    ...(opts.deadline ? { deadline: opts.deadline } : {}),
  });
  const cache = createContentCache(opts.cacheDir, log);
  return {
    redactor,
    transport,
    repo: (ref) => ({ transport, cache, registry: ref.registry, repository: ref.repository }),
    maxLayerBytes: opts.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES,
  };
}

export function createLiveResolver(opts: LiveResolverOptions): LiveResolver {
  const kit = createPullKit(opts);
  const named = (ref: ImageRef, f: ResolveFailure): ResolveFailure => failure(f.code, kit.redactor.redact(`image ${ref.canonical}: ${f.message}`));
  const log = opts.log ? (line: string): void => opts.log!(kit.redactor.redact(line)) : undefined;
  // Signatures are found by tag and by the referrers API, which no cache may answer: the lock carries them instead.
  const notOffline = failure('RESOLVE_FAILED', 'signatures are looked up live (tags and the referrers API are never cached), which --offline forbids; the lock must carry the evidence: run meshext lock');

  async function resolveOne(ref: ImageRef, onPinned?: OnPinned): Promise<ResolvedImage | ResolveFailure> {
    switch (ref.scheme) {
      case 'file':
        // A path inside the proxy container: nothing here can read it, and Istio ignores sha256 for it.
        return { ref: ref.canonical, url: ref.canonical, format: 'file', defaults: {} };
      case 'http':
      case 'https': {
        const m = await fetchHttpModule(kit.transport, ref.url, kit.maxLayerBytes);
        if (isFailure(m)) return named(ref, m);
        return { ref: ref.canonical, url: ref.url, format: 'http', moduleSha256: m.sha256, defaults: {} };
      }
      case 'oci': {
        const ctx = kit.repo(ref);
        const pm = await resolvePlatformManifest(ctx, ref);
        if (isFailure(pm)) return named(ref, pm);
        onPinned?.(ref, pm.digest);
        const facts = await classifyImage(ref.canonical, { manifest: pm.manifest, blob: (d) => fetchBlob(ctx, d, kit.maxLayerBytes), maxLayerBytes: kit.maxLayerBytes });
        if (isFailure(facts)) return named(ref, facts);
        return {
          ref: ref.canonical,
          url: pinnedUrl(ref, pm.digest),
          digest: pm.digest,
          ...(pm.index !== undefined ? { index: pm.index } : {}),
          format: facts.format,
          moduleSha256: createHash('sha256').update(facts.module).digest('hex'),
          defaults: facts.defaults,
        };
      }
    }
  }

  /** A bug must not take the whole render down unexplained: it becomes this image's failure. */
  const guarded = async <T>(ref: ImageRef, run: () => Promise<T | ResolveFailure>): Promise<T | ResolveFailure> => {
    try {
      return await run();
    } catch (e) {
      return named(ref, failure('RESOLVE_FAILED', `internal error (this is a bug in meshext): ${e instanceof Error ? e.message : String(e)}`));
    }
  };

  const { deadline } = opts;
  /** Runs the work of `refs` to its end or to the deadline; at the deadline each unfinished one fails, saying what it waited for. */
  const beforeDeadline = async (refs: readonly ImageRef[], work: () => Promise<void>): Promise<ReadonlyMap<string, ResolveFailure>> => {
    if (deadline === undefined) return work().then(() => new Map());
    const late = await Promise.race([work().then(() => undefined), deadline.expired(refs.map((r) => r.canonical), kit.redactor.redact)]);
    const failures = new Map<string, ResolveFailure>();
    for (const ref of refs) {
      const waiting = late?.get(ref.canonical);
      if (waiting !== undefined) failures.set(ref.canonical, named(ref, failure('DEADLINE_EXCEEDED', `still pending when the render's deadline passed (${deadline.source}): ${waiting}`)));
    }
    return failures;
  };
  const tracked = <T>(ref: ImageRef, run: () => Promise<T>): Promise<T> => (deadline ? deadline.within(ref.canonical, run) : run());

  return {
    async resolveAll(refs, onPinned) {
      const distinct = [...new Map(refs.map((r) => [r.canonical, r])).values()];
      const out = new Map<string, ResolvedImage | ResolveFailure>();
      let done = 0;
      opts.onProgress?.(0, distinct.length);
      const late = await beforeDeadline(distinct, () =>
        inPool(distinct, Math.max(1, opts.concurrency ?? 8), async (ref) => {
          if (deadline?.signal.aborted) return;
          out.set(ref.canonical, await tracked(ref, () => guarded(ref, () => resolveOne(ref, onPinned))));
          opts.onProgress?.(++done, distinct.length);
        }),
      );
      // Map order follows the input, not completion, so nothing downstream depends on timing.
      return new Map(distinct.map((r) => [r.canonical, late.get(r.canonical) ?? out.get(r.canonical)!]));
    },
    async currentDigest(ref) {
      let digest: string | ResolveFailure | undefined;
      const late = await beforeDeadline([ref], async () => void (digest = await tracked(ref, () => currentDigestOf(ref))));
      return late.get(ref.canonical) ?? digest!;
    },
    async discover(ref, digest, { attestations }) {
      return one(ref, `signatures of ${digest}`, async () => {
        if (ref.scheme !== 'oci') return named(ref, failure('RESOLVE_FAILED', 'only an OCI image has signatures in a registry'));
        if (opts.offline) return named(ref, notOffline);
        const found = await discoverSignatures(kit.repo(ref), digest, { attestations, ...(log ? { log } : {}) });
        return isFailure(found) ? named(ref, found) : found;
      });
    },
    async manifestBytes(ref, digest) {
      return one(ref, `manifest ${digest}`, async () => {
        if (ref.scheme !== 'oci') return named(ref, failure('RESOLVE_FAILED', 'only an OCI image has manifests'));
        const bytes = await manifestBytesByDigest(kit.repo(ref), digest);
        return isFailure(bytes) ? named(ref, bytes) : bytes;
      });
    },
    async discoverUrl(ref, signatureUrl) {
      return one(ref, 'signature bundle', async () => {
        if (ref.scheme !== 'http' && ref.scheme !== 'https') return named(ref, failure('RESOLVE_FAILED', 'only an http(s) module has a bundle beside it'));
        if (opts.offline) return named(ref, notOffline);
        const [m, found] = await Promise.all([fetchHttpModule(kit.transport, ref.url, kit.maxLayerBytes), discoverUrlBundle(kit.transport, ref.url, signatureUrl)]);
        if (isFailure(m)) return named(ref, m);
        if (isFailure(found)) return named(ref, found);
        const digest = `sha256:${createHash('sha256').update(m.downloaded).digest('hex')}`;
        return { discovery: { digest, found: found ? [found] : [], lookedAt: ['url'] }, artifact: m.downloaded, moduleSha256: m.sha256 };
      });
    },
  };

  /**
   * One piece of work for a reference, guarded and bounded by the render's deadline like resolveAll;
   * tracked under its own name, so it may run beside the reference's resolution without either
   * taking the other's place in the deadline's record.
   */
  async function one<T>(ref: ImageRef, what: string, run: () => Promise<T | ResolveFailure>): Promise<T | ResolveFailure> {
    if (deadline === undefined) return guarded(ref, run);
    const key = `${ref.canonical} (${what})`;
    let result: T | ResolveFailure | undefined;
    const work = deadline.within(key, () => guarded(ref, run)).then((r) => void (result = r));
    const late = await Promise.race([work.then(() => undefined), deadline.expired([key], kit.redactor.redact)]);
    const waiting = late?.get(key);
    if (waiting !== undefined) return named(ref, failure('DEADLINE_EXCEEDED', `${what}: still pending when the render's deadline passed (${deadline.source}): ${waiting}`));
    return result!;
  }

  function currentDigestOf(ref: ImageRef): Promise<string | ResolveFailure> {
    return guarded(ref, async () => {
      if (ref.scheme === 'file') return named(ref, failure('RESOLVE_FAILED', 'a file:// module has no digest to compare'));
      if (ref.scheme !== 'oci') {
        const m = await fetchHttpModule(kit.transport, ref.url, kit.maxLayerBytes);
        return isFailure(m) ? named(ref, m) : `sha256:${m.sha256}`;
      }
      const pm = await resolvePlatformManifest(kit.repo(ref), ref);
      return isFailure(pm) ? named(ref, pm) : pm.digest;
    });
  }
}
