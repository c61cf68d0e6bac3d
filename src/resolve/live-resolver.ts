// The resolve stage's entry to the network: each distinct reference once, several at a time,
// each ending as a ResolvedImage (pinned, classified, with the image's defaults) or a
// ResolveFailure naming the image. Nothing here throws for a bad image, a bad registry or a bad
// network; every message has passed the redactor.

import { createHash } from 'node:crypto';
import type { ResolvedImage } from '../model/image.ts';
import { fetchBlob } from './blob.ts';
import { createContentCache } from './cache.ts';
import { classifyImage } from './formats.ts';
import { fetchHttpModule } from './http-module.ts';
import { resolvePlatformManifest } from './manifest.ts';
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

export interface LiveResolver {
  /** Resolves each distinct reference once (concurrently, bounded); never throws for a bad image. */
  resolveAll(refs: readonly ImageRef[]): Promise<Map<string /* canonical */, ResolvedImage | ResolveFailure>>;
  /** The platform manifest digest a tag points at now (for `--locked` drift checks); `sha256:<module>` for http(s). */
  currentDigest(ref: ImageRef): Promise<string | ResolveFailure>;
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

  async function resolveOne(ref: ImageRef): Promise<ResolvedImage | ResolveFailure> {
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
        const facts = await classifyImage(ref.canonical, { manifest: pm.manifest, blob: (d) => fetchBlob(ctx, d, kit.maxLayerBytes), maxLayerBytes: kit.maxLayerBytes });
        if (isFailure(facts)) return named(ref, facts);
        return {
          ref: ref.canonical,
          url: pinnedUrl(ref, pm.digest),
          digest: pm.digest,
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
    async resolveAll(refs) {
      const distinct = [...new Map(refs.map((r) => [r.canonical, r])).values()];
      const out = new Map<string, ResolvedImage | ResolveFailure>();
      let done = 0;
      opts.onProgress?.(0, distinct.length);
      const late = await beforeDeadline(distinct, () =>
        inPool(distinct, Math.max(1, opts.concurrency ?? 8), async (ref) => {
          if (deadline?.signal.aborted) return;
          out.set(ref.canonical, await tracked(ref, () => guarded(ref, () => resolveOne(ref))));
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
  };

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

async function inPool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
