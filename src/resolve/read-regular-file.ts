// One bounded read of a file meshext does not control (a cache entry, a credentials file, a key a
// trust policy names): only a regular file is read, and never more than `maxBytes` + 1 bytes of it,
// so a FIFO, a device (`/dev/zero`) or a huge file in its place can neither stall nor swell a
// render. O_NONBLOCK lets the open of a FIFO return at once (it otherwise waits for a writer, in a
// thread nothing can cancel) so that fstat can refuse it; it changes nothing for a regular file.
// Callers word the refusals; no refusal carries the file's content.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export type Refusal =
  | { readonly why: 'missing' } // ENOENT or ENOTDIR
  | { readonly why: 'symlink' } // with noFollow
  | { readonly why: 'unreadable'; readonly code: string }
  | { readonly why: 'not a regular file'; readonly kind: string }
  | { readonly why: 'too large'; readonly size: number }
  | { readonly why: 'grew' } // past what fstat said while it was read
  | { readonly why: 'stopped'; readonly reason: string };

export interface ReadOptions {
  /** Refuse a symbolic link instead of following it. */
  readonly noFollow?: boolean;
  readonly signal?: AbortSignal;
}

export function isRefusal(r: Buffer | Refusal): r is Refusal {
  return !Buffer.isBuffer(r);
}

export async function readRegularFile(path: string, maxBytes: number, opts: ReadOptions = {}): Promise<Buffer | Refusal> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'read error';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { why: 'missing' };
    return opts.noFollow && code === 'ELOOP' ? { why: 'symlink' } : { why: 'unreadable', code };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { why: 'not a regular file', kind: kindOf(st) };
    if (st.size > maxBytes) return { why: 'too large', size: st.size };
    // One byte more than fstat said: a file that grows while it is read is noticed, still bounded.
    const buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    while (n < buf.length) {
      if (opts.signal?.aborted) return { why: 'stopped', reason: (opts.signal.reason as Error)?.message ?? 'cancelled' };
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return n > st.size ? { why: 'grew' } : buf.subarray(0, n);
  } catch (e) {
    return { why: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? 'read error' };
  } finally {
    await handle.close().catch(() => {});
  }
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}
