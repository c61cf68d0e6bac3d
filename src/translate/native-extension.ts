// meshext.dev/v1alpha1 Extension: already the native model, field for field.

import type { Extension, ExtensionFields, Override, Scope } from '../model/extension.ts';
import type { Translator } from './_context.ts';
import { defined, obj, pluginConfigOf, str } from './_fields.ts';
import { originOf } from './_origin.ts';

export const translateNativeExtension: Translator = (doc) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  const overrides = Array.isArray(spec.overrides)
    ? spec.overrides.map((o, index): Override => {
        const ov = obj(o);
        return defined({ ...extensionFieldsOf(ov), namespaces: ov.namespaces as string[] | undefined, namespaceSelector: ov.namespaceSelector as Override['namespaceSelector'], tenants: ov.tenants as string[] | undefined, clusters: ov.clusters as string[] | undefined, clusterSelector: ov.clusterSelector as Override['clusterSelector'], index });
      })
    : undefined;
  const ext: Extension = defined({
    ...extensionFieldsOf(spec),
    origin,
    flavor: 'native' as const,
    name: origin.name,
    namespace: origin.namespace ?? '',
    image: str(spec.image) ?? '',
    signature: str(spec.signature),
    scope: spec.scope as Scope | undefined,
    allowedIn: spec.allowedIn as string[] | undefined,
    clusters: spec.clusters as string[] | undefined,
    clusterSelector: spec.clusterSelector as Extension['clusterSelector'],
    overrides,
  });
  return [ext];
};

/** The fields an Extension spec and an override share. */
export function extensionFieldsOf(spec: Readonly<Record<string, unknown>>): ExtensionFields {
  return defined({
    image: str(spec.image),
    sha256: str(spec.sha256),
    pluginName: str(spec.pluginName),
    phase: spec.phase as ExtensionFields['phase'],
    priority: spec.priority as number | undefined,
    config: pluginConfigOf(spec.config),
    selector: spec.selector as ExtensionFields['selector'],
    targetRefs: spec.targetRefs as ExtensionFields['targetRefs'],
    match: spec.match as ExtensionFields['match'],
    type: spec.type as ExtensionFields['type'],
    failStrategy: spec.failStrategy as ExtensionFields['failStrategy'],
    imagePullPolicy: spec.imagePullPolicy as ExtensionFields['imagePullPolicy'],
    imagePullSecret: str(spec.imagePullSecret),
    vmConfig: spec.vmConfig as ExtensionFields['vmConfig'],
    output: spec.output as ExtensionFields['output'],
  });
}
