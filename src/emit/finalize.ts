// A target plus what resolution learned of its image → a Resolved resource: image defaults
// filled in (Maistra manifest.yaml, the Wasm config's rootIds), Maistra phases banded
// (docs/decisions.md, decision 23), version gates and field rules checked (decision 24). Every problem is reported; undefined means "do not emit". A Lua declaration has no
// image: it is finalized without one, and only as a TrafficExtension.

import type { Sink } from '../model/diagnostic.ts';
import type { ExtensionFields, IstioPhase, MaistraPhase, Phase } from '../model/extension.ts';
import { fieldPath } from '../expand/field-path.ts';
import type { ResolvedImage } from '../model/image.ts';
import type { Mesh } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../model/json-depth.ts';
import type { Target } from '../expand/target.ts';
import type { Resolved } from './resource.ts';
import { ENVOY_FILTER_PRIORITY_LIMIT } from './envoy-filter.ts';
import { FAIL_RELOAD_SINCE, FIELD_SINCE, LUA_SINCE, TRAFFIC_EXTENSION_SINCE, minorOf } from './versions.ts';

// Two Maistra phases share each of AUTHZ and STATS; the earlier one is lifted by a band wider
// than the whole ±MAISTRA_PRIORITY_LIMIT range (2 × 999,999 < 2,000,000), so its lowest
// priority still sorts above the later phase's highest one.
export const MAISTRA_BANDS: Record<MaistraPhase, readonly [IstioPhase, number]> = {
  PreAuthN: ['AUTHN', 0],
  PostAuthN: ['AUTHZ', 2_000_000],
  PreAuthZ: ['AUTHZ', 0],
  PostAuthZ: ['STATS', 2_000_000],
  PreStats: ['STATS', 0],
  PostStats: ['UNSPECIFIED_PHASE', 0],
};
export const MAISTRA_PRIORITY_LIMIT = 999_999;
const INT32_MAX = 2 ** 31 - 1;
/** A Kubernetes object name (DNS-1123 subdomain). */
const MAX_NAME = 253;

/** `image` is what the target's image resolved to; undefined exactly when the target is Lua. */
export function finalizeTarget(t: Target, image: ResolvedImage | undefined, mesh: Mesh, source: string | undefined, report: Sink): Resolved | undefined {
  const { ext, fields } = t;
  const o = ext.origin;
  let errors = 0;
  const r: Sink = (d) => {
    if (d.severity === 'error') errors++;
    report(d);
  };
  const output = ext.lua !== undefined ? 'TrafficExtension' : (fields.output ?? mesh.output);
  const minor = minorOf(mesh.istioVersion) ?? 0;
  if (ext.lua !== undefined) checkLua(t, mesh, minor, r);
  for (const [field, since] of Object.entries(FIELD_SINCE)) {
    if ((fields as unknown as Record<string, unknown>)[field] !== undefined && minor < since) r(at(o, fieldPath(t, field as keyof ExtensionFields), 'VERSION_GATED', `${field} needs Istio 1.${since} or newer; the Mesh declares istioVersion ${mesh.istioVersion}${field === 'match' && ext.flavor === 'maistra' ? " (meshext adds match: [{mode: SERVER}] to keep a ServiceMeshExtension inbound-only, as Maistra applied it)" : ''}`));
  }
  if (fields.failStrategy === 'FAIL_RELOAD' && minor < FAIL_RELOAD_SINCE) r(at(o, fieldPath(t, 'failStrategy'), 'VERSION_GATED', `failStrategy FAIL_RELOAD needs Istio 1.${FAIL_RELOAD_SINCE} or newer; the Mesh declares istioVersion ${mesh.istioVersion}`));
  if (output === 'TrafficExtension' && minor < TRAFFIC_EXTENSION_SINCE && ext.lua === undefined) {
    const message = `TrafficExtension needs Istio 1.${TRAFFIC_EXTENSION_SINCE} or newer; the Mesh declares istioVersion ${mesh.istioVersion}`;
    // The kind may be the Mesh's default: then the Mesh's spec.output is the line to change.
    if (fields.output === undefined && mesh.outputAt) r({ code: 'VERSION_GATED', severity: 'error', message, ...mesh.outputAt, field: 'spec.output' });
    else r(at(o, fieldPath(t, 'output'), 'VERSION_GATED', message));
  }
  if (fields.selector && fields.targetRefs) r(at(o, fieldPath(t, 'targetRefs'), 'FIELD_CONFLICT', 'selector and targetRefs cannot both be set: Istio ignores selector policies on targetRef-attached proxies'));
  for (const [i, e] of (fields.vmConfig?.env ?? []).entries()) {
    if (e.valueFrom === 'HOST' && e.value !== undefined) r(at(o, [...fieldPath(t, 'vmConfig'), 'env', i, 'value'], 'FIELD_CONFLICT', 'value may only be set when valueFrom is INLINE'));
  }
  if (fields.sha256 && image && image.format !== 'file') {
    const actual = image.format === 'http' ? image.moduleSha256 : image.digest?.replace(/^sha256:/, '');
    if (actual && actual !== fields.sha256) r(at(o, fieldPath(t, 'sha256'), 'SHA256_MISMATCH', `sha256 ${fields.sha256} does not match the image: ${image.format === 'http' ? 'the module hashes to' : 'its manifest digest is'} ${actual}`));
  }

  const defaults = image?.defaults ?? {};
  const declaredPhase: Phase = fields.phase ?? defaults.phase ?? 'UNSPECIFIED_PHASE';
  const declaredPriority = fields.priority ?? defaults.priority ?? 0;
  let phase: IstioPhase;
  let priority = declaredPriority;
  if (declaredPhase in MAISTRA_BANDS) {
    const [p, band] = MAISTRA_BANDS[declaredPhase as MaistraPhase];
    if (Math.abs(declaredPriority) > MAISTRA_PRIORITY_LIMIT) {
      r(at(o, fieldPath(t, fields.priority !== undefined ? 'priority' : 'image'), 'PRIORITY_OUT_OF_BAND', `priority ${declaredPriority}${fields.priority === undefined ? ' (from the image manifest)' : ''} with Maistra phase ${declaredPhase} must lie within ±${MAISTRA_PRIORITY_LIMIT}, so that phase order survives the mapping to Istio phases`));
    }
    phase = p;
    priority = declaredPriority + band;
  } else {
    phase = declaredPhase as IstioPhase;
  }
  if (Math.abs(priority) > INT32_MAX) r(at(o, fieldPath(t, 'priority'), 'SCHEMA', `priority ${priority} is outside int32`));
  if (output === 'EnvoyFilter') {
    if (Math.abs(priority) >= ENVOY_FILTER_PRIORITY_LIMIT) r(at(o, fieldPath(t, 'priority'), 'UNSUPPORTED', `EnvoyFilter output orders priorities within ±${ENVOY_FILTER_PRIORITY_LIMIT - 1}; ${priority} is outside`));
    for (const f of ['imagePullSecret', 'imagePullPolicy'] as const) {
      if (fields[f] !== undefined) r(at(o, fieldPath(t, f), 'FIELD_DROPPED', `${f} has no EnvoyFilter equivalent (istio-agent pulls ECDS modules without it); it is not emitted`, 'warning'));
    }
    if (fields.type === 'NETWORK') r(at(o, fieldPath(t, 'type'), 'UNSUPPORTED', 'type NETWORK cannot be emitted as an EnvoyFilter; use output WasmPlugin'));
  }
  const config = fields.config;
  if (config && 'json' in config && output !== 'EnvoyFilter' && (config.json === null || typeof config.json !== 'object' || Array.isArray(config.json))) {
    r(at(o, fieldPath(t, 'config'), 'UNSUPPORTED', `${output} pluginConfig must be an object; got ${Array.isArray(config.json) ? 'a list' : typeof config.json}`));
  }
  if (config && 'raw' in config && jsonDeeperThan(config.raw, MAX_JSON_DEPTH)) {
    r(at(o, fieldPath(t, 'config'), 'YAML_LIMIT', `config is a JSON string nested deeper than ${MAX_JSON_DEPTH} levels, which meshext refuses as it refuses YAML nested that deep`));
  } else if (config && 'raw' in config && output !== 'EnvoyFilter') {
    r(at(o, fieldPath(t, 'config'), 'CONFIG_RAW_STRING', `config is a string that is not JSON; it is passed as pluginConfig {raw_v1alpha1_config: …}, as Maistra converted it`, 'warning'));
  }
  // Two revisions of one cluster render side by side: each its own object (docs/decisions.md, decision 38).
  const name = mesh.revision !== undefined ? `${ext.name}-${mesh.revision}` : ext.name;
  if (name.length > MAX_NAME) r(at(o, ['metadata', 'name'], 'SCHEMA', `${name} (the name with the revision "${mesh.revision}" appended) is longer than ${MAX_NAME} characters`));
  if (errors > 0) return undefined;

  const rootIds = defaults.rootIds ?? [];
  return {
    output,
    name,
    namespace: t.namespaces[0]!,
    ...(mesh.revision !== undefined ? { revision: mesh.revision } : {}),
    origin: o,
    source,
    imageRef: fields.image,
    selector: fields.selector,
    targetRefs: fields.targetRefs,
    url: image?.url ?? '',
    // OCI pins live in the URL (docs/decisions.md, decision 11); only http(s) modules carry sha256.
    sha256: image?.format === 'http' ? image.moduleSha256 : undefined,
    verifiedBy: verifiedByOf(image),
    imagePullPolicy: fields.imagePullPolicy,
    imagePullSecret: fields.imagePullSecret,
    config,
    pluginName: fields.pluginName ?? (rootIds.length === 1 ? rootIds[0] : undefined),
    phase,
    priority,
    maistraPhase: declaredPhase in MAISTRA_BANDS ? (declaredPhase as MaistraPhase) : undefined,
    failStrategy: fields.failStrategy,
    vmConfig: fields.vmConfig,
    match: fields.match,
    type: fields.type,
    lua: ext.lua,
  };
}

/** Lua runs only as a TrafficExtension's `lua:` block, which Istio has from 1.30. */
function checkLua(t: Target, mesh: Mesh, minor: number, report: Sink): void {
  const o = t.ext.origin;
  if (minor < LUA_SINCE) report(at(o, ['spec', 'lua'], 'VERSION_GATED', `a Lua TrafficExtension needs Istio 1.${LUA_SINCE} or newer; the Mesh declares istioVersion ${mesh.istioVersion}`));
  if (mesh.output !== 'TrafficExtension' && mesh.outputAt) {
    const { file, line } = mesh.outputAt;
    report(at(o, ['spec', 'lua'], 'UNSUPPORTED', `a Lua TrafficExtension is emitted only as a TrafficExtension (${mesh.output} output carries Wasm modules, not Lua code), but the Mesh sets spec.output: ${mesh.output} (${file}:${line}); set it to TrafficExtension or remove it`));
  }
}



/** The signers of every policy the image satisfied, each once, in policy order. */
function verifiedByOf(image: ResolvedImage | undefined): string | undefined {
  if (image?.verified === undefined || image.verified.length === 0) return undefined;
  return [...new Set(image.verified.map((v) => v.verifiedBy))].join(', ');
}
