// Gloo Mesh WasmDeployment (v1alpha1 flat selectors, v1beta1 kubeWorkloadMatcher; both shapes
// accepted under both versions). Its filters are placed on its selectors by translateGlooFilters;
// an empty workloadSelector means every workload of the mesh.

import type { Translator } from './_context.ts';
import { labels, obj, strings } from './_fields.ts';
import type { GlooSelector } from './_gloo-filters.ts';
import { translateGlooFilters } from './_gloo-filters.ts';
import { originOf } from './_origin.ts';

export const translateGlooWasmDeployment: Translator = (doc, { mesh, report }) => {
  const spec = obj(doc.value.spec);
  const given = Array.isArray(spec.workloadSelector) ? spec.workloadSelector : [];
  return translateGlooFilters(
    {
      origin: originOf(doc),
      filters: Array.isArray(spec.filters) ? spec.filters.map(obj) : [],
      filtersPath: ['spec', 'filters'],
      selectors: given.length > 0 ? given.map(matcherOf) : [undefined],
      selectorsPath: ['spec', 'workloadSelector'],
      weight: spec.weight,
      weightPath: ['spec', 'weight'],
    },
    mesh,
    report,
  );
};

function matcherOf(v: unknown, i: number): GlooSelector {
  const s = obj(v);
  const m = s.kubeWorkloadMatcher !== undefined ? obj(s.kubeWorkloadMatcher) : s;
  return { labels: labels(m.labels) ?? {}, namespaces: strings(m.namespaces) ?? [], clusters: strings(m.clusters) ?? [], path: ['spec', 'workloadSelector', i] };
}
