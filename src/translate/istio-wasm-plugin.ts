// extensions.istio.io/v1alpha1 WasmPlugin: re-emitted pinned and checked.

import type { Extension, ExtensionFields, Origin, TargetRef } from '../model/extension.ts';
import type { Sink } from '../model/diagnostic.ts';
import type { FieldPath } from '../model/where.ts';
import { at } from '../model/where.ts';
import type { Translator } from './_context.ts';
import type { Json } from './_fields.ts';
import { defined, obj, str } from './_fields.ts';
import { extensionFieldsOf } from './native-extension.ts';
import { originOf } from './_origin.ts';

export const translateIstioWasmPlugin: Translator = (doc, { report }) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  // The singular targetRef is deprecated: istiod folds it into targetRefs when those are empty.
  const targetRefs = (spec.targetRefs as TargetRef[] | undefined) ?? (spec.targetRef ? [spec.targetRef as TargetRef] : undefined);
  const ext: Extension = defined({
    ...istioWasmFieldsOf(spec, ['spec'], origin, report),
    targetRefs,
    origin,
    flavor: 'istio' as const,
    sources: { image: ['spec', 'url'], config: ['spec', 'pluginConfig'], targetRefs: ['spec', spec.targetRefs === undefined && spec.targetRef !== undefined ? 'targetRef' : 'targetRefs'] },
    name: origin.name,
    namespace: origin.namespace ?? '',
    image: str(spec.url) ?? '',
  });
  return [ext];
};

/**
 * Istio's Wasm fields (a WasmPlugin spec, a TrafficExtension's `wasm:` block at `path`) as native
 * fields: `url` is the image, `pluginConfig` the config, an empty sha256 no pin.
 */
export function istioWasmFieldsOf(wasm: Json, path: FieldPath, origin: Origin, report: Sink): ExtensionFields {
  if (wasm.verificationKey !== undefined) report(at(origin, [...path, 'verificationKey'], 'FIELD_DROPPED', 'verificationKey is not implemented by Istio and is not emitted', 'warning'));
  const { image: _image, ...fields } = extensionFieldsOf({ ...wasm, config: wasm.pluginConfig, image: undefined });
  return defined({ ...fields, sha256: str(wasm.sha256) || undefined });
}
