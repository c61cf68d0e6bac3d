// A target plus what resolution learned of its image → a Resolved resource: image defaults
// filled in (design §3), Maistra phases banded (rule 6), version gates and field rules checked
// (rule 8). Every problem is reported; undefined means "do not emit".

import type { Sink } from '../model/diagnostic.ts';
import type { IstioPhase, MaistraPhase, Phase } from '../model/extension.ts';
import type { ResolvedImage } from '../model/image.ts';
import type { Mesh } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import type { Target } from '../expand/target.ts';
import type { Resolved } from './resource.ts';
import { ENVOY_FILTER_PRIORITY_LIMIT } from './envoy-filter.ts';
import { FAIL_RELOAD_SINCE, FIELD_SINCE, TRAFFIC_EXTENSION_SINCE, minorOf } from './versions.ts';

const MAISTRA_BANDS: Record<MaistraPhase, readonly [IstioPhase, number]> = {
  PreAuthN: ['AUTHN', 0],
  PostAuthN: ['AUTHZ', 1_000_000],
  PreAuthZ: ['AUTHZ', 0],
  PostAuthZ: ['STATS', 1_000_000],
  PreStats: ['STATS', 0],
  PostStats: ['UNSPECIFIED_PHASE', 0],
};
export const MAISTRA_PRIORITY_LIMIT = 999_999;
const INT32_MAX = 2 ** 31 - 1;

export function finalizeTarget(t: Target, image: ResolvedImage, mesh: Mesh, source: string | undefined, report: Sink): Resolved | undefined {
  const { ext, fields } = t;
  const o = ext.origin;
  let errors = 0;
  const r: Sink = (d) => {
    if (d.severity === 'error') errors++;
    report(d);
  };
  const output = fields.output ?? mesh.output;
  const minor = minorOf(mesh.istioVersion) ?? 0;
  for (const [field, since] of Object.entries(FIELD_SINCE)) {
    if ((fields as unknown as Record<string, unknown>)[field] !== undefined && minor < since) r(at(o, ['spec', fieldName(ext.flavor, field)], 'VERSION_GATED', `${field} needs Istio 1.${since} or newer; the Mesh declares istioVersion ${mesh.istioVersion}`));
  }
  if (fields.failStrategy === 'FAIL_RELOAD' && minor < FAIL_RELOAD_SINCE) r(at(o, ['spec', 'failStrategy'], 'VERSION_GATED', `failStrategy FAIL_RELOAD needs Istio 1.${FAIL_RELOAD_SINCE} or newer; the Mesh declares istioVersion ${mesh.istioVersion}`));
  if (output === 'TrafficExtension' && minor < TRAFFIC_EXTENSION_SINCE) r(at(o, ['spec', 'output'], 'VERSION_GATED', `TrafficExtension needs Istio 1.${TRAFFIC_EXTENSION_SINCE} or newer; the Mesh declares istioVersion ${mesh.istioVersion}`));
  if (fields.selector && fields.targetRefs) r(at(o, ['spec', 'targetRefs'], 'FIELD_CONFLICT', 'selector and targetRefs cannot both be set: Istio ignores selector policies on targetRef-attached proxies'));
  for (const [i, e] of (fields.vmConfig?.env ?? []).entries()) {
    if (e.valueFrom === 'HOST' && e.value !== undefined) r(at(o, ['spec', 'vmConfig', 'env', i, 'value'], 'FIELD_CONFLICT', 'value may only be set when valueFrom is INLINE'));
  }
  if (fields.sha256 && image.format !== 'file') {
    const actual = image.format === 'http' ? image.moduleSha256 : image.digest?.replace(/^sha256:/, '');
    if (actual && actual !== fields.sha256) r(at(o, ['spec', ext.flavor === 'gloo' ? 'filters' : 'sha256'], 'SHA256_MISMATCH', `sha256 ${fields.sha256} does not match the image: ${image.format === 'http' ? 'the module hashes to' : 'its manifest digest is'} ${actual}`));
  }

  const declaredPhase: Phase = fields.phase ?? image.defaults.phase ?? 'UNSPECIFIED_PHASE';
  const declaredPriority = fields.priority ?? image.defaults.priority ?? 0;
  let phase: IstioPhase;
  let priority = declaredPriority;
  if (declaredPhase in MAISTRA_BANDS) {
    const [p, band] = MAISTRA_BANDS[declaredPhase as MaistraPhase];
    if (Math.abs(declaredPriority) > MAISTRA_PRIORITY_LIMIT) {
      r(at(o, ['spec', fields.priority !== undefined ? 'priority' : 'image'], 'PRIORITY_OUT_OF_BAND', `priority ${declaredPriority}${fields.priority === undefined ? ' (from the image manifest)' : ''} with Maistra phase ${declaredPhase} must lie within ±${MAISTRA_PRIORITY_LIMIT}, so that phase order survives the mapping to Istio phases`));
    }
    phase = p;
    priority = declaredPriority + band;
  } else {
    phase = declaredPhase as IstioPhase;
  }
  if (Math.abs(priority) > INT32_MAX) r(at(o, ['spec', 'priority'], 'SCHEMA', `priority ${priority} is outside int32`));
  if (output === 'EnvoyFilter') {
    if (Math.abs(priority) >= ENVOY_FILTER_PRIORITY_LIMIT) r(at(o, ['spec', 'priority'], 'UNSUPPORTED', `EnvoyFilter output orders priorities within ±${ENVOY_FILTER_PRIORITY_LIMIT - 1}; ${priority} is outside`));
    for (const f of ['imagePullSecret', 'imagePullPolicy'] as const) {
      if (fields[f] !== undefined) r(at(o, ['spec', f], 'FIELD_DROPPED', `${f} has no EnvoyFilter equivalent (istio-agent pulls ECDS modules without it); it is not emitted`, 'warning'));
    }
    if (fields.type === 'NETWORK') r(at(o, ['spec', 'type'], 'UNSUPPORTED', 'type NETWORK cannot be emitted as an EnvoyFilter; use output WasmPlugin'));
  }
  const config = fields.config;
  if (config && 'json' in config && output !== 'EnvoyFilter' && (config.json === null || typeof config.json !== 'object' || Array.isArray(config.json))) {
    r(at(o, ['spec', configField(ext.flavor)], 'UNSUPPORTED', `${output} pluginConfig must be an object; got ${Array.isArray(config.json) ? 'a list' : typeof config.json}`));
  }
  if (config && 'raw' in config && output !== 'EnvoyFilter') {
    r(at(o, ['spec', configField(ext.flavor)], 'CONFIG_RAW_STRING', `config is a string that is not JSON; it is passed as pluginConfig {raw_v1alpha1_config: …}, as Maistra converted it`, 'warning'));
  }
  if (errors > 0) return undefined;

  const rootIds = image.defaults.rootIds ?? [];
  return {
    output,
    name: ext.name,
    namespace: t.namespace,
    origin: o,
    source,
    imageRef: fields.image,
    selector: fields.selector,
    targetRefs: fields.targetRefs,
    url: image.url,
    // OCI pins live in the URL (design §6.11); only http(s) modules carry sha256.
    sha256: image.format === 'http' ? image.moduleSha256 : undefined,
    imagePullPolicy: fields.imagePullPolicy,
    imagePullSecret: fields.imagePullSecret,
    config,
    pluginName: fields.pluginName ?? (rootIds.length === 1 ? rootIds[0] : undefined),
    phase,
    priority,
    failStrategy: fields.failStrategy,
    vmConfig: fields.vmConfig,
    match: fields.match,
    type: fields.type,
  };
}

function configField(flavor: string | undefined): string {
  return flavor === 'istio' ? 'pluginConfig' : flavor === 'gloo' ? 'filters' : 'config';
}

function fieldName(flavor: string | undefined, field: string): string {
  return flavor === 'maistra' && field === 'match' ? 'phase' : field;
}
