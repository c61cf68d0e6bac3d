// The output kinds against the API versions the destination cluster serves, when Argo CD says which
// (KUBE_API_VERSIONS: group/version and group/version/Kind entries): a kind the cluster lacks fails
// the render, naming kind and cluster, instead of failing the sync later (docs/decisions.md, decision 39).

import type { Sink } from '../model/diagnostic.ts';
import type { OutputKind } from '../model/extension.ts';
import { at } from '../model/where.ts';
import type { Placement } from './resource.ts';

/** The apiVersion each output kind is emitted with. */
export const API_VERSION_OF: Readonly<Record<OutputKind, string>> = {
  WasmPlugin: 'extensions.istio.io/v1alpha1',
  TrafficExtension: 'extensions.istio.io/v1alpha1',
  EnvoyFilter: 'networking.istio.io/v1alpha3',
};

export function checkServedKinds(placements: readonly Placement[], apiVersions: readonly string[], cluster: string | undefined, report: Sink): void {
  const served = new Set(apiVersions.map((s) => s.trim()).filter((s) => s !== ''));
  const reported = new Set<OutputKind>();
  for (const { resolved: r } of placements) {
    const kind = r.output;
    const gvk = `${API_VERSION_OF[kind]}/${kind}`;
    if (served.has(gvk) || reported.has(kind)) continue;
    reported.add(kind);
    const istio = [...served].filter((s) => /^[^/]*istio\.io\/[^/]+\/[^/]+$/.test(s)).sort();
    const where = cluster === undefined ? 'the destination cluster' : `cluster "${cluster}"`;
    report(at(r.origin, ['spec', 'output'], 'KIND_NOT_SERVED', `${where} does not serve ${gvk}, which ${r.origin.kind} ${r.origin.name} renders as: KUBE_API_VERSIONS (what Argo CD read from that cluster) lists ${istio.length === 0 ? 'no Istio kind' : istio.join(', ')}. Install the CRD there (TrafficExtension comes with Istio 1.30), or render another output kind (spec.output)`));
  }
}
