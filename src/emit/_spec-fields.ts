// Field builders WasmPlugin and TrafficExtension share, in Istio's API-reference order.

import type { Plain } from './to-yaml.ts';
import type { Resolved } from './resource.ts';
import { sortedRecord } from './metadata.ts';

type Obj = { [k: string]: Plain };

export function put(o: Obj, k: string, v: Plain | undefined): void {
  if (v !== undefined) o[k] = v;
}

export function selectorOf(r: Resolved): Plain | undefined {
  return r.selector?.matchLabels ? { matchLabels: sortedRecord(r.selector.matchLabels) } : undefined;
}

export function targetRefsOf(r: Resolved): Plain | undefined {
  return r.targetRefs?.map((t) => {
    const o: Obj = {};
    put(o, 'group', t.group);
    o.kind = t.kind;
    o.name = t.name;
    put(o, 'namespace', t.namespace);
    return o;
  });
}

/** pluginConfig is a Struct: a non-JSON string travels as Maistra's raw_v1alpha1_config. */
export function pluginConfigOf(r: Resolved): Plain | undefined {
  if (!r.config) return undefined;
  if ('raw' in r.config) return { raw_v1alpha1_config: r.config.raw };
  return r.config.json as Plain;
}

export function vmConfigOf(r: Resolved): Plain | undefined {
  if (!r.vmConfig) return undefined;
  return r.vmConfig.env ? { env: r.vmConfig.env.map((e) => envOf(e)) } : {};
}

function envOf(e: { name: string; valueFrom?: string; value?: string }): Obj {
  const o: Obj = { name: e.name };
  put(o, 'valueFrom', e.valueFrom);
  put(o, 'value', e.value);
  return o;
}

export function matchOf(r: Resolved): Plain | undefined {
  return r.match?.map((m) => {
    const o: Obj = {};
    put(o, 'mode', m.mode);
    if (m.ports) o.ports = m.ports.map((p) => ({ number: p.number }));
    return o;
  });
}

/** The Wasm fields of WasmPlugin spec / TrafficExtension wasm, in proto order. */
export function wasmFieldsOf(r: Resolved, o: Obj): void {
  o.url = r.url;
  put(o, 'sha256', r.sha256);
  put(o, 'imagePullPolicy', r.imagePullPolicy);
  put(o, 'imagePullSecret', r.imagePullSecret);
  put(o, 'pluginConfig', pluginConfigOf(r));
  put(o, 'pluginName', r.pluginName);
}
