// http(s) modules, fetched and unwrapped exactly as Istio's agent does (pkg/wasm/httpfetcher.go
// unboxIfPossible): while the bytes are not a Wasm module, gunzip them if they are gzip, or take
// the first file if they are a POSIX tar; anything else stops the unwrapping. The sha256 Istio
// checks is of the unwrapped module, so that is the one we compute. Every step is bounded: Istio's
// loop is not, and a gzip bomb or a tar of tars must not stall a render.

import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { unpackTar } from 'modern-tar';
import { isWasm } from './formats.ts';
import { failure, toFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';
import type { Transport } from './transport.ts';

const MAX_UNWRAP = 8;

export interface HttpModule {
  /** The bytes as downloaded, before unwrapping: what a signature over the published file covers. */
  readonly downloaded: Buffer;
  readonly module: Uint8Array;
  /** Hex sha256 of the unwrapped module (what WasmPlugin `sha256` means for http(s)). */
  readonly sha256: string;
}

export async function fetchHttpModule(transport: Transport, url: string, maxBytes: number): Promise<HttpModule | ResolveFailure> {
  const res = await transport.get(url, maxBytes);
  if ('kind' in res) return toFailure(res);
  const module = await unboxIfPossible(res.body, maxBytes);
  if (!isWasm(module)) {
    return failure('IMAGE_NOT_LOADABLE', `the download is not a Wasm module, nor gzip or tar around one (it does not start with \\0asm), so Istio cannot load it`);
  }
  return { downloaded: res.body, module, sha256: createHash('sha256').update(module).digest('hex') };
}

/** Istio's unboxIfPossible, bounded: returns the original bytes whenever a step fails, as Istio does. */
export async function unboxIfPossible(origin: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  let b = origin;
  for (let i = 0; i < MAX_UNWRAP; i++) {
    if (isWasm(b)) return b;
    let next: Uint8Array | undefined;
    if (b.length > 2 && b[0] === 0x1f && b[1] === 0x8b) next = gunzipped(b, maxBytes);
    else if (isPosixTar(b)) next = await firstTarFile(b);
    if (next === undefined) return origin;
    b = next;
  }
  return isWasm(b) ? b : origin;
}

function isPosixTar(b: Uint8Array): boolean {
  return b.length > 262 && Buffer.from(b.subarray(257, 262)).toString('latin1') === 'ustar';
}

function gunzipped(b: Uint8Array, maxBytes: number): Uint8Array | undefined {
  try {
    return gunzipSync(b, { maxOutputLength: maxBytes });
  } catch {
    return undefined;
  }
}

async function firstTarFile(b: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const [first] = await unpackTar(b, { strict: true });
    return first === undefined ? undefined : (first.data ?? new Uint8Array(0));
  } catch {
    return undefined;
  }
}
