// What Gloo Mesh's WasmDeployment (1.x) and WasmDeploymentPolicy (2.x) share: a list of filters
// placed on a list of workload selectors. Each kind reads its own selector shape into GlooSelector;
// from there both are one placement rule. A control-plane declaration wherever it lives (Gloo keeps
// its config in its own namespace): each filter × selector × namespace is one resource named
// `<name>`, with `-<filter index>` and `-<selector index>` only where that list has several entries.

import type { Diagnostic } from '../model/diagnostic.ts';
import type { Extension, Origin, PluginConfig, TrafficMatch } from '../model/extension.ts';
import type { Mesh } from '../model/mesh.ts';
import type { FieldPath } from '../model/where.ts';
import { at } from '../model/where.ts';
import type { Json } from './_fields.ts';
import { defined, obj, pluginConfigOf, str } from './_fields.ts';

/** One workload selector, whichever Gloo shape it was written in. */
export interface GlooSelector {
  readonly labels: Readonly<Record<string, string>>;
  readonly namespaces: readonly string[];
  /** Clusters it is limited to; empty means every cluster. */
  readonly clusters: readonly string[];
  /** Workload ports it is limited to (a WasmDeploymentPolicy's `port.number`). */
  readonly ports?: readonly number[];
  /** Where the selector is written, for diagnostics. */
  readonly path: FieldPath;
}

export interface GlooFilters {
  readonly origin: Origin;
  readonly filters: readonly Json[];
  readonly filtersPath: FieldPath;
  /** `[undefined]` when the declaration selects every workload. */
  readonly selectors: readonly (GlooSelector | undefined)[];
  readonly selectorsPath: FieldPath;
  readonly weight: unknown;
  readonly weightPath: FieldPath;
}

const MAX_RESOURCES = 10_000;
const ROUTER_NAMES = new Set(['envoy.router', 'envoy.filters.http.router']);
const CONTEXT_MODE: Readonly<Record<string, TrafficMatch['mode'] | undefined>> = {
  SIDECAR_INBOUND: 'SERVER',
  SIDECAR_OUTBOUND: 'CLIENT',
  GATEWAY: 'CLIENT',
  ANY: undefined,
};

export function translateGlooFilters(g: GlooFilters, mesh: Mesh, report: (d: Diagnostic) => void): Extension[] {
  const { origin, filters, selectors } = g;
  const out: Extension[] = [];
  // Each filter × selector × namespace is a resource: a few hundred lines could otherwise ask for millions.
  const total = filters.length * selectors.reduce((n, sel) => n + Math.max(1, sel?.namespaces.length ?? 0), 0);
  if (total > MAX_RESOURCES) {
    report(at(origin, g.filtersPath, 'UNSUPPORTED', `${filters.length} filters × ${selectors.length} workload selectors (and their namespaces) would render ${total} resources; one ${origin.kind} renders at most ${MAX_RESOURCES}`));
    return out;
  }
  selectors.forEach((sel) => {
    if (sel?.namespaces.includes(mesh.controlPlaneNamespace)) {
      report(at(origin, sel.path, 'UNSUPPORTED', `namespace "${mesh.controlPlaneNamespace}" is the control-plane namespace: a resource there applies to the selected workloads of every namespace, not only to those in "${mesh.controlPlaneNamespace}"`, 'warning'));
    }
  });
  filters.forEach((f, fi) => {
    const path = [...g.filtersPath, fi];
    const source = sourceOf(f);
    const config = configOf(f.staticFilterConfig, origin, [...path, 'staticFilterConfig'], report);
    if (f.dynamicFilterConfig !== undefined) report(at(origin, [...path, 'dynamicFilterConfig'], 'UNSUPPORTED', 'dynamicFilterConfig was never implemented by Gloo Mesh and has no Istio equivalent'));
    if (f.vmId !== undefined) report(at(origin, [...path, 'vmId'], 'FIELD_DROPPED', 'vmId has no WasmPlugin equivalent and is not emitted', 'warning'));
    const before = str(f.insertBeforeFilter);
    if (before && !ROUTER_NAMES.has(before)) report(at(origin, [...path, 'insertBeforeFilter'], 'FIELD_DROPPED', `insertBeforeFilter "${before}" cannot be expressed; the filter runs in phase UNSPECIFIED_PHASE, just before the router's group`, 'warning'));
    const context = str(f.filterContext) ?? 'ANY';
    if (!Object.hasOwn(CONTEXT_MODE, context)) {
      report(at(origin, [...path, 'filterContext'], 'UNSUPPORTED', `filterContext ${context} cannot be rendered: Istio attaches Wasm to waypoint proxies only through targetRefs, which a workload selector cannot name`));
      return;
    }
    selectors.forEach((sel, si) => {
      let name = origin.name;
      if (filters.length > 1) name += `-${fi}`;
      if (selectors.length > 1) name += `-${si}`;
      out.push(
        defined({
          origin,
          flavor: 'gloo' as const,
          sources: {
            image: [...path, ...source.path],
            sha256: [...path, 'httpUriSource', 'sha'],
            config: [...path, 'staticFilterConfig'],
            pluginName: [...path, 'rootId'],
            priority: g.weightPath,
            match: [...path, 'filterContext'],
            selector: sel?.path ?? g.selectorsPath,
          },
          name,
          namespace: mesh.controlPlaneNamespace,
          controlPlane: true,
          image: source.image,
          sha256: source.sha256,
          pluginName: str(f.rootId),
          phase: 'UNSPECIFIED_PHASE' as const,
          priority: typeof g.weight === 'number' ? g.weight : 0,
          config,
          selector: sel && Object.keys(sel.labels).length > 0 ? { matchLabels: sel.labels } : undefined,
          match: matchOf(CONTEXT_MODE[context], sel?.ports),
          scope: sel && sel.namespaces.length > 0 ? { namespaces: sel.namespaces } : undefined,
          // Gloo's clusters are the declaration's clusters, placed with the rest (expand/select-clusters.ts).
          clusters: sel && sel.clusters.length > 0 ? sel.clusters : undefined,
          clustersAt: sel && sel.clusters.length > 0 ? sel.path : undefined,
        }),
      );
    });
  });
  return out;
}

function matchOf(mode: TrafficMatch['mode'], ports: readonly number[] | undefined): TrafficMatch[] | undefined {
  if (ports === undefined || ports.length === 0) return mode ? [{ mode }] : undefined;
  return [defined({ mode, ports: ports.map((number) => ({ number })) })];
}

function sourceOf(f: Json): { image: string; sha256?: string; path: string[] } {
  if (f.wasmImageSource !== undefined) return { image: str(obj(f.wasmImageSource).wasmImageTag) ?? '', path: ['wasmImageSource', 'wasmImageTag'] };
  if (f.httpUriSource !== undefined) {
    const h = obj(f.httpUriSource);
    return { image: str(h.uri) ?? '', sha256: str(h.sha) || undefined, path: ['httpUriSource', 'uri'] };
  }
  const path = str(f.localPathSource) ?? '';
  return { image: path.startsWith('file://') ? path : `file://${path.startsWith('/') ? '' : '/'}${path}`, path: ['localPathSource'] };
}

/** staticFilterConfig is a protobuf Any in JSON form: unwrap StringValue, BytesValue and Struct. */
function configOf(v: unknown, origin: Origin, path: FieldPath, report: (d: Diagnostic) => void): PluginConfig | undefined {
  if (v === undefined) return undefined;
  const any = obj(v);
  const type = str(any['@type']);
  if (type === undefined) return { json: any };
  const short = type.slice(type.lastIndexOf('/') + 1);
  switch (short) {
    case 'google.protobuf.StringValue':
      return pluginConfigOf(str(any.value) ?? '');
    case 'google.protobuf.BytesValue':
      return pluginConfigOf(Buffer.from(str(any.value) ?? '', 'base64').toString('utf8'));
    case 'google.protobuf.Struct':
      return { json: obj(any.value) };
    default:
      report(at(origin, path, 'UNSUPPORTED', `staticFilterConfig of type "${type}" cannot be passed to a Wasm plugin; use google.protobuf.StringValue or google.protobuf.Struct`));
      return undefined;
  }
}
