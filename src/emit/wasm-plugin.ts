// Resolved target → extensions.istio.io/v1alpha1 WasmPlugin, spec in wasm.proto field order.

import type { Plain } from './to-yaml.ts';
import { API_VERSION_OF } from './resource.ts';
import type { Resolved } from './resource.ts';
import type { MetadataCache } from './metadata.ts';
import { metadataOf } from './metadata.ts';
import { matchOf, put, selectorOf, targetRefsOf, vmConfigOf, wasmFieldsOf } from './_spec-fields.ts';

export function emitWasmPlugin(r: Resolved, namespace: string, metadata?: MetadataCache): { [k: string]: Plain } {
  const spec: { [k: string]: Plain } = {};
  put(spec, 'selector', selectorOf(r));
  put(spec, 'targetRefs', targetRefsOf(r));
  wasmFieldsOf(r, spec);
  spec.phase = r.phase;
  // Always emitted: istiod sorts an unset priority as the lowest int32, not 0 (docs/decisions.md, decision 25).
  spec.priority = r.priority;
  put(spec, 'failStrategy', r.failStrategy);
  put(spec, 'vmConfig', vmConfigOf(r));
  put(spec, 'match', matchOf(r));
  put(spec, 'type', r.type);
  return { apiVersion: API_VERSION_OF.WasmPlugin, kind: 'WasmPlugin', metadata: metadataOf(r, namespace, metadata), spec };
}
