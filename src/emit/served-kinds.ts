// The output kinds against the API versions the destination cluster serves, when Argo CD says which
// (KUBE_API_VERSIONS: group/version and group/version/Kind entries): a kind the cluster lacks fails
// the render, naming kind and cluster, instead of failing the sync later (docs/decisions.md, decision 39).

import type { Sink } from '../model/diagnostic.ts';
import type { OutputKind } from '../model/extension.ts';
import type { Mesh } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import { fieldPath } from '../expand/field-path.ts';
import type { Target } from '../expand/target.ts';
import { API_VERSION_OF } from './resource.ts';
import type { Resolved } from './resource.ts';

/** A resource to check, with the target and Mesh it was made from (to cite where its kind was chosen). */
export interface ServedCheck {
  readonly resolved: Resolved;
  readonly target: Target;
  readonly mesh: Mesh;
}

export function checkServedKinds(placements: readonly ServedCheck[], apiVersions: readonly string[], cluster: string | undefined, report: Sink): void {
  const served = new Set(apiVersions.map((s) => s.trim()).filter((s) => s !== ''));
  const reported = new Set<OutputKind>();
  for (const { resolved: r, target: t, mesh } of placements) {
    const kind = r.output;
    const gvk = `${API_VERSION_OF[kind]}/${kind}`;
    if (served.has(gvk) || reported.has(kind)) continue;
    reported.add(kind);
    const istio = [...served].filter((s) => /^[^/]*istio\.io\/[^/]+\/[^/]+$/.test(s)).sort();
    const where = cluster === undefined ? 'the destination cluster' : `cluster "${cluster}"`;
    const message = `${where} does not serve ${gvk}, which ${r.origin.kind} ${r.origin.name} renders as: KUBE_API_VERSIONS (what Argo CD read from that cluster) lists ${istio.length === 0 ? 'no Istio kind' : istio.join(', ')}. Install the CRD there (TrafficExtension comes with Istio 1.30), or render another output kind (spec.output)`;
    // Cite where the kind was chosen: the declaration's (or an override's) spec.output, Lua, else the Mesh's spec.output.
    if (t.ext.lua !== undefined) report(at(r.origin, ['spec', 'lua'], 'KIND_NOT_SERVED', message));
    else if (t.fields.output !== undefined || !mesh.outputAt) report(at(r.origin, fieldPath(t, 'output'), 'KIND_NOT_SERVED', message));
    else report({ code: 'KIND_NOT_SERVED', severity: 'error', message, ...mesh.outputAt, field: 'spec.output' });
  }
}
