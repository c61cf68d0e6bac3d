// Maistra / OpenShift Service Mesh ServiceMeshExtension (all three apiVersions).

import type { Extension } from '../model/extension.ts';
import { at } from '../model/where.ts';
import type { Translator } from './_context.ts';
import { defined, labels, obj, pluginConfigOf, str } from './_fields.ts';
import { originOf } from './_origin.ts';

export const translateMaistraSme: Translator = (doc, { report }) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  const secrets = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets.map((s) => str(obj(s).name)).filter((s): s is string => !!s) : [];
  if (secrets.length > 1) report(at(origin, ['spec', 'imagePullSecrets'], 'FIELD_DROPPED', `Istio takes one pull secret; using "${secrets[0]}" and dropping ${secrets.slice(1).map((s) => `"${s}"`).join(', ')}`, 'warning'));
  let imagePullPolicy = spec.imagePullPolicy as Extension['imagePullPolicy'] | 'Never' | undefined;
  if (imagePullPolicy === 'Never') {
    report(at(origin, ['spec', 'imagePullPolicy'], 'FIELD_DROPPED', 'Istio has no pull policy Never; emitting IfNotPresent', 'warning'));
    imagePullPolicy = 'IfNotPresent';
  }
  const matchLabels = labels(obj(spec.workloadSelector).labels);
  const ext: Extension = defined({
    origin,
    flavor: 'maistra' as const,
    sources: { selector: ['spec', 'workloadSelector'], imagePullSecret: ['spec', 'imagePullSecrets', 0], pluginName: ['metadata', 'name'], match: ['spec'] },
    name: origin.name,
    namespace: origin.namespace ?? '',
    image: str(spec.image) ?? '',
    // Maistra always gave its filters this root id (docs/decisions.md, decision 10).
    pluginName: `${origin.name}_root`,
    phase: spec.phase as Extension['phase'],
    priority: spec.priority as number | undefined,
    config: pluginConfigOf(spec.config),
    selector: matchLabels && Object.keys(matchLabels).length > 0 ? { matchLabels } : undefined,
    imagePullPolicy,
    imagePullSecret: secrets[0],
    // Maistra applied extensions to sidecar inbound traffic only (docs/decisions.md, decision 23).
    match: [{ mode: 'SERVER' as const }],
  });
  return [ext];
};
