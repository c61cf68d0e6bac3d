// One declaration to its targets in one Mesh: render rules 1–4 (README, "Render rules") and
// docs/decisions.md, decisions 4–6; overrides for other clusters left out (decision 37).

import type { Sink } from '../model/diagnostic.ts';
import type { Extension, ExtensionFields, Override } from '../model/extension.ts';
import type { InventoryNamespace, Mesh } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import { matchSelector } from './match-selector.ts';
import { inventoryEntry, selectNamespaces } from './select-namespaces.ts';
import { placedIn } from './select-clusters.ts';
import type { Target } from './target.ts';

/**
 * `tenantElsewhere`: in a fleet, for a declaration placed by tenants that may live in other clusters
 * (Tetrate's), whether a tenant absent here has namespaces in another cluster; such a tenant is skipped.
 */
export function expandExtension(ext: Extension, mesh: Mesh, report: Sink, tenantElsewhere?: (tenant: string) => boolean): Target[] {
  const cp = mesh.controlPlaneNamespace;
  const meshWide = ext.controlPlane === true || ext.namespace === cp;
  // Overrides that choose namespaces make a control-plane declaration expand; one that only picks
  // clusters changes it where it renders anyway, and the shape is the same in every cluster.
  const hasOverrides = (ext.overrides ?? []).some(choosesNamespaces);
  const overrides = (ext.overrides ?? []).filter((o) => placedIn(o, mesh));
  let namespaces: string[];
  if (!meshWide) {
    // Rule 3: a team's declaration never reaches another team's proxies.
    if (ext.scope) {
      const selected = selectNamespaces(ext, ext.scope, mesh, report);
      const foreign = selected.filter((n) => n !== ext.namespace);
      if (foreign.length > 0) report(at(ext.origin, ['spec', 'scope'], 'SCOPE_CROSSES_NAMESPACE', `a declaration in namespace "${ext.namespace}" may only render there, but its scope reaches ${foreign.map((n) => `"${n}"`).join(', ')}; declare it in the control-plane namespace "${cp}" to place it elsewhere`));
    }
    namespaces = [ext.namespace];
  } else if (ext.scope) {
    namespaces = selectNamespaces(ext, ext.scope, mesh, report, undefined, ext.flavor === 'tetrate' ? tenantElsewhere : undefined);
  } else if (hasOverrides) {
    // Overrides alone scope to every inventory namespace but the control plane (render rule 2).
    namespaces = mesh.namespaces.map((n) => n.name).filter((n) => n !== cp);
    if (namespaces.length === 0) report(at(ext.origin, ['spec', 'overrides'], 'SCOPE_EMPTY', 'overrides expand over the namespace inventory, which is empty: list namespaces in the Mesh or add Namespace objects'));
  } else {
    if (ext.allowedIn) report(at(ext.origin, ['spec', 'allowedIn'], 'ALLOWED_IN_MESH_WIDE', `allowedIn on a mesh-wide declaration without scope would reach every tenant; add a scope (for example scope.tenants: [${ext.allowedIn.join(', ')}])`));
    namespaces = [cp];
  }
  if (ext.allowedIn && (!meshWide || ext.scope || hasOverrides)) {
    for (const ns of namespaces) {
      const tenant = inventoryEntry(mesh, ns).tenant;
      if (tenant === undefined || !ext.allowedIn.includes(tenant)) {
        report(at(ext.origin, ['spec', 'allowedIn'], 'ALLOWED_IN_VIOLATION', `namespace "${ns}" ${tenant === undefined ? 'has no tenant' : `belongs to tenant "${tenant}"`}, which allowedIn [${ext.allowedIn.join(', ')}] does not list`));
      }
    }
  }
  const used = new Set<number>();
  // Namespaces the same overrides apply to make one target (a declaration may expand
  // into thousands of namespaces, and everything downstream works per target).
  const byApplied = new Map<string, { readonly namespaces: string[]; readonly target: Target }>();
  const candidates = overrideCandidates(overrides);
  const applied: Override[] = [];
  for (const namespace of namespaces) {
    // The key of the overrides that apply here, made only where some do (most namespaces take none).
    let key = '';
    applied.length = 0;
    const maybe = candidates(namespace);
    if (maybe.length > 0) {
      const entry = inventoryEntry(mesh, namespace);
      for (const o of maybe) {
        if (!overrideApplies(o, namespace, entry, mesh)) continue;
        applied.push(o);
        used.add(o.index);
        key += key === '' ? `${o.index}` : `,${o.index}`;
      }
    }
    const same = byApplied.get(key);
    if (same) same.namespaces.push(namespace);
    else {
      const list = [namespace];
      byApplied.set(key, { namespaces: list, target: { ext, namespaces: list, fields: applyOverrides(ext, applied), overrides: applied.map((o) => o.index) } });
    }
  }
  const targets = [...byApplied.values()].map((t) => t.target);
  for (const o of overrides) {
    if (!used.has(o.index) && namespaces.length > 0) report(at(ext.origin, ['spec', 'overrides', o.index], 'OVERRIDE_UNUSED', 'this override matches none of the namespaces the declaration renders into', 'warning'));
  }
  return targets;
}

/**
 * The overrides that may apply in a namespace, in declaration order: the ones that name it, and
 * every one that selects by label or tenant or not at all. An override that only lists namespaces
 * is looked up, not tried in every namespace (20,000 such overrides over 20,000 namespaces took
 * 18 s when each was tried everywhere).
 */
function overrideCandidates(overrides: readonly Override[]): (namespace: string) => readonly Override[] {
  const byName = new Map<string, Override[]>();
  const others: Override[] = [];
  for (const o of overrides) {
    if (o.namespaces === undefined || o.namespaceSelector !== undefined || o.tenants !== undefined) others.push(o);
    else for (const n of new Set(o.namespaces)) byName.get(n)?.push(o) ?? byName.set(n, [o]);
  }
  if (byName.size === 0) return () => others;
  return (namespace) => {
    const named = byName.get(namespace);
    if (named === undefined) return others;
    if (others.length === 0) return named;
    // Both lists are in declaration order: merge them.
    const out: Override[] = [];
    let i = 0;
    let j = 0;
    while (i < named.length || j < others.length) out.push(j >= others.length || (i < named.length && named[i]!.index < others[j]!.index) ? named[i++]! : others[j++]!);
    return out;
  };
}

function choosesNamespaces(o: Override): boolean {
  return o.namespaces !== undefined || o.namespaceSelector !== undefined || o.tenants !== undefined;
}

function overrideApplies(o: Override, namespace: string, entry: InventoryNamespace, mesh: Mesh): boolean {
  if (!choosesNamespaces(o)) return true;
  return (
    (o.namespaces?.includes(namespace) ?? false) ||
    (o.namespaceSelector !== undefined && namespace !== mesh.controlPlaneNamespace && matchSelector(o.namespaceSelector, entry.labels)) ||
    (entry.tenant !== undefined && (o.tenants?.includes(entry.tenant) ?? false))
  );
}

const OVERRIDABLE: readonly (keyof ExtensionFields)[] = ['image', 'sha256', 'pluginName', 'phase', 'priority', 'config', 'selector', 'targetRefs', 'match', 'type', 'failStrategy', 'imagePullPolicy', 'imagePullSecret', 'vmConfig', 'output'];

/** A field an override gives replaces the whole field; later overrides win (docs/decisions.md, decision 5). */
function applyOverrides(ext: Extension, applied: readonly Override[]): Target['fields'] {
  const fields: Record<string, unknown> = {};
  for (const k of OVERRIDABLE) if (ext[k] !== undefined) fields[k] = ext[k];
  for (const o of applied) for (const k of OVERRIDABLE) if (o[k] !== undefined) fields[k] = o[k];
  return fields as unknown as Target['fields'];
}
