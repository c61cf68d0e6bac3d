// The Sigstore bundle of an http(s) module: `<url>.sigstore.json` by default, the name
// `cosign sign-blob --bundle` gives it beside the file it signs (the suffix goes on the URL's path,
// its query kept), or the signature URL the declaration names. A missing default file means the
// module is unsigned; a missing declared one is an error. The bundle is read under a cap and parsed,
// not verified: its message signature covers the module as downloaded, before any unwrapping.

import type { Found } from '../../model/trust.ts';
import { failure, isRegistryError, redactUrl } from '../registry-error.ts';
import type { ResolveFailure } from '../registry-error.ts';
import type { Transport } from '../transport.ts';
import { MAX_SIGNATURE_BYTES } from './discover.ts';

/** Where a module's bundle is looked for when the declaration names none. */
export function defaultBundleUrl(moduleUrl: string): string {
  const u = new URL(moduleUrl);
  u.hash = '';
  u.pathname += '.sigstore.json';
  return u.toString();
}

/** The bundle of the module at `moduleUrl`, undefined when there is none at the default place. */
export async function discoverUrlBundle(transport: Transport, moduleUrl: string, signatureUrl?: string): Promise<Found | undefined | ResolveFailure> {
  if (signatureUrl !== undefined && !/^https?:\/\//i.test(signatureUrl)) return failure('RESOLVE_FAILED', `signature URL ${redactUrl(signatureUrl)} is not an http(s) URL`);
  const url = signatureUrl ?? defaultBundleUrl(moduleUrl);
  const res = await transport.get(url, MAX_SIGNATURE_BYTES);
  if (isRegistryError(res)) {
    if (res.status === 404 && signatureUrl === undefined) return undefined;
    return failure('RESOLVE_FAILED', `signature bundle: ${res.message}`);
  }
  try {
    return { kind: 'bundle', at: 'url', json: JSON.parse(res.body.toString('utf8')) as unknown };
  } catch {
    return failure('RESOLVE_FAILED', `signature bundle ${redactUrl(res.url)}: not valid JSON, so not a Sigstore bundle`);
  }
}
