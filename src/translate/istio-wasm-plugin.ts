// extensions.istio.io/v1alpha1 WasmPlugin: re-emitted pinned and checked.

import type { Extension, TargetRef } from '../model/extension.ts';
import { at } from '../model/where.ts';
import type { Translator } from './_context.ts';
import { defined, obj, str } from './_fields.ts';
import { extensionFieldsOf } from './native-extension.ts';
import { originOf } from './_origin.ts';

export const translateIstioWasmPlugin: Translator = (doc, { report }) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  if (spec.verificationKey !== undefined) report(at(origin, ['spec', 'verificationKey'], 'FIELD_DROPPED', 'verificationKey is not implemented by Istio and is not emitted', 'warning'));
  // The singular targetRef is deprecated: istiod folds it into targetRefs when those are empty.
  const targetRefs = (spec.targetRefs as TargetRef[] | undefined) ?? (spec.targetRef ? [spec.targetRef as TargetRef] : undefined);
  const { image: _image, ...fields } = extensionFieldsOf({ ...spec, config: spec.pluginConfig, image: undefined });
  const ext: Extension = defined({
    ...fields,
    targetRefs,
    origin,
    flavor: 'istio' as const,
    sources: { image: ['spec', 'url'], config: ['spec', 'pluginConfig'], targetRefs: ['spec', spec.targetRefs === undefined && spec.targetRef !== undefined ? 'targetRef' : 'targetRefs'] },
    name: origin.name,
    namespace: origin.namespace ?? '',
    image: str(spec.url) ?? '',
    sha256: str(spec.sha256) || undefined,
  });
  return [ext];
};
