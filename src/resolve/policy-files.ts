// The files a trust policy names (public keys, a trusted root), read relative to the file that
// declares the Mesh, or to the working directory for a Mesh read from stdin. Only a regular file of
// bounded size is read (a FIFO or /dev/zero named by a policy must not stall or swell a render), and
// an error names the file and why, never its content: a path mistyped to a secret must not print it.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TrustSite } from '../model/trust.ts';
import { isPseudoFile } from '../model/where.ts';

/** A trusted_root.json is a few tens of KiB; a public key far less. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

export function policyFileReader(root: string | undefined, cwd: string): (site: TrustSite, path: string) => string | { readonly error: string } {
  return (site, path) => {
    const base = root !== undefined && !isPseudoFile(site.file) ? dirname(resolve(root, site.file)) : cwd;
    return readPolicyFile(resolve(base, path));
  };
}

export function readPolicyFile(path: string): string | { readonly error: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'read error'})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: 'is not a regular file' };
    if (st.size > MAX_POLICY_FILE_BYTES) return { error: `is larger than ${MAX_POLICY_FILE_BYTES} bytes` };
    // One byte more than fstat says, to notice a file that grows while it is read (bounded still).
    const buf = Buffer.allocUnsafe(Math.min(st.size, MAX_POLICY_FILE_BYTES) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
    if (n > st.size) return { error: 'changed while it was read' };
    return buf.toString('utf8', 0, n);
  } catch (e) {
    return { error: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'read error'})` };
  } finally {
    closeSync(fd);
  }
}
