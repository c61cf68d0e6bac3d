// Resolved targets → Istio objects, sorted by namespace, kind, name (never by input order),
// with render rule 5 (README, "Render rules"): two declarations producing the same kind/namespace/name is an error naming both.

import type { Sink } from '../model/diagnostic.ts';
import { cmp } from '../model/diagnostic.ts';
import { at } from '../model/where.ts';
import type { Plain } from './to-yaml.ts';
import { markCopy, markShared } from './to-yaml.ts';
import type { Placement, Resolved } from './resource.ts';
import { emitEnvoyFilter, envoyFilterParts } from './envoy-filter.ts';
import type { EnvoyFilterParts } from './envoy-filter.ts';
import { emitTrafficExtension } from './traffic-extension.ts';
import { emitWasmPlugin } from './wasm-plugin.ts';
import { createMetadataCache, metadataOf, withAnnotations } from './metadata.ts';
import type { MetadataCache } from './metadata.ts';

const EMITTERS = { WasmPlugin: emitWasmPlugin, TrafficExtension: emitTrafficExtension, EnvoyFilter: emitEnvoyFilter } as const;

export type Emitted = { readonly [k: string]: Plain };

/**
 * The resources of a render, in output order and checked against render rule 5, made as they are read:
 * a stream written from it never holds them all (the bench's large case: 90,000 objects the garbage collector
 * would otherwise carry to the end of the render). Each reading makes them afresh.
 */
export interface Emission extends Iterable<Emitted> {
  readonly count: number;
}

export function emitResources(placements: readonly Placement[], report: Sink): Emission {
  const plan: [string, Resolved[]][] = [];
  let count = 0;
  for (const [namespace, here] of byNamespace(placements)) {
    const kept: Resolved[] = [];
    for (let i = 0; i < here.length; i++) {
      const r = here[i]!;
      const prev = here[i - 1];
      if (prev && prev.output === r.output && prev.name === r.name) {
        const o = prev.origin;
        if (o === r.origin) continue; // one declaration expanded twice into one namespace: same object
        report(at(r.origin, ['metadata', 'name'], 'DUPLICATE_OUTPUT', `${r.output} ${namespace}/${r.name} is produced twice: by ${o.kind} ${o.name} (${o.file}:${o.line}) and by ${r.origin.kind} ${r.origin.name} (${r.origin.file}:${r.origin.line})`));
        continue;
      }
      kept.push(r);
    }
    plan.push([namespace, kept]);
    count += kept.length;
  }
  return {
    count,
    *[Symbol.iterator]() {
      const shared: Shared = { specs: new Map(), kin: new Map(), parts: new Map(), metadata: createMetadataCache() };
      for (const [namespace, here] of plan) for (const r of here) yield emitShared(r, namespace, shared);
    },
  };
}

/**
 * Namespace → what is placed there, both in output order: by namespace, kind, name, then source
 * position, as one stable sort over all five keys would give; but only the placements are
 * sorted (a few hundred), and filled into each namespace in that order (a render may place 100,000 resources).
 */
function byNamespace(placements: readonly Placement[]): [string, Resolved[]][] {
  const byKey = (a: Resolved, b: Resolved) => cmp(a.output, b.output) || cmp(a.name, b.name) || cmp(a.origin.file, b.origin.file) || a.origin.line - b.origin.line;
  const buckets = new Map<string, Resolved[]>();
  for (const p of [...placements].sort((a, b) => byKey(a.resolved, b.resolved))) {
    for (const ns of p.namespaces) {
      const bucket = buckets.get(ns);
      if (bucket) bucket.push(p.resolved);
      else buckets.set(ns, [p.resolved]);
    }
  }
  return [...buckets.keys()].sort(cmp).map((ns) => [ns, buckets.get(ns)!]);
}

interface Shared {
  /** The spec fields' values, one map level per field (compared as Map keys: strings by value, objects by identity) → the first resource emitted with them. */
  readonly specs: Map<unknown, unknown>;
  /** Resolved → its first resource. */
  readonly kin: Map<Resolved, Emitted>;
  /** Resolved → the namespace-free parts of its EnvoyFilters. */
  readonly parts: Map<Resolved, EnvoyFilterParts>;
  readonly metadata: MetadataCache;
}

/**
 * Every Resolved field but those only metadata (or explain) reads. A WasmPlugin's or TrafficExtension's spec
 * is built from these alone, so the copies of one declaration in every namespace share one spec
 * object (and the serializer writes it once). The Record makes the compiler insist that a field
 * added to Resolved is either listed here or read by metadata or explain only. An EnvoyFilter's spec names
 * the namespace: its placements share the parts that do not (envoyFilterParts).
 */
const SPEC_FIELDS_OF: Record<Exclude<keyof Resolved, 'name' | 'namespace' | 'revision' | 'origin' | 'source' | 'imageRef' | 'verifiedBy' | 'maistraPhase'>, true> = {
  output: true,
  selector: true,
  targetRefs: true,
  url: true,
  sha256: true,
  imagePullPolicy: true,
  imagePullSecret: true,
  config: true,
  pluginName: true,
  phase: true,
  priority: true,
  failStrategy: true,
  vmConfig: true,
  match: true,
  type: true,
  lua: true,
};
const SPEC_FIELDS = Object.keys(SPEC_FIELDS_OF) as (keyof typeof SPEC_FIELDS_OF)[];

/**
 * The resources of one Resolved differ in the namespace and names made from it alone: each is
 * marked as a copy of the first, which the serializer writes as the first's text with those
 * values replaced.
 */
function emitShared(r: Resolved, namespace: string, shared: Shared): Emitted {
  const kin = shared.kin.get(r);
  if (r.output === 'EnvoyFilter') {
    let parts = shared.parts.get(r);
    if (parts === undefined) shared.parts.set(r, (parts = envoyFilterParts(r)));
    const doc = emitEnvoyFilter(r, namespace, shared.metadata, parts);
    if (kin === undefined) shared.kin.set(r, doc);
    else markCopy(doc, kin);
    return doc;
  }
  // Name, labels, annotations and spec are the first one's.
  if (kin !== undefined) {
    const m = kin.metadata as { readonly labels: Plain; readonly annotations?: Plain };
    return markCopy({ apiVersion: kin.apiVersion!, kind: kin.kind!, metadata: withAnnotations({ name: r.name, namespace, labels: m.labels }, m.annotations), spec: kin.spec! }, kin);
  }
  const doc = emitBySpec(r, namespace, shared);
  shared.kin.set(r, doc);
  return doc;
}

/** A resource whose spec is that of any earlier one with the same spec fields. */
function emitBySpec(r: Resolved, namespace: string, shared: Shared): Emitted {
  let level = shared.specs;
  for (let i = 0; i < SPEC_FIELDS.length - 1; i++) {
    const v = r[SPEC_FIELDS[i]!];
    let next = level.get(v) as Map<unknown, unknown> | undefined;
    if (next === undefined) level.set(v, (next = new Map()));
    level = next;
  }
  const last = r[SPEC_FIELDS[SPEC_FIELDS.length - 1]!];
  const first = level.get(last) as Emitted | undefined;
  if (first) return { apiVersion: first.apiVersion!, kind: first.kind!, metadata: metadataOf(r, namespace, shared.metadata), spec: first.spec! };
  const doc = EMITTERS[r.output](r, namespace, shared.metadata);
  markShared(doc.spec as object);
  level.set(last, doc);
  return doc;
}
