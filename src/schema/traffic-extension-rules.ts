// What Istio refuses in a TrafficExtension beyond its CRD's structural schema: the CRD's CEL rules
// (shared with WasmPlugin, in istio-rules.ts), and what istiod itself refuses: its validating webhook
// (`ValidateTrafficExtension`) allows only the targetRef kinds it can attach to, and istiod discards,
// with nothing but a log line, Lua code over 64 KiB. The CRD's maxLength counts characters, istiod
// counts bytes, so non-ASCII code can pass the API server and still never reach a proxy.

import { checkIstioRules } from './istio-rules.ts';
import type { SchemaIssue } from './validate-document.ts';

type Path = readonly (string | number)[];
type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** group (an empty group is `core`) → the kinds istiod accepts in targetRefs. */
const TARGET_KINDS: Readonly<Record<string, readonly string[]>> = {
  core: ['Service'],
  'networking.istio.io': ['ServiceEntry'],
  'gateway.networking.k8s.io': ['Gateway', 'GatewayClass'],
};
const TARGET_KINDS_TEXT = 'Service, ServiceEntry (networking.istio.io), Gateway or GatewayClass (gateway.networking.k8s.io)';

export const LUA_MAX_BYTES = 65536;

export function checkTrafficExtensionRules(spec: unknown, at: Path = ['spec']): SchemaIssue[] {
  if (!isObj(spec)) return [];
  return [...checkIstioRules('TrafficExtension', spec, at), ...targetRefKindsIstiodAccepts(spec.targetRefs, [...at, 'targetRefs']), ...luaWithinIstiodLimit(spec.lua, [...at, 'lua', 'inlineCode'])];
}

export function targetRefKindsIstiodAccepts(refs: unknown, at: Path): SchemaIssue[] {
  if (!Array.isArray(refs)) return [];
  return refs.flatMap((r, i) => {
    if (!isObj(r) || typeof r.kind !== 'string') return [];
    const group = typeof r.group === 'string' ? r.group : '';
    if (TARGET_KINDS[group === '' ? 'core' : group]?.includes(r.kind)) return [];
    return [{ path: [...at, i, 'kind'], message: `targetRef must be to one of ${TARGET_KINDS_TEXT} but was ${group}/${r.kind}` }];
  });
}

export function luaWithinIstiodLimit(lua: unknown, at: Path): SchemaIssue[] {
  if (!isObj(lua) || typeof lua.inlineCode !== 'string') return [];
  const bytes = Buffer.byteLength(lua.inlineCode, 'utf8');
  return bytes > LUA_MAX_BYTES ? [{ path: at, message: `lua.inlineCode exceeds maximum size of 64KB: it is ${bytes} bytes of UTF-8, and istiod discards code over ${LUA_MAX_BYTES} bytes` }] : [];
}
