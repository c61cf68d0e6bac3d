// The Meshes of a repository, one per config cluster and revision, and the Meshes one render is
// for (docs/decisions.md, decision 36). A Namespace object annotated meshext.dev/cluster
// feeds only that cluster's inventory; one without feeds every Mesh's.

import type { LoadedDocument } from '../load/parse-documents.ts';
import type { Diagnostic, Sink } from '../model/diagnostic.ts';
import { cmp } from '../model/diagnostic.ts';
import type { Mesh } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import { obj, str } from './_fields.ts';
import { originOf } from './_origin.ts';
import { buildMesh } from './mesh.ts';

export const CLUSTER_ANNOTATION = 'meshext.dev/cluster';

export interface Fleet {
  /** Every Mesh, by cluster then revision; the default Mesh alone when the repository declares none. */
  readonly meshes: readonly Mesh[];
  /** The clusters the Meshes name, sorted, each once. */
  readonly clusters: readonly string[];
  /** Each declared Mesh's document, to cite its fields. */
  readonly docs: ReadonlyMap<Mesh, LoadedDocument>;
}

/** The Meshes of one cluster, rendered together into one output (one per revision). */
export interface ClusterChoice {
  /** Undefined for a Mesh that names no cluster (a repository of one Mesh). */
  readonly cluster: string | undefined;
  readonly meshes: readonly Mesh[];
}

export function buildFleet(meshDocs: readonly LoadedDocument[], namespaceDocs: readonly LoadedDocument[], report: Sink): Fleet {
  const docs = [...meshDocs].sort((a, b) => cmp(a.file, b.file) || a.index - b.index);
  const clusterOf = (d: LoadedDocument) => str(obj(d.value.spec).cluster);
  const revisionOf = (d: LoadedDocument) => str(obj(d.value.spec).revision);
  const clusters = [...new Set(docs.map(clusterOf).filter((c) => c !== undefined))].sort(cmp);
  checkNamespaces(namespaceDocs, clusters, docs.length, report);
  if (docs.length === 0) return { meshes: [buildMesh(undefined, namespaceDocs.filter((d) => annotatedCluster(d) === undefined), report)], clusters, docs: new Map() };

  const seen = new Map<string, LoadedDocument>();
  for (const d of docs) {
    const cluster = clusterOf(d);
    if (cluster === undefined) {
      if (docs.length > 1) report(at(originOf(d), ['spec'], 'MESH_CONFLICT', `this repository holds ${docs.length} Meshes, one per config cluster, so each names its cluster: add spec.cluster (the others: ${others(docs, d)})`));
      continue;
    }
    const key = `${cluster}\n${revisionOf(d) ?? ''}`;
    const first = seen.get(key);
    if (first) {
      const rev = revisionOf(d);
      report(at(originOf(d), ['spec', 'cluster'], 'MESH_CONFLICT', `a second Mesh for cluster "${cluster}" ${rev ? `and revision "${rev}"` : 'with no revision'} (the first: ${describe(first)}); a cluster has one Mesh per control-plane revision`));
    } else seen.set(key, d);
  }
  // --all-clusters writes DIR/<cluster>.yaml: two names that differ only in case would be one file
  // on a case-insensitive file system (macOS, Windows), one cluster's output silently replacing the other's.
  const byLower = new Map<string, string>();
  for (const cluster of clusters) {
    const other = byLower.get(cluster.toLowerCase());
    if (other !== undefined) {
      const d = docs.find((x) => clusterOf(x) === cluster)!;
      report(at(originOf(d), ['spec', 'cluster'], 'MESH_CONFLICT', `cluster "${cluster}" differs from cluster "${other}" only in case; their files would be one on a case-insensitive file system: rename one`));
    } else byLower.set(cluster.toLowerCase(), cluster);
  }
  // A Mesh with no revision labels nothing, so every revision's istiod reads its resources: beside
  // another revision's Mesh, that revision's proxies would run both.
  for (const cluster of clusters) {
    const here = docs.filter((d) => clusterOf(d) === cluster);
    const revisions = here.map(revisionOf).filter((r) => r !== undefined);
    if (here.length < 2 || revisions.length === 0) continue;
    for (const d of here) {
      if (revisionOf(d) !== undefined) continue;
      report(at(originOf(d), ['spec', 'cluster'], 'MESH_CONFLICT', `cluster "${cluster}" also has Meshes for revision${revisions.length > 1 ? 's' : ''} ${revisions.join(', ')}; this one sets no spec.revision, so every revision's istiod would read its resources too and those proxies would run both: give it spec.revision`));
    }
  }
  const docOf = new Map<Mesh, LoadedDocument>();
  for (const d of docs) {
    const cluster = clusterOf(d);
    const mine = namespaceDocs.filter((n) => {
      const c = annotatedCluster(n);
      return c === undefined || c === cluster;
    });
    docOf.set(buildMesh(d, mine, report), d);
  }
  const meshes = [...docOf.keys()].sort((a, b) => cmp(a.cluster ?? '', b.cluster ?? '') || cmp(a.revision ?? '', b.revision ?? ''));
  return { meshes, clusters, docs: docOf };
}

/**
 * The cluster a render is for: the one asked for, else the only one the Meshes name; or every cluster.
 * `asked.from` says where the name came from (`--cluster`, an Argo CD parameter, a generator field), for messages.
 */
export function chooseClusters(fleet: Fleet, asked: { readonly cluster?: string; readonly from?: string; readonly all?: boolean }, report: Sink): ClusterChoice[] {
  const byCluster = (c: string | undefined) => fleet.meshes.filter((m) => m.cluster === c);
  // A repository of one Mesh that names no cluster is one cluster, unnamed.
  if (asked.all) return fleet.clusters.length === 0 ? [{ cluster: undefined, meshes: fleet.meshes }] : fleet.clusters.map((cluster) => ({ cluster, meshes: byCluster(cluster) }));
  if (asked.cluster !== undefined) {
    const meshes = byCluster(asked.cluster);
    if (meshes.length > 0) return [{ cluster: asked.cluster, meshes }];
    report(fleetError(`${asked.from ?? '--cluster'} asks for cluster "${asked.cluster}", which no Mesh names: ${describeClusters(fleet)}`));
    return [];
  }
  if (fleet.clusters.length <= 1) return [{ cluster: fleet.clusters[0], meshes: fleet.meshes }];
  report(fleetError(`this repository holds Meshes for ${fleet.clusters.length} clusters (${fleet.clusters.join(', ')}): choose one with --cluster NAME (Argo CD: the parameter cluster; kustomize: spec.cluster of the ExtensionGenerator), or render each into its own file with render --all-clusters -o DIR`));
  return [];
}

/**
 * In a fleet, findings about one cluster's render name that cluster (and revision): the same
 * declaration may be fine in one cluster and fail in another.
 */
export function clusterReport(report: Sink, where: { readonly cluster?: string; readonly revision?: string }, fleet: Fleet): Sink {
  if (fleet.meshes.length < 2 || where.cluster === undefined) return report;
  const suffix = ` (cluster "${where.cluster}"${where.revision !== undefined ? `, revision "${where.revision}"` : ''})`;
  return (d) => report({ ...d, message: d.message + suffix });
}

/** Every Mesh's Namespace objects must name a cluster some Mesh is. */
function checkNamespaces(namespaceDocs: readonly LoadedDocument[], clusters: readonly string[], meshCount: number, report: Sink): void {
  for (const d of namespaceDocs) {
    const c = annotatedCluster(d);
    if (c === undefined || clusters.includes(c)) continue;
    const where = meshCount === 0 ? 'the repository declares no Mesh' : clusters.length === 0 ? 'no Mesh names a cluster (spec.cluster)' : `the Meshes are for ${clusters.join(', ')}`;
    report(at(originOf(d), ['metadata', 'annotations', CLUSTER_ANNOTATION], 'CLUSTER_UNKNOWN', `Namespace "${str(obj(d.value.metadata).name) ?? ''}" belongs to cluster "${c}" (${CLUSTER_ANNOTATION}), which no Mesh names; ${where}`));
  }
}

function annotatedCluster(d: LoadedDocument): string | undefined {
  return str(obj(obj(d.value.metadata).annotations)[CLUSTER_ANNOTATION]);
}

function describe(d: LoadedDocument): string {
  return `${d.file}:${d.locate([])[0]}, Mesh "${str(obj(d.value.metadata).name) ?? ''}"`;
}

function others(docs: readonly LoadedDocument[], d: LoadedDocument): string {
  return docs.filter((x) => x !== d).map(describe).join('; ');
}

export function describeClusters(fleet: Fleet): string {
  if (fleet.clusters.length > 0) return `the Meshes are for ${fleet.clusters.join(', ')}`;
  const only = fleet.meshes[0];
  return only?.file !== undefined ? `the Mesh in ${only.file} names no cluster (spec.cluster)` : 'the repository declares no Mesh';
}

function fleetError(message: string): Diagnostic {
  return { code: 'CLUSTER_UNKNOWN', severity: 'error', message };
}
