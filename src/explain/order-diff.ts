// The order diff behind `meshext explain --against REF`: the explain order of the working declarations,
// annotated with what was added, removed or moved relative to the order REF gives.
//
// Rules, per namespace and selection (a group is matched by its selector):
// - An entry is the same on both sides when kind, namespace and name agree.
// - added: only in the new chain. removed: only in the REF chain.
// - moved: present on both sides, and the order among the entries present on both sides changed for it.
//   The common entries keep their order along a longest common subsequence of the two chains; the ones
//   outside it moved. Among equally long subsequences the one keeping the most entries whose phase and
//   priority did not change wins (the entry whose priority was edited is the one that moved), then the
//   first found scanning the new chain from the top. An entry that only shifted because something was
//   inserted or removed before it did not move.
// - A phase or priority change that keeps the order is not a move: `wasPhase`/`wasPriority` show it.
// - `was` is the entry's 1-based position in the REF chain, on moved and removed entries.
// - Removed entries are merged into the chain at their former place: each goes right after the entry that
//   preceded it in the REF chain (wherever that entry is now), or first when nothing preceded it.
// - A group or namespace only in REF appears with every entry removed; one only in the new order with
//   every entry added. Warnings are the new side's.

import type { ChainEntry, NamespaceOrder, WorkloadGroup } from './explain-order.ts';
import { cmp } from '../model/diagnostic.ts';

export interface OrderChanges {
  readonly added: number;
  readonly removed: number;
  readonly moved: number;
  /** Namespaces where something was added, removed or moved. */
  readonly namespaces: number;
}

export const ORDER_DIFF_NOTE = 'moved: the order among the extensions present on both sides changed (those outside a longest common subsequence of the two chains); was: the position in the REF chain; a phase or priority change that keeps the order is not a move (wasPhase, wasPriority); removed entries sit right after their previous neighbour in the REF chain';

export function diffOrder(current: readonly NamespaceOrder[], ref: readonly NamespaceOrder[]): NamespaceOrder[] {
  // Keyed once: a repository can have tens of thousands of namespaces.
  const nowOf = new Map(current.map((n) => [n.namespace, n.groups]));
  const beforeOf = new Map(ref.map((n) => [n.namespace, n.groups]));
  const names = [...new Set([...nowOf.keys(), ...beforeOf.keys()])].sort(cmp);
  return names.map((namespace) => {
    const now = new Map((nowOf.get(namespace) ?? []).map((g) => [g.selector, g]));
    const before = new Map((beforeOf.get(namespace) ?? []).map((g) => [g.selector, g]));
    const selectors = [...new Set([...now.keys(), ...before.keys()])].sort(cmp);
    const groups = selectors.map((selector): WorkloadGroup => {
      const a = now.get(selector);
      const b = before.get(selector);
      return { selector, chain: diffChain(a?.chain ?? [], b?.chain ?? []), warnings: a?.warnings ?? [] };
    });
    return { namespace, groups };
  });
}

/** The annotated chain: the new chain with removed entries merged in. */
export function diffChain(now: readonly ChainEntry[], before: readonly ChainEntry[]): ChainEntry[] {
  const nowKeys = keysOf(now);
  const beforeKeys = keysOf(before);
  const refPos = new Map(beforeKeys.map((k, i) => [k, i]));
  const common = nowKeys.flatMap((k, i) => (refPos.has(k) ? [i] : []));
  const kept = keptInOrder(common.map((i) => ({ refPos: refPos.get(nowKeys[i]!)!, stable: samePlace(now[i]!, before[refPos.get(nowKeys[i]!)!]!) })));
  const moved = new Set(common.filter((_, j) => !kept.has(j)));
  const out: { key: string; entry: ChainEntry }[] = now.map((e, i) => {
    const p = refPos.get(nowKeys[i]!);
    if (p === undefined) return { key: nowKeys[i]!, entry: { ...e, change: 'added' } };
    const old = before[p]!;
    const entry: ChainEntry = {
      ...e,
      ...(moved.has(i) ? { change: 'moved' as const, was: p + 1 } : {}),
      ...(old.phase !== e.phase ? { wasPhase: old.phase } : {}),
      ...(old.priority !== e.priority ? { wasPriority: old.priority } : {}),
    };
    return { key: nowKeys[i]!, entry };
  });
  const present = new Set(nowKeys);
  beforeKeys.forEach((k, p) => {
    if (present.has(k)) return;
    const at = p === 0 ? 0 : out.findIndex((o) => o.key === beforeKeys[p - 1]) + 1;
    out.splice(at, 0, { key: k, entry: { ...before[p]!, change: 'removed', was: p + 1 } });
  });
  return out.map((o) => o.entry);
}

/** Added, removed and moved extensions, each counted once per namespace however many selections show it. */
export function countChanges(order: readonly NamespaceOrder[]): OrderChanges {
  const seen = { added: new Set<string>(), removed: new Set<string>(), moved: new Set<string>() };
  const namespaces = new Set<string>();
  for (const ns of order) {
    for (const g of ns.groups) {
      for (const e of g.chain) {
        if (!e.change) continue;
        seen[e.change].add(`${ns.namespace}|${identity(e)}`);
        namespaces.add(ns.namespace);
      }
    }
  }
  return { added: seen.added.size, removed: seen.removed.size, moved: seen.moved.size, namespaces: namespaces.size };
}

function identity(e: ChainEntry): string {
  return `${e.kind}|${e.namespace}|${e.name}`;
}

/** Identities, with a counter should one repeat in a chain, so every key is unique. */
function keysOf(chain: readonly ChainEntry[]): string[] {
  const n = new Map<string, number>();
  return chain.map((e) => {
    const id = identity(e);
    const k = n.get(id) ?? 0;
    n.set(id, k + 1);
    return k === 0 ? id : `${id}#${k}`;
  });
}

function samePlace(a: ChainEntry, b: ChainEntry): boolean {
  return a.phase === b.phase && a.priority === b.priority;
}

/**
 * Indices (into `items`, the common entries in new order) of a longest subsequence whose REF positions
 * increase: most entries first, then most with an unchanged phase and priority, then the first found.
 */
function keptInOrder(items: readonly { readonly refPos: number; readonly stable: boolean }[]): Set<number> {
  const score: [number, number][] = [];
  const prev: number[] = [];
  let best = -1;
  items.forEach((it, i) => {
    score[i] = [1, Number(it.stable)];
    prev[i] = -1;
    for (let j = 0; j < i; j++) {
      if (items[j]!.refPos >= it.refPos) continue;
      const s: [number, number] = [score[j]![0] + 1, score[j]![1] + Number(it.stable)];
      if (better(s, score[i]!)) {
        score[i] = s;
        prev[i] = j;
      }
    }
    if (best < 0 || better(score[i]!, score[best]!)) best = i;
  });
  const kept = new Set<number>();
  for (let i = best; i >= 0; i = prev[i]!) kept.add(i);
  return kept;
}

function better(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

/** `2 added, 1 removed, 1 moved in 3 namespaces`, or `no change in the order`. */
export function describeChanges(c: OrderChanges): string {
  if (c.added + c.removed + c.moved === 0) return 'no change in the order';
  return `${c.added} added, ${c.removed} removed, ${c.moved} moved in ${c.namespaces} namespace${c.namespaces === 1 ? '' : 's'}`;
}
