// The files a trust policy names (public keys, a trusted root), read relative to the file that
// declares the Mesh, or to the working directory for a Mesh read from stdin. Only a regular file of
// bounded size is read (read-regular-file.ts: a FIFO or /dev/zero named by a policy must not stall
// or swell a render), and an error names the file and why, never its content: a path mistyped to a
// secret must not print it.

import { dirname, resolve } from 'node:path';
import type { TrustSite } from '../model/trust.ts';
import { isPseudoFile } from '../model/where.ts';
import { isRefusal, readRegularFile } from './read-regular-file.ts';

/** A trusted_root.json is a few tens of KiB; a public key far less. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

export type PolicyFileReader = (site: TrustSite, path: string) => Promise<string | { readonly error: string }>;

export function policyFileReader(root: string | undefined, cwd: string): PolicyFileReader {
  return (site, path) => {
    const base = root !== undefined && !isPseudoFile(site.file) ? dirname(resolve(root, site.file)) : cwd;
    return readPolicyFile(resolve(base, path));
  };
}

export async function readPolicyFile(path: string): Promise<string | { readonly error: string }> {
  const got = await readRegularFile(path, MAX_POLICY_FILE_BYTES);
  if (!isRefusal(got)) return got.toString('utf8');
  switch (got.why) {
    case 'missing':
      return { error: 'no such file' };
    case 'not a regular file':
      return { error: 'is not a regular file' };
    case 'too large':
      return { error: `is larger than ${MAX_POLICY_FILE_BYTES} bytes` };
    case 'grew':
      return { error: 'changed while it was read' };
    default:
      return { error: `cannot be read (${got.why === 'unreadable' ? got.code : 'read error'})` };
  }
}
