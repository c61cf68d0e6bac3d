// A scope to the namespaces it selects (docs/decisions.md, decision 4): names as given, selectors and tenants
// over the inventory (never the control plane), minus exclude. Empty selections are errors.

import type { Sink } from '../model/diagnostic.ts';
import type { Extension, Scope } from '../model/extension.ts';
import type { InventoryNamespace, Mesh } from '../model/mesh.ts';
import { at } from '../model/where.ts';
import { matchSelector } from './match-selector.ts';

/** `skipTenant`: a tenant with no namespace here that is not an error (it lives in another cluster of the fleet). */
export function selectNamespaces(ext: Extension, scope: Scope, mesh: Mesh, report: Sink, path: readonly (string | number)[] = ['spec', 'scope'], skipTenant?: (tenant: string) => boolean): string[] {
  const pool = mesh.namespaces.filter((n) => n.name !== mesh.controlPlaneNamespace);
  const chosen = new Set<string>(scope.namespaces ?? []);
  let reported = false;
  if (scope.namespaceSelector) {
    const hits = pool.filter((n) => matchSelector(scope.namespaceSelector!, n.labels));
    if (hits.length === 0) {
      report(at(ext.origin, [...path, 'namespaceSelector'], 'SCOPE_EMPTY', `namespaceSelector selects no namespace (${describeInventory(pool)})`));
      reported = true;
    }
    for (const n of hits) chosen.add(n.name);
  }
  let skipped = false;
  for (const [i, t] of (scope.tenants ?? []).entries()) {
    const hits = pool.filter((n) => n.tenant === t);
    if (hits.length === 0 && skipTenant?.(t)) {
      skipped = true;
      continue;
    }
    if (hits.length === 0) {
      // A Tetrate WasmExtension has no scope: its tenants come from spec.allowedIn, in the same order.
      const cited = ext.flavor === 'tetrate' ? ['spec', 'allowedIn', i] : [...path, 'tenants', i];
      report(at(ext.origin, cited, 'SCOPE_EMPTY', `tenant "${t}" has no namespace in the inventory`));
      reported = true;
    }
    for (const n of hits) chosen.add(n.name);
  }
  for (const x of scope.exclude ?? []) chosen.delete(x);
  const result = [...chosen].sort();
  if (result.length === 0 && !reported && !skipped) {
    report(at(ext.origin, path, 'SCOPE_EMPTY', 'scope selects no namespace'));
  }
  return result;
}

export function inventoryEntry(mesh: Mesh, name: string): InventoryNamespace {
  let byName = INVENTORY_INDEX.get(mesh.namespaces);
  if (!byName) {
    byName = new Map();
    for (const n of mesh.namespaces) if (!byName.has(n.name)) byName.set(n.name, n);
    INVENTORY_INDEX.set(mesh.namespaces, byName);
  }
  return byName.get(name) ?? { name, labels: {} };
}

/** Inventory by name, built once per inventory: a lookup per target must not scan thousands of namespaces. */
const INVENTORY_INDEX = new WeakMap<readonly InventoryNamespace[], Map<string, InventoryNamespace>>();

function describeInventory(pool: readonly InventoryNamespace[]): string {
  return pool.length === 0 ? 'the inventory is empty: list namespaces in the Mesh or add Namespace objects' : `the inventory has ${pool.length}: ${pool.slice(0, 5).map((n) => n.name).join(', ')}${pool.length > 5 ? ', …' : ''}`;
}
