// Resolved target → networking.istio.io/v1alpha3 EnvoyFilter using the ECDS two-patch pattern
// (istio/api networking/v1alpha3/envoy_filter.proto, its Wasm example): an EXTENSION_CONFIG with
// the Wasm filter, and an HTTP_FILTER INSERT_BEFORE the router that discovers it. EnvoyFilter
// priority runs lowest first, so the phase and Wasm priority (highest first) are folded into one
// ascending number. test/envoy-schema.test.ts checks every patch against Envoy's messages.

import type { IstioPhase, TrafficMatch } from '../model/extension.ts';
import type { Plain } from './to-yaml.ts';
import { markShared } from './to-yaml.ts';
import { API_VERSION_OF } from './resource.ts';
import type { Resolved } from './resource.ts';
import type { MetadataCache } from './metadata.ts';
import { metadataOf, sortedRecord } from './metadata.ts';

const WASM_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm';
const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const STRING_VALUE = 'type.googleapis.com/google.protobuf.StringValue';
const HCM = 'envoy.filters.network.http_connection_manager';
const ROUTER = 'envoy.filters.http.router';

/** Wasm priorities an EnvoyFilter can order: each phase owns a band of 2^29 values. */
export const ENVOY_FILTER_PRIORITY_LIMIT = 2 ** 28;
const PHASE_BASE: Record<IstioPhase, number> = { AUTHN: -3 * 2 ** 29, AUTHZ: -(2 ** 29), STATS: 2 ** 29, UNSPECIFIED_PHASE: 3 * 2 ** 29 };

export function envoyFilterPriority(phase: IstioPhase, priority: number): number {
  return PHASE_BASE[phase] - priority;
}

export function emitEnvoyFilter(r: Resolved, namespace: string, metadata?: MetadataCache, parts: EnvoyFilterParts = envoyFilterParts(r)): { [k: string]: Plain } {
  const filterName = `${namespace}.${r.name}`;
  const spec: { [k: string]: Plain } = {};
  if (parts.workloadSelector) spec.workloadSelector = parts.workloadSelector;
  if (parts.targetRefs) spec.targetRefs = parts.targetRefs;
  const config: { [k: string]: Plain } = { name: filterName };
  if (parts.rootId !== undefined) config.root_id = parts.rootId;
  config.vm_config = parts.vm;
  if (parts.configuration) config.configuration = parts.configuration;
  config.failure_policy = parts.failurePolicy;
  const patches: Plain[] = [{ applyTo: 'EXTENSION_CONFIG', patch: { operation: 'ADD', value: { name: filterName, typed_config: { '@type': WASM_TYPE, config } } } }];
  for (const match of parts.matches) patches.push({ applyTo: 'HTTP_FILTER', match, patch: { operation: 'INSERT_BEFORE', value: { name: filterName, config_discovery: parts.discovery } } });
  spec.configPatches = patches;
  spec.priority = parts.priority;
  return { apiVersion: API_VERSION_OF.EnvoyFilter, kind: 'EnvoyFilter', metadata: metadataOf(r, namespace, metadata), spec };
}

/**
 * What an EnvoyFilter holds that does not name its namespace, as objects marked shared: the
 * copies of one declaration in every namespace take them from one call, not one per namespace (ARCHITECTURE.md, "Start-up and speed").
 */
export interface EnvoyFilterParts {
  readonly workloadSelector?: Plain;
  readonly targetRefs?: Plain;
  readonly rootId?: string;
  readonly vm: Plain;
  readonly configuration?: Plain;
  readonly failurePolicy: string;
  /** Each HTTP_FILTER patch's `match`. */
  readonly matches: readonly Plain[];
  readonly discovery: Plain;
  readonly priority: number;
}

export function envoyFilterParts(r: Resolved): EnvoyFilterParts {
  const vm: { [k: string]: Plain } = {
    runtime: 'envoy.wasm.runtime.v8',
    code: moduleCode(r),
  };
  const env = r.vmConfig?.env ?? [];
  if (env.length > 0) {
    const host = env.filter((e) => e.valueFrom === 'HOST').map((e) => e.name);
    const inline = env.filter((e) => e.valueFrom !== 'HOST');
    const ev: { [k: string]: Plain } = {};
    if (host.length > 0) ev.host_env_keys = host;
    if (inline.length > 0) ev.key_values = Object.fromEntries(inline.map((e) => [e.name, e.value ?? '']));
    vm.environment_variables = ev;
  }
  return {
    workloadSelector: r.selector?.matchLabels ? markShared({ labels: sortedRecord(r.selector.matchLabels) }) : undefined,
    targetRefs: r.targetRefs ? markShared(r.targetRefs.map((t) => ({ ...(t.group !== undefined ? { group: t.group } : {}), kind: t.kind, name: t.name }))) : undefined,
    rootId: r.pluginName ? r.pluginName : undefined,
    vm: markShared(vm),
    configuration: r.config ? markShared({ '@type': STRING_VALUE, value: 'raw' in r.config ? r.config.raw : JSON.stringify(r.config.json) }) : undefined,
    failurePolicy: r.failStrategy === 'FAIL_OPEN' ? 'FAIL_OPEN' : r.failStrategy === 'FAIL_RELOAD' ? 'FAIL_RELOAD' : 'FAIL_CLOSED',
    matches: contexts(r.match).map((m) => markShared({ ...(m.context ? { context: m.context } : {}), listener: listenerMatch(m) })),
    discovery: markShared({ config_source: { ads: {}, initial_fetch_timeout: '0s' }, type_urls: [WASM_TYPE, RBAC_TYPE] }),
    priority: envoyFilterPriority(r.phase, r.priority),
  };
}

/**
 * The module as Envoy's AsyncDataSource (envoy/config/core/v3/base.proto), written as istiod writes
 * it for a WasmPlugin (istio/istio pilot/pkg/model/extensions.go, buildDataSource). A module already
 * on the proxy's disk is `local.filename`: istio-agent downloads only http, https and oci URLs
 * (pkg/wasm/cache.go) and would replace a filter with any other `remote` by its RBAC fallback,
 * deny-all unless FAIL_OPEN. Any other module is `remote`: istio-agent downloads it, compares the
 * sha256 and rewrites the code to a local file, so the cluster is a placeholder; Envoy rejects a
 * RemoteDataSource with an empty sha256. An OCI URL is pinned by its platform manifest digest, the
 * checksum istio-agent compares for OCI; an http(s) module carries the sha256 of its bytes.
 */
function moduleCode(r: Resolved): Plain {
  // istiod strips the prefix as written, without decoding: the same file as a WasmPlugin would load.
  const file = /^file:\/\//i.exec(r.url);
  if (file) return { local: { filename: r.url.slice(file[0].length) } };
  const at = r.url.lastIndexOf('@sha256:');
  const sha256 = r.sha256 ?? (at >= 0 ? r.url.slice(at + 8) : undefined);
  if (!sha256) throw new Error(`EnvoyFilter for ${r.url}: a resolved module is pinned by digest or has a module sha256; this is a bug`);
  return { remote: { http_uri: { uri: r.url, cluster: '_', timeout: '30s' }, sha256 } };
}

interface PatchMatch {
  readonly context?: 'SIDECAR_INBOUND' | 'SIDECAR_OUTBOUND' | 'GATEWAY';
  readonly port?: number;
}

/** WasmPlugin `match` as EnvoyFilter contexts: SERVER is inbound, CLIENT outbound and gateways. */
function contexts(match: readonly TrafficMatch[] | undefined): PatchMatch[] {
  if (!match || match.length === 0) return [{}];
  const out: PatchMatch[] = [];
  const seen = new Set<string>();
  const add = (m: PatchMatch) => {
    const k = `${m.context ?? ''}/${m.port ?? ''}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(m);
  };
  for (const m of match) {
    const ctxs: (PatchMatch['context'] | undefined)[] = m.mode === 'SERVER' ? ['SIDECAR_INBOUND'] : m.mode === 'CLIENT' ? ['SIDECAR_OUTBOUND', 'GATEWAY'] : [undefined];
    for (const context of ctxs) {
      if (m.ports && m.ports.length > 0) for (const p of m.ports) add({ context, port: p.number });
      else add({ context });
    }
  }
  return out;
}

function listenerMatch(m: PatchMatch): Plain {
  const filterChain: { [k: string]: Plain } = {};
  // Inbound traffic shares the virtual inbound listener; its port is the filter chain's destination.
  if (m.port !== undefined && m.context === 'SIDECAR_INBOUND') filterChain.destinationPort = m.port;
  filterChain.filter = { name: HCM, subFilter: { name: ROUTER } };
  return m.port !== undefined && m.context !== 'SIDECAR_INBOUND' ? { portNumber: m.port, filterChain } : { filterChain };
}
