// The effective filter order per namespace and selector, as `meshext explain` previews it: which extensions
// a workload there runs, grouped by phase, in Istio's order, with the ties GitOps cannot settle.

import type { Resolved } from '../emit/resource.ts';
import type { IstioPhase, MaistraPhase } from '../model/extension.ts';
import type { Mesh } from '../model/mesh.ts';
import { cmp } from '../model/diagnostic.ts';

export const PHASE_ORDER: readonly IstioPhase[] = ['AUTHN', 'AUTHZ', 'STATS', 'UNSPECIFIED_PHASE'];

export interface ChainEntry {
  readonly phase: IstioPhase;
  readonly priority: number;
  /** The Maistra phase `phase` and `priority` were mapped from (a band of +2,000,000 for PostAuthN and PostAuthZ). */
  readonly maistraPhase?: MaistraPhase;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly source?: string;
  readonly modes: readonly string[];
  /** With `explain --against REF` (see order-diff.ts): what changed for this entry against REF. */
  readonly change?: 'added' | 'removed' | 'moved';
  /** With `--against`: the 1-based position in the REF chain of the same group (moved and removed entries). */
  readonly was?: number;
  /** With `--against`: the phase and priority at REF, where they differ. */
  readonly wasPhase?: IstioPhase;
  readonly wasPriority?: number;
}

export interface WorkloadGroup {
  /** `app=api,version=v1`, `targetRefs Gateway/gw`, or `*` for every workload. */
  readonly selector: string;
  readonly chain: readonly ChainEntry[];
  readonly warnings: readonly string[];
}

export interface NamespaceOrder {
  readonly namespace: string;
  readonly groups: readonly WorkloadGroup[];
}

export function explainOrder(resolved: readonly Resolved[], mesh: Mesh): NamespaceOrder[] {
  const root = mesh.controlPlaneNamespace;
  const namespaces = [...new Set([...mesh.namespaces.map((n) => n.name), ...resolved.map((r) => r.namespace)])].sort();
  return namespaces.map((ns) => {
    const applicable = resolved.filter((r) => r.namespace === ns || r.namespace === root);
    const groups = new Map<string, (r: Resolved) => boolean>();
    const everywhere = (r: Resolved) => !r.selector?.matchLabels && !r.targetRefs;
    groups.set('*', everywhere);
    for (const r of applicable) {
      if (r.targetRefs) {
        const key = `targetRefs ${r.targetRefs.map((t) => `${t.kind}/${t.name}`).join(',')}`;
        groups.set(key, (x) => everywhere(x) || (x.targetRefs !== undefined && sameRefs(x, r)));
      } else if (r.selector?.matchLabels) {
        const labels = r.selector.matchLabels;
        groups.set(labelKey(labels), (x) => everywhere(x) || (x.selector?.matchLabels !== undefined && subset(x.selector.matchLabels, labels)));
      }
    }
    const out: WorkloadGroup[] = [];
    for (const key of [...groups.keys()].sort()) {
      const members = applicable.filter(groups.get(key)!);
      if (members.length === 0) continue;
      const chain = members.map((r) => entryOf(r)).sort((a, b) => compareEntries(a, b, ns));
      out.push({ selector: key, chain, warnings: ties(chain, ns) });
    }
    return { namespace: ns, groups: out };
  });
}

function entryOf(r: Resolved): ChainEntry {
  return { phase: r.phase, priority: r.priority, maistraPhase: r.maistraPhase, kind: r.output, name: r.name, namespace: r.namespace, source: r.source, modes: (r.match ?? []).map((m) => m.mode ?? 'CLIENT_AND_SERVER') };
}

/** Istio: phase, then priority highest first, then the workload's namespace before the root's. */
function compareEntries(a: ChainEntry, b: ChainEntry, ns: string): number {
  return PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase) || b.priority - a.priority || Number(a.namespace !== ns) - Number(b.namespace !== ns) || cmp(a.name, b.name);
}

/**
 * Whether Istio leaves the order of `a` and `b` to creation time in a workload of namespace `ns`:
 * same phase, same priority, and both from that namespace or both from the root namespace.
 */
export function tieInIstio(a: ChainEntry, b: ChainEntry, ns: string): boolean {
  return a.phase === b.phase && a.priority === b.priority && (a.namespace === ns) === (b.namespace === ns);
}

function ties(chain: readonly ChainEntry[], ns: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < chain.length; i++) {
    const a = chain[i - 1]!;
    const b = chain[i]!;
    if (tieInIstio(a, b, ns)) {
      out.push(`${a.name} and ${b.name} tie in ${a.phase} at priority ${a.priority}: Istio orders them by creation time, which GitOps does not control; give them different priorities`);
    }
  }
  return out;
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

function subset(small: Readonly<Record<string, string>>, big: Readonly<Record<string, string>>): boolean {
  return Object.entries(small).every(([k, v]) => big[k] === v);
}

function sameRefs(a: Resolved, b: Resolved): boolean {
  return JSON.stringify(a.targetRefs) === JSON.stringify(b.targetRefs);
}
