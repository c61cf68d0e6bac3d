// Resolved targets → Istio objects, sorted by namespace, kind, name (never by input order),
// with rule 5: two declarations producing the same kind/namespace/name is an error naming both.

import type { Sink } from '../model/diagnostic.ts';
import { cmp } from '../model/diagnostic.ts';
import { at } from '../model/where.ts';
import type { Plain } from './to-yaml.ts';
import type { Resolved } from './resource.ts';
import { emitEnvoyFilter } from './envoy-filter.ts';
import { emitTrafficExtension } from './traffic-extension.ts';
import { emitWasmPlugin } from './wasm-plugin.ts';

const EMITTERS = { WasmPlugin: emitWasmPlugin, TrafficExtension: emitTrafficExtension, EnvoyFilter: emitEnvoyFilter } as const;

export type Emitted = { readonly [k: string]: Plain };

export function emitResources(resolved: readonly Resolved[], report: Sink): Emitted[] {
  const sorted = [...resolved].sort(
    (a, b) => cmp(a.namespace, b.namespace) || cmp(a.output, b.output) || cmp(a.name, b.name) || cmp(a.origin.file, b.origin.file) || a.origin.line - b.origin.line,
  );
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
    out.push(EMITTERS[r.output](r));
  }
  return out;
}
