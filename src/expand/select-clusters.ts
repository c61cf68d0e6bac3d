// Which clusters a declaration (or an override) renders in: spec.clusters ∪ spec.clusterSelector over
// the Meshes' labels, every cluster when neither is given (docs/decisions.md, decision 37). Gloo's
// `clusters` are the same field, lenient as Gloo is about a cluster it does not manage.

import type { Sink } from '../model/diagnostic.ts';
import type { ClusterPlacement, Extension } from '../model/extension.ts';
import type { Mesh } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import { matchSelector } from './match-selector.ts';

export function placedIn(p: ClusterPlacement, mesh: Mesh): boolean {
  if (p.clusters === undefined && p.clusterSelector === undefined) return true;
  if (mesh.cluster !== undefined && p.clusters?.includes(mesh.cluster)) return true;
  return p.clusterSelector !== undefined && matchSelector(p.clusterSelector, mesh.labels ?? {});
}

/**
 * Names that are no Mesh's cluster and selectors that select none are errors (a typo must not
 * silently drop an extension from a cluster); an override's selector that selects none is only
 * unused. Checked once per render, over every Mesh of the repository.
 */
export function checkPlacements(extensions: readonly Extension[], meshes: readonly Mesh[], report: Sink): void {
  const clusters = [...new Set(meshes.map((m) => m.cluster).filter((c) => c !== undefined))].sort();
  const known = new Set(clusters);
  const none = clusters.length === 0 ? (meshes.some((m) => m.file !== undefined) ? 'no Mesh names its cluster (spec.cluster)' : 'the repository declares no Mesh') : `the Meshes are for ${clusters.join(', ')}`;
  const seen = new Set<object>();
  for (const ext of extensions) {
    // Gloo's clusters are checked where they are placed; one declaration may yield many extensions.
    if (ext.clustersAt !== undefined || seen.has(ext.origin)) continue;
    seen.add(ext.origin);
    const check = (p: ClusterPlacement, path: readonly (string | number)[], unusedIsError: boolean) => {
      // An empty list places nowhere, silently unlike a typo; leaving it out means every cluster.
      if (p.clusters?.length === 0 && p.clusterSelector === undefined) {
        const message = 'clusters is empty, which selects no cluster (leave clusters out for every cluster)';
        report(unusedIsError ? at(ext.origin, [...path, 'clusters'], 'SCOPE_EMPTY', message) : at(ext.origin, [...path, 'clusters'], 'OVERRIDE_UNUSED', `${message}: this override applies nowhere`, 'warning'));
      }
      for (const [i, c] of (p.clusters ?? []).entries()) {
        if (!known.has(c)) report(at(ext.origin, [...path, 'clusters', i], 'CLUSTER_UNKNOWN', `cluster "${c}" is no Mesh's spec.cluster; ${none}`));
      }
      if (p.clusterSelector !== undefined && !meshes.some((m) => matchSelector(p.clusterSelector!, m.labels ?? {}))) {
        const message = `clusterSelector selects no cluster (${describeLabels(meshes)})`;
        report(unusedIsError ? at(ext.origin, [...path, 'clusterSelector'], 'SCOPE_EMPTY', message) : at(ext.origin, [...path, 'clusterSelector'], 'OVERRIDE_UNUSED', `${message}: this override applies nowhere`, 'warning'));
      }
    };
    check(ext, ['spec'], true);
    for (const o of ext.overrides ?? []) check(o, ['spec', 'overrides', o.index], false);
  }
}

/**
 * The declarations that render in `mesh`'s cluster. A Gloo selector for a cluster no Mesh is renders
 * nothing, with the warning it always had; with no cluster to compare, it renders and says so.
 */
export function placeExtensions(extensions: readonly Extension[], mesh: Mesh, meshes: readonly Mesh[], report: Sink): Extension[] {
  return extensions.filter((ext) => {
    if (ext.clustersAt === undefined || ext.clusters === undefined) return placedIn(ext, mesh);
    const named = ext.clusters.length === 1 ? `cluster "${ext.clusters[0]}"` : `clusters [${ext.clusters.join(', ')}]`;
    if (mesh.cluster === undefined) {
      report(at(ext.origin, ext.clustersAt, 'CLUSTER_SKIPPED', `${named} not checked: the Mesh sets no spec.cluster for this render`, 'warning'));
      return true;
    }
    if (ext.clusters.includes(mesh.cluster)) return true;
    // Placed in another Mesh's cluster: nothing to say here.
    if (!ext.clusters.some((c) => meshes.some((m) => m.cluster === c))) {
      report(at(ext.origin, ext.clustersAt, 'CLUSTER_SKIPPED', `${named} ${ext.clusters.length === 1 ? 'is not' : 'do not include'} this render's cluster "${mesh.cluster}": this selector renders nothing here`, 'warning'));
    }
    return false;
  });
}

/**
 * For a declaration placed by tenants that exist elsewhere in the fleet (Tetrate's organization-wide
 * WasmExtension): whether a tenant with no namespace in `mesh` has namespaces in another Mesh, so
 * that this cluster skips it instead of failing.
 */
export function tenantElsewhere(meshes: readonly Mesh[], mesh: Mesh): ((tenant: string) => boolean) | undefined {
  if (meshes.length < 2) return undefined;
  return (tenant) => meshes.some((m) => m !== mesh && m.namespaces.some((n) => n.tenant === tenant && n.name !== m.controlPlaneNamespace));
}

function describeLabels(meshes: readonly Mesh[]): string {
  const labelled = meshes.filter((m) => m.cluster !== undefined);
  if (labelled.length === 0) return 'no Mesh names a cluster';
  return labelled
    .slice(0, 5)
    .map((m) => `${m.cluster}${m.revision ? ` revision ${m.revision}` : ''} has ${Object.keys(m.labels ?? {}).length === 0 ? 'no labels' : Object.entries(m.labels!).map(([k, v]) => `${k}=${v}`).join(', ')}`)
    .join('; ') + (labelled.length > 5 ? '; …' : '');
}
