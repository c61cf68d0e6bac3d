// What resolution learns about one image reference; the lock stores exactly this.

import type { MaistraPhase, IstioPhase } from './extension.ts';
import type { Verification } from './trust.ts';

export type ImageFormat =
  | 'compat' // Istio compat: plugin.wasm in the last tar+gzip layer (OCI or Docker media types)
  | 'oci-artifact' // two-layer Wasm OCI artifact (application/vnd.module.wasm.*)
  | 'http' // http(s) module, unwrapped as Istio does
  | 'file'; // file:// path inside the proxy, never fetched

export interface ImageDefaults {
  readonly phase?: MaistraPhase | IstioPhase;
  readonly priority?: number;
  readonly rootIds?: readonly string[];
}

export interface ResolvedImage {
  /** The reference as normalised (lock key). */
  readonly ref: string;
  /** What to emit as `url`: `oci://registry/repo@sha256:…` for OCI. */
  readonly url: string;
  /** Platform manifest digest (`sha256:…`) for OCI. */
  readonly digest?: string;
  /** The index (`sha256:…`) the pinned child was chosen from, whose signatures count after the index→child check. */
  readonly index?: string;
  readonly format: ImageFormat;
  /** sha256 (hex) of the Wasm module bytes. */
  readonly moduleSha256?: string;
  readonly defaults: ImageDefaults;
  /** What satisfied each trust policy covering the image, one entry per policy in the order the Mesh declares them. */
  readonly verified?: readonly Verification[];
}
