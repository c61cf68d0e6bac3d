// A Mesh document and the Namespace objects of its cluster to the Mesh model and its inventory
// (docs/decisions.md, decision 4).

import type { LoadedDocument } from '../load/parse-documents.ts';
import type { Sink } from '../model/diagnostic.ts';
import type { InventoryNamespace, Mesh } from '../model/mesh.ts';
import { NEWEST_ISTIO } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import { labels, obj, str, strings } from './_fields.ts';
import { originOf } from './_origin.ts';
import { buildTrust } from './mesh-trust.ts';

export const DEFAULT_MESH: Mesh = {
  controlPlaneNamespace: 'istio-system',
  istioVersion: NEWEST_ISTIO,
  output: 'WasmPlugin',
  tenantLabel: 'meshext.dev/tenant',
  insecureRegistries: [],
  namespaces: [],
};

/**
 * One Mesh document (undefined: the defaults, for a repository that declares none) with the
 * Namespace objects that belong to its cluster. A repository holds one Mesh per config cluster and
 * revision; translate/fleet.ts builds them all.
 */
export function buildMesh(doc: LoadedDocument | undefined, namespaceDocs: readonly LoadedDocument[], report: Sink): Mesh {
  const spec = obj(doc?.value.spec);
  const meta = obj(doc?.value.metadata);
  const tenantLabel = str(spec.tenantLabel) ?? DEFAULT_MESH.tenantLabel;
  const listed = Array.isArray(spec.namespaces) ? spec.namespaces.map(obj) : [];
  const listedAt = new Map<string, number>();
  listed.forEach((e, i) => {
    const name = str(e.name);
    if (!name) return;
    // A second entry would silently change the namespace's tenant, and with it what allowedIn permits.
    const first = listedAt.get(name);
    if (first !== undefined) report(at(originOf(doc!), ['spec', 'namespaces', i, 'name'], 'MESH_CONFLICT', `namespace "${name}" is listed twice in the inventory (first at spec.namespaces[${first}])`));
    else listedAt.set(name, i);
  });
  const inventory = (): InventoryNamespace[] => {
    const entries = new Map<string, { labels: Record<string, string>; tenant?: string }>();
    listed.forEach((e, i) => {
      const name = str(e.name);
      if (name && listedAt.get(name) === i) entries.set(name, { labels: { ...labels(e.labels) }, tenant: str(e.tenant) });
    });
    // Namespace objects win per label key over the Mesh's entry (docs/decisions.md, decision 4).
    for (const d of namespaceDocs) {
      const meta = obj(d.value.metadata);
      const name = str(meta.name);
      if (!name) continue;
      const prev = entries.get(name);
      entries.set(name, { labels: { ...prev?.labels, ...labels(meta.labels) }, tenant: prev?.tenant });
    }
    return [...entries.keys()].sort().map((name) => {
      const e = entries.get(name)!;
      const tenant = e.tenant ?? e.labels[tenantLabel];
      return tenant === undefined ? { name, labels: e.labels } : { name, labels: e.labels, tenant };
    });
  };
  const meshLabels = labels(meta.labels);
  const mesh: Mesh = {
    // No line: a document read on the fast path would be parsed again to find it.
    ...(doc ? { name: str(meta.name) ?? '', file: doc.file } : {}),
    controlPlaneNamespace: str(spec.controlPlaneNamespace) ?? DEFAULT_MESH.controlPlaneNamespace,
    ...(str(spec.cluster) ? { cluster: str(spec.cluster) } : {}),
    ...(str(spec.revision) ? { revision: str(spec.revision) } : {}),
    ...(meshLabels && Object.keys(meshLabels).length > 0 ? { labels: meshLabels } : {}),
    istioVersion: str(spec.istioVersion) ?? DEFAULT_MESH.istioVersion,
    output: (str(spec.output) as Mesh['output'] | undefined) ?? DEFAULT_MESH.output,
    tenantLabel,
    insecureRegistries: strings(spec.insecureRegistries) ?? [],
    namespaces: [],
    // Per Mesh document: each Mesh of a fleet has its own trust policy.
    ...trustOf(doc, report),
  };
  // Made when read: a render of one cluster of a fleet reads every Mesh but uses the inventory of
  // its own cluster's only.
  let namespaces: InventoryNamespace[] | undefined;
  Object.defineProperty(mesh, 'namespaces', { enumerable: true, get: () => (namespaces ??= inventory()) });
  // Found when a message cites it: finding a line parses a fast-path document again, and a fleet
  // has a Mesh per cluster.
  if (doc && spec.output !== undefined) {
    let where: Mesh['outputAt'];
    Object.defineProperty(mesh, 'outputAt', { enumerable: true, get: () => (where ??= outputAt(doc)) });
  }
  return mesh;
}

function trustOf(doc: LoadedDocument | undefined, report: Sink): Pick<Mesh, 'trust'> {
  const trust = doc ? buildTrust(doc, report) : undefined;
  return trust ? { trust } : {};
}

function outputAt(doc: LoadedDocument): { file: string; line: number; col: number } {
  const [line, col] = doc.locate(['spec', 'output']);
  return { file: doc.file, line, col };
}
