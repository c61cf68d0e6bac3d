// Registry content cached by digest only (docs/decisions.md, decision 15): `<dir>/<manifests|blobs>/<algorithm>/<hex>`.
// A tag is never a key, so a moved tag can never be answered from the cache, and no path holds
// anything but a digest (no credential, no tag, no registry name). Entries are written to a
// temporary file in the same directory and renamed, so a reader never sees half a file; every
// read is re-hashed, and an entry whose bytes do not match its name is deleted and refetched.
// Only a regular file is read, never through a symlink, and never past the size it can have: a
// FIFO, /dev/zero or a huge file put in an entry's place must not stall or swell a render.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRefusal, readRegularFile } from './read-regular-file.ts';

export type CacheKind = 'manifests' | 'blobs';

export interface ContentCache {
  /** The entry's bytes when they match the digest; `maxBytes` bounds what is read. */
  get(kind: CacheKind, digest: string, maxBytes?: number): Promise<Buffer | undefined>;
  /** Best effort: a cache that cannot be written only costs a refetch next time. */
  put(kind: CacheKind, digest: string, bytes: Uint8Array): Promise<void>;
}

const DIGEST = /^(sha256|sha384|sha512):([a-f0-9]+)$/;
const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** `sha256:…` of the bytes, in the algorithm the digest names; undefined for an unsupported one. */
export function digestOf(bytes: Uint8Array, algorithm = 'sha256'): string | undefined {
  if (HEX_LENGTH[algorithm] === undefined) return undefined;
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** A well-formed digest in an algorithm meshext can check (sha256, sha384, sha512). */
export function isSupportedDigest(digest: string): boolean {
  const m = DIGEST.exec(digest);
  return m !== null && m[2]!.length === HEX_LENGTH[m[1]!];
}

/** True when the bytes hash to the digest (and the digest is well-formed and supported). */
export function matchesDigest(bytes: Uint8Array, digest: string): boolean {
  return isSupportedDigest(digest) && digestOf(bytes, digest.split(':')[0]) === digest;
}

export function createContentCache(dir: string, log?: (line: string) => void): ContentCache {
  const pathOf = (kind: CacheKind, digest: string): string | undefined => {
    if (!isSupportedDigest(digest)) return undefined;
    const [algorithm, hex] = digest.split(':') as [string, string];
    return join(dir, kind, algorithm, hex);
  };
  return {
    async get(kind, digest, maxBytes = Number.MAX_SAFE_INTEGER) {
      const path = pathOf(kind, digest);
      if (path === undefined) return undefined;
      const bytes = await readEntry(path, maxBytes);
      if (bytes === undefined) return undefined;
      if (typeof bytes !== 'string' && matchesDigest(bytes, digest)) return bytes;
      log?.(`cache: ${kind} entry ${digest} ${typeof bytes === 'string' ? bytes : 'is corrupt'}; discarding it`);
      await unlink(path).catch(() => {});
      return undefined;
    },
    async put(kind, digest, bytes) {
      const path = pathOf(kind, digest);
      if (path === undefined || !matchesDigest(bytes, digest)) return;
      const folder = join(path, '..');
      const tmp = join(folder, `.tmp-${randomUUID()}`);
      try {
        await mkdir(folder, { recursive: true, mode: 0o700 });
        await writeFile(tmp, bytes, { flag: 'wx', mode: 0o600 });
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        log?.(`cache: cannot write ${kind} entry ${digest} under ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    },
  };
}

/** A regular file's bytes (at most `maxBytes`); undefined when there is none, else why the entry is not trusted. */
async function readEntry(path: string, maxBytes: number): Promise<Buffer | string | undefined> {
  const got = await readRegularFile(path, maxBytes, { noFollow: true });
  if (!isRefusal(got)) return got;
  switch (got.why) {
    case 'symlink':
      return 'is a symbolic link';
    case 'not a regular file':
      return 'is not a regular file';
    case 'too large':
      return `is ${got.size} bytes, more than the ${maxBytes} bytes it can be`;
    case 'grew':
      return 'changed while it was read';
    default:
      return undefined;
  }
}
