// Resolved target → extensions.istio.io/v1alpha1 TrafficExtension (Istio 1.30+): targeting,
// phase and priority at the top, then the Wasm fields under `wasm:`, or the inline code of a Lua
// declaration under `lua:` (traffic_extension.proto).

import type { Plain } from './to-yaml.ts';
import { API_VERSION_OF } from './resource.ts';
import type { Resolved } from './resource.ts';
import type { MetadataCache } from './metadata.ts';
import { metadataOf } from './metadata.ts';
import { matchOf, put, selectorOf, targetRefsOf, vmConfigOf, wasmFieldsOf } from './_spec-fields.ts';

export function emitTrafficExtension(r: Resolved, namespace: string, metadata?: MetadataCache): { [k: string]: Plain } {
  const spec: { [k: string]: Plain } = {};
  put(spec, 'selector', selectorOf(r));
  put(spec, 'targetRefs', targetRefsOf(r));
  // TrafficExtension spells the unset phase UNSPECIFIED, not UNSPECIFIED_PHASE (its CRD enum).
  spec.phase = r.phase === 'UNSPECIFIED_PHASE' ? 'UNSPECIFIED' : r.phase;
  spec.priority = r.priority;
  put(spec, 'match', matchOf(r));
  if (r.lua !== undefined) spec.lua = { inlineCode: r.lua };
  else spec.wasm = wasmOf(r);
  return { apiVersion: API_VERSION_OF.TrafficExtension, kind: 'TrafficExtension', metadata: metadataOf(r, namespace, metadata), spec };
}

function wasmOf(r: Resolved): { [k: string]: Plain } {
  const wasm: { [k: string]: Plain } = {};
  wasmFieldsOf(r, wasm);
  put(wasm, 'failStrategy', r.failStrategy);
  put(wasm, 'vmConfig', vmConfigOf(r));
  put(wasm, 'type', r.type);
  return wasm;
}
