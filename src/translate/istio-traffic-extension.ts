// extensions.istio.io/v1alpha1 TrafficExtension (Istio 1.30+, the successor of WasmPlugin): the
// targeting, phase and priority at the top, and either a `wasm:` block, read as a WasmPlugin's
// fields (pinned, emitted in the Mesh's output kind), or a `lua:` block, whose inline code needs
// no image and is emitted only as a TrafficExtension.

import type { Extension, ExtensionFields } from '../model/extension.ts';
import type { Translator } from './_context.ts';
import { defined, obj, str } from './_fields.ts';
import { istioWasmFieldsOf } from './istio-wasm-plugin.ts';
import { originOf } from './_origin.ts';

/** The fields a TrafficExtension keeps under `wasm:`: a diagnostic about one cites it there. */
const WASM_FIELDS = ['sha256', 'pluginName', 'config', 'failStrategy', 'imagePullPolicy', 'imagePullSecret', 'vmConfig', 'type'] as const;

export const translateIstioTrafficExtension: Translator = (doc, { report }) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  const lua = spec.lua === undefined ? undefined : str(obj(spec.lua).inlineCode);
  const wasm = obj(spec.wasm);
  const sources: Partial<Record<keyof ExtensionFields, readonly (string | number)[]>> = { image: lua === undefined ? ['spec', 'wasm', 'url'] : ['spec', 'lua'] };
  for (const f of WASM_FIELDS) sources[f] = ['spec', 'wasm', f === 'config' ? 'pluginConfig' : f];
  const ext: Extension = defined({
    ...(lua === undefined ? istioWasmFieldsOf(wasm, ['spec', 'wasm'], origin, report) : {}),
    selector: spec.selector as ExtensionFields['selector'],
    targetRefs: spec.targetRefs as ExtensionFields['targetRefs'],
    // The same phases as WasmPlugin's, but the unset one is spelled UNSPECIFIED.
    phase: spec.phase === 'UNSPECIFIED' ? 'UNSPECIFIED_PHASE' : (spec.phase as ExtensionFields['phase']),
    priority: spec.priority as number | undefined,
    match: spec.match as ExtensionFields['match'],
    origin,
    flavor: 'istio' as const,
    sources,
    name: origin.name,
    namespace: origin.namespace ?? '',
    image: str(wasm.url) ?? '',
    lua,
  });
  return [ext];
};
