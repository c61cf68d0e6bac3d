// Tetrate TSB/TSE WasmExtension (extension.tsb.tetrate.io/v2). It has no namespace of its own:
// it renders into the control-plane namespace, over its allowedIn tenants (docs/decisions.md, decision 7).

import type { EnvVar, Extension, TrafficMatch } from '../model/extension.ts';
import { at } from '../model/where.ts';
import type { Translator } from './_context.ts';
import { defined, obj, pluginConfigOf, str } from './_fields.ts';
import { originOf } from './_origin.ts';

export const translateTetrateWasmExtension: Translator = (doc, { mesh, report }) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  const tenants: string[] = [];
  (Array.isArray(spec.allowedIn) ? spec.allowedIn : []).forEach((fqn, i) => {
    const t = tenantOfFqn(String(fqn));
    if (t) tenants.push(t);
    else report(at(origin, ['spec', 'allowedIn', i], 'SCHEMA', `"${String(fqn)}" does not name a tenant: expected organizations/<org>/tenants/<tenant> or a tenant name`));
  });
  const mode = str(obj(spec.match).mode) as TrafficMatch['mode'];
  // TSB ignores `value` for HOST variables; Istio rejects it, so it is dropped here.
  const env = (obj(spec.vmConfig).env as EnvVar[] | undefined)?.map((e, i) => {
    if (e.valueFrom !== 'HOST' || e.value === undefined) return e;
    report(at(origin, ['spec', 'vmConfig', 'env', i, 'value'], 'FIELD_DROPPED', 'value is ignored for valueFrom HOST (as TSB does) and is not emitted', 'warning'));
    return { name: e.name, valueFrom: e.valueFrom };
  });
  const ext: Extension = defined({
    origin,
    flavor: 'tetrate' as const,
    sources: { image: ['spec', spec.url !== undefined ? 'url' : 'image'] },
    name: origin.name,
    namespace: mesh.controlPlaneNamespace,
    controlPlane: true,
    image: str(spec.url) ?? str(spec.image) ?? '',
    phase: spec.phase as Extension['phase'],
    priority: spec.priority as number | undefined,
    config: pluginConfigOf(spec.config),
    imagePullPolicy: spec.imagePullPolicy as Extension['imagePullPolicy'],
    imagePullSecret: str(spec.imagePullSecret),
    vmConfig: spec.vmConfig === undefined ? undefined : env ? { env } : {},
    match: mode ? [{ mode }] : undefined,
    scope: tenants.length > 0 ? { tenants } : undefined,
    allowedIn: tenants.length > 0 ? tenants : undefined,
  });
  return [ext];
};

/** `organizations/o/tenants/t[/…]` names tenant `t`; a bare name is the tenant itself. */
export function tenantOfFqn(fqn: string): string | undefined {
  const parts = fqn.split('/');
  if (parts.length === 1) return parts[0] || undefined;
  const i = parts.indexOf('tenants');
  return parts[0] === 'organizations' && i === 2 && parts[3] ? parts[3] : undefined;
}
