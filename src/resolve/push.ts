// Pushing, for `meshext convert-image`: blobs by monolithic upload (POST for a session, PUT with
// the digest, distribution-spec "Pushing a blob monolithically"), then the manifest by tag.
// The same transport as pulls, so the same credentials, token scopes (pull,push), retries and
// redirect rules apply.

import { digestOf } from './cache.ts';
import type { RepoContext } from './manifest.ts';
import { failure, isFailure, toFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';
import type { HttpResponse, RegistryRequest } from './transport.ts';

const SMALL = 64 * 1024;

async function call(ctx: RepoContext, req: Omit<RegistryRequest, 'registry' | 'repository' | 'push' | 'maxBytes'>): Promise<HttpResponse | ResolveFailure> {
  const res = await ctx.transport.registry({ registry: ctx.registry, repository: ctx.repository, push: true, maxBytes: SMALL, ...req });
  return 'kind' in res || isFailure(res) ? toFailure(res) : res;
}

/** Uploads a blob unless the repository already has it. */
export async function pushBlob(ctx: RepoContext, bytes: Uint8Array, digest: string): Promise<undefined | ResolveFailure> {
  const head = await call(ctx, { method: 'HEAD', path: `/v2/${ctx.repository}/blobs/${digest}`, ok: [200, 404] });
  if (isFailure(head)) return head;
  if (head.status === 200) return undefined;
  const session = await call(ctx, { method: 'POST', path: `/v2/${ctx.repository}/blobs/uploads/`, ok: [202] });
  if (isFailure(session)) return session;
  const location = session.headers.get('location');
  if (location === null) return failure('RESOLVE_FAILED', `the registry opened an upload for ${ctx.repository} without a Location`);
  const upload = new URL(location, session.url);
  upload.searchParams.set('digest', digest);
  const put = await call(ctx, {
    method: 'PUT',
    path: upload.toString(),
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
    ok: [201],
  });
  return isFailure(put) ? put : undefined;
}

/** PUTs a manifest under a tag; returns its digest, checked against the registry's. */
export async function pushManifest(ctx: RepoContext, tag: string, bytes: Uint8Array, mediaType: string): Promise<string | ResolveFailure> {
  const res = await call(ctx, { method: 'PUT', path: `/v2/${ctx.repository}/manifests/${tag}`, headers: { 'content-type': mediaType }, body: bytes, ok: [201] });
  if (isFailure(res)) return res;
  const digest = digestOf(bytes)!;
  const said = res.headers.get('docker-content-digest');
  if (said !== null && said !== digest) {
    return failure('SHA256_MISMATCH', `the registry stored the manifest as ${said}, but its bytes hash to ${digest}`);
  }
  return digest;
}
