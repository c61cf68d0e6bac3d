// Blobs (config and layers) by digest: refused before download when the descriptor says they are
// larger than the bound, read under that cap, and hashed; a blob whose bytes do not match its
// digest is never used or cached (trust bytes, not headers).

import { digestOf, isSupportedDigest, matchesDigest } from './cache.ts';
import type { Descriptor, RepoContext } from './manifest.ts';
import { failure, isFailure, toFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';

export async function fetchBlob(ctx: RepoContext, desc: Descriptor, maxBytes: number): Promise<Buffer | ResolveFailure> {
  if (!isSupportedDigest(desc.digest)) return failure('RESOLVE_FAILED', `blob ${desc.digest} uses a digest algorithm meshext cannot check`);
  if (desc.size > maxBytes) {
    return failure('RESOLVE_FAILED', `blob ${desc.digest} (${desc.mediaType}) is ${desc.size} bytes, more than the limit of ${maxBytes}`);
  }
  const cached = await ctx.cache.get('blobs', desc.digest, desc.size);
  if (cached !== undefined) return cached;
  const res = await ctx.transport.registry({
    registry: ctx.registry,
    repository: ctx.repository,
    method: 'GET',
    path: `/v2/${ctx.repository}/blobs/${desc.digest}`,
    ok: [200],
    // A blob longer than its descriptor says is wrong whatever its hash: read one byte past to notice.
    maxBytes: desc.size + 1,
  });
  if ('kind' in res || isFailure(res)) return toFailure(res);
  if (!matchesDigest(res.body, desc.digest)) {
    const got = digestOf(res.body, desc.digest.split(':')[0]);
    return failure('SHA256_MISMATCH', `blob ${desc.digest} arrived as ${res.body.length} bytes hashing to ${got}; the registry or a proxy altered or truncated it`);
  }
  if (res.body.length !== desc.size) {
    return failure('RESOLVE_FAILED', `blob ${desc.digest} is ${res.body.length} bytes but its descriptor says ${desc.size}`);
  }
  await ctx.cache.put('blobs', desc.digest, res.body);
  return res.body;
}
