// Resolved targets → Istio objects, sorted by namespace, kind, name (never by input order),
// with rule 5: two declarations producing the same kind/namespace/name is an error naming both.

import type { Sink } from '../model/diagnostic.ts';
import { cmp } from '../model/diagnostic.ts';
import { at } from '../model/where.ts';
import type { Plain } from './to-yaml.ts';
import { markShared } from './to-yaml.ts';
import type { Resolved } from './resource.ts';
import { emitEnvoyFilter } from './envoy-filter.ts';
import { emitTrafficExtension } from './traffic-extension.ts';
import { emitWasmPlugin } from './wasm-plugin.ts';
import { createMetadataCache, metadataOf } from './metadata.ts';
import type { MetadataCache } from './metadata.ts';

const EMITTERS = { WasmPlugin: emitWasmPlugin, TrafficExtension: emitTrafficExtension, EnvoyFilter: emitEnvoyFilter } as const;

export type Emitted = { readonly [k: string]: Plain };

export function emitResources(resolved: readonly Resolved[], report: Sink): Emitted[] {
  const sorted = sortResolved(resolved);
  const shared: Shared = { specs: new Map(), metadata: createMetadataCache() };
  const out: Emitted[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    const prev = sorted[i - 1];
    if (prev && prev.namespace === r.namespace && prev.output === r.output && prev.name === r.name) {
      if (prev.origin === r.origin) continue; // one declaration expanded twice into one namespace: same object
      const p = prev.origin;
      report(at(r.origin, ['metadata', 'name'], 'DUPLICATE_OUTPUT', `${r.output} ${r.namespace}/${r.name} is produced twice: by ${p.kind} ${p.name} (${p.file}:${p.line}) and by ${r.origin.kind} ${r.origin.name} (${r.origin.file}:${r.origin.line})`));
      continue;
    }
    out.push(emitShared(r, shared));
  }
  return out;
}

/**
 * By namespace, kind, name, then source position; the same order as one stable sort over all
 * five keys, but sorting each namespace's few resources apart (issue 5: 100,000 resources).
 */
function sortResolved(resolved: readonly Resolved[]): Resolved[] {
  const byNamespace = new Map<string, Resolved[]>();
  for (const r of resolved) {
    const bucket = byNamespace.get(r.namespace);
    if (bucket) bucket.push(r);
    else byNamespace.set(r.namespace, [r]);
  }
  const sorted: Resolved[] = [];
  for (const ns of [...byNamespace.keys()].sort(cmp)) {
    const bucket = byNamespace.get(ns)!.sort((a, b) => cmp(a.output, b.output) || cmp(a.name, b.name) || cmp(a.origin.file, b.origin.file) || a.origin.line - b.origin.line);
    for (const r of bucket) sorted.push(r);
  }
  return sorted;
}

interface Shared {
  /** The spec fields' values, one map level per field (compared as Map keys: strings by value, objects by identity) → the first resource emitted with them. */
  readonly specs: Map<unknown, unknown>;
  readonly metadata: MetadataCache;
}

/**
 * Every Resolved field but those only metadata reads. A WasmPlugin's or TrafficExtension's spec
 * is built from these alone, so the copies of one declaration in every namespace share one spec
 * object (and the serializer writes it once). The Record makes the compiler insist that a field
 * added to Resolved is either listed here or read by metadata only. EnvoyFilter is not shared:
 * its spec names the namespace.
 */
const SPEC_FIELDS_OF: Record<Exclude<keyof Resolved, 'name' | 'namespace' | 'origin' | 'source' | 'imageRef'>, true> = {
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
};
const SPEC_FIELDS = Object.keys(SPEC_FIELDS_OF) as (keyof typeof SPEC_FIELDS_OF)[];

function emitShared(r: Resolved, shared: Shared): Emitted {
  if (r.output === 'EnvoyFilter') return emitEnvoyFilter(r, shared.metadata);
  let level = shared.specs;
  for (let i = 0; i < SPEC_FIELDS.length - 1; i++) {
    const v = r[SPEC_FIELDS[i]!];
    let next = level.get(v) as Map<unknown, unknown> | undefined;
    if (next === undefined) level.set(v, (next = new Map()));
    level = next;
  }
  const last = r[SPEC_FIELDS[SPEC_FIELDS.length - 1]!];
  const first = level.get(last) as Emitted | undefined;
  if (first) return { apiVersion: first.apiVersion!, kind: first.kind!, metadata: metadataOf(r, shared.metadata), spec: first.spec! };
  const doc = EMITTERS[r.output](r, shared.metadata);
  markShared(doc.spec as object);
  level.set(last, doc);
  return doc;
}
