// Gloo Mesh WasmDeployment (v1alpha1 flat selectors, v1beta1 kubeWorkloadMatcher; both shapes
// accepted under both versions). A control-plane declaration wherever it lives (design §6.8):
// each filter × workload selector is one declaration, expanded over the selector's namespaces.

import type { Extension, PluginConfig, TrafficMatch } from '../model/extension.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Origin } from '../model/extension.ts';
import { at } from '../model/where.ts';
import type { Translator } from './_context.ts';
import { defined, labels, obj, pluginConfigOf, str, strings } from './_fields.ts';
import { originOf } from './_origin.ts';

const MAX_RESOURCES = 10_000;
const ROUTER_NAMES = new Set(['envoy.router', 'envoy.filters.http.router']);
const CONTEXT_MATCH: Record<string, TrafficMatch[] | undefined> = {
  SIDECAR_INBOUND: [{ mode: 'SERVER' }],
  SIDECAR_OUTBOUND: [{ mode: 'CLIENT' }],
  GATEWAY: [{ mode: 'CLIENT' }],
  ANY: undefined,
};

export const translateGlooWasmDeployment: Translator = (doc, { mesh, report }) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  const filters = Array.isArray(spec.filters) ? spec.filters.map(obj) : [];
  const selectors = Array.isArray(spec.workloadSelector) && spec.workloadSelector.length > 0 ? spec.workloadSelector.map(matcherOf) : [undefined];
  const out: Extension[] = [];
  // Each filter × selector × namespace is a resource: a few hundred lines could otherwise ask for millions.
  const total = filters.length * selectors.reduce((n, sel) => n + Math.max(1, sel?.namespaces.length ?? 0), 0);
  if (total > MAX_RESOURCES) {
    report(at(origin, ['spec', 'filters'], 'UNSUPPORTED', `${filters.length} filters × ${selectors.length} workload selectors (and their namespaces) would render ${total} resources; one WasmDeployment renders at most ${MAX_RESOURCES}`));
    return out;
  }
  filters.forEach((f, fi) => {
    const path = ['spec', 'filters', fi];
    const source = sourceOf(f);
    const config = configOf(f.staticFilterConfig, origin, [...path, 'staticFilterConfig'], report);
    if (f.dynamicFilterConfig !== undefined) report(at(origin, [...path, 'dynamicFilterConfig'], 'UNSUPPORTED', 'dynamicFilterConfig was never implemented by Gloo Mesh and has no Istio equivalent'));
    if (f.vmId !== undefined) report(at(origin, [...path, 'vmId'], 'FIELD_DROPPED', 'vmId has no WasmPlugin equivalent and is not emitted', 'warning'));
    const before = str(f.insertBeforeFilter);
    if (before && !ROUTER_NAMES.has(before)) report(at(origin, [...path, 'insertBeforeFilter'], 'FIELD_DROPPED', `insertBeforeFilter "${before}" cannot be expressed; the filter runs in phase UNSPECIFIED_PHASE, just before the router's group`, 'warning'));
    selectors.forEach((sel, si) => {
      if (sel && sel.clusters.length > 0 && mesh.cluster === undefined) {
        // No cluster to compare with: render, and say the filter was not applied.
        report(at(origin, ['spec', 'workloadSelector', si], 'CLUSTER_SKIPPED', `clusters [${sel.clusters.join(', ')}] are not checked: the Mesh sets no spec.cluster for this render`, 'warning'));
      } else if (sel && sel.clusters.length > 0 && !sel.clusters.includes(mesh.cluster!)) {
        report(at(origin, ['spec', 'workloadSelector', si], 'CLUSTER_SKIPPED', `clusters [${sel.clusters.join(', ')}] do not include this render's cluster "${mesh.cluster}": filter ${fi} renders nothing for this selector`, 'warning'));
        return;
      }
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
            priority: ['spec', 'weight'],
            match: [...path, 'filterContext'],
            selector: ['spec', 'workloadSelector', si],
          },
          name,
          namespace: mesh.controlPlaneNamespace,
          controlPlane: true,
          image: source.image,
          sha256: source.sha256,
          pluginName: str(f.rootId),
          phase: 'UNSPECIFIED_PHASE' as const,
          priority: typeof spec.weight === 'number' ? spec.weight : 0,
          config,
          selector: sel && Object.keys(sel.labels).length > 0 ? { matchLabels: sel.labels } : undefined,
          match: CONTEXT_MATCH[str(f.filterContext) ?? 'ANY'],
          scope: sel && sel.namespaces.length > 0 ? { namespaces: sel.namespaces } : undefined,
        }),
      );
    });
  });
  return out;
};

interface Matcher {
  readonly labels: Record<string, string>;
  readonly namespaces: string[];
  readonly clusters: string[];
}

function matcherOf(v: unknown): Matcher {
  const s = obj(v);
  const m = s.kubeWorkloadMatcher !== undefined ? obj(s.kubeWorkloadMatcher) : s;
  return { labels: labels(m.labels) ?? {}, namespaces: strings(m.namespaces) ?? [], clusters: strings(m.clusters) ?? [] };
}

function sourceOf(f: Readonly<Record<string, unknown>>): { image: string; sha256?: string; path: string[] } {
  if (f.wasmImageSource !== undefined) return { image: str(obj(f.wasmImageSource).wasmImageTag) ?? '', path: ['wasmImageSource', 'wasmImageTag'] };
  if (f.httpUriSource !== undefined) {
    const h = obj(f.httpUriSource);
    return { image: str(h.uri) ?? '', sha256: str(h.sha) || undefined, path: ['httpUriSource', 'uri'] };
  }
  const path = str(f.localPathSource) ?? '';
  return { image: path.startsWith('file://') ? path : `file://${path.startsWith('/') ? '' : '/'}${path}`, path: ['localPathSource'] };
}

/** staticFilterConfig is a protobuf Any in JSON form: unwrap StringValue, BytesValue and Struct. */
function configOf(v: unknown, origin: Origin, path: (string | number)[], report: (d: Diagnostic) => void): PluginConfig | undefined {
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
