// A filesystem layer read as data: gunzipped under an output cap (a gzip bomb stops at the cap),
// parsed strictly by modern-tar, entries kept in memory and never written anywhere by their
// path. Names that climb out of the root (`../x`), and links whose targets do (docker's own
// breakout check), make the whole layer an error: such a layer is hostile, and no answer drawn
// from it can be trusted. All layers of one image may share one bound (`LayerBudget`).

import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { unpackTar } from 'modern-tar';

export interface TarFile {
  /** Normalized: no leading `/` or `./`, no `.` components; `''` is the root itself. */
  readonly path: string;
  /** The name as stored: Istio matches `filepath.Base` of this. */
  readonly rawName: string;
  readonly type: string;
  /** File content; empty for directories, links and other bodyless entries. */
  readonly data: Uint8Array;
  readonly linkname?: string;
}

export const LAYER_MEDIA = {
  ociTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociTar: 'application/vnd.oci.image.layer.v1.tar',
  ociTarZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerTarGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const gunzipAsync = promisify(gunzip);
const MAX_ENTRIES = 100_000;

/** What the layers of one image may still expand to, together; each read takes its tar's size. */
export interface LayerBudget {
  left: number;
}

/** The entries of a tar layer (gzip-compressed unless `compressed` is false), or why it cannot be read. */
export async function readTarLayer(blob: Uint8Array, compressed: boolean, maxBytes: number, budget?: LayerBudget): Promise<TarFile[] | string> {
  const cap = Math.max(1, Math.min(maxBytes, budget?.left ?? maxBytes));
  const shared = cap < maxBytes ? `, what is left of the ${maxBytes} bytes all the image's layers may expand to` : '';
  let tar: Uint8Array;
  if (compressed) {
    try {
      tar = await gunzipAsync(blob, { maxOutputLength: cap });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ERR_BUFFER_TOO_LARGE' ? `it expands to more than ${cap} bytes${shared}` : `it is not valid gzip (${code ?? 'error'})`;
    }
  } else {
    if (blob.length > cap) return `it is larger than ${cap} bytes${shared}`;
    tar = blob;
  }
  if (budget) budget.left -= tar.length;
  let entries: Awaited<ReturnType<typeof unpackTar>>;
  try {
    entries = await unpackTar(tar, { strict: true });
  } catch (e) {
    return `it is not a valid tar archive (${(e as Error).message})`;
  }
  if (entries.length > MAX_ENTRIES) return `it has more than ${MAX_ENTRIES} entries`;
  const files: TarFile[] = [];
  for (const e of entries) {
    const path = normalizePath(e.header.name);
    if (path === undefined) return `entry ${JSON.stringify(e.header.name.slice(0, 200))} escapes the root`;
    const type = e.header.type ?? 'file';
    const link = e.header.linkname ?? '';
    // docker's breakout check (pkg/archive createTarFile): a hard link's target is joined to the
    // root, a symlink's to the entry's directory; either climbing out refuses the layer.
    const target = type === 'link' ? normalizePath(link) : type === 'symlink' ? normalizePath(`${path.slice(0, Math.max(0, path.lastIndexOf('/')))}/${link}`) : '';
    if (target === undefined) return `entry ${JSON.stringify(e.header.name.slice(0, 200))} links to ${JSON.stringify(link.slice(0, 200))}, outside the root`;
    files.push({
      path,
      rawName: e.header.name,
      type,
      data: e.data ?? new Uint8Array(0),
      ...(e.header.linkname ? { linkname: e.header.linkname } : {}),
    });
  }
  return files;
}

/** `./a/b/`, `/a//b` → `a/b`; undefined for a path that climbs above the root. */
export function normalizePath(name: string): string | undefined {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

/** Go's filepath.Base on Linux, which Istio applies to tar entry names. */
export function goBase(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed === '') return name === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
