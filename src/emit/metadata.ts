// metadata for every emitted resource: name, namespace, our label, source and image annotations.

import type { Plain } from './to-yaml.ts';
import type { Resolved } from './resource.ts';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'meshext' } as const;
export const SOURCE_ANNOTATION = 'meshext.dev/source';
export const IMAGE_ANNOTATION = 'meshext.dev/image';

/** Labels and annotations shared by the resources of one render (they differ only by name and namespace). */
export interface MetadataCache {
  readonly labels: Record<string, string>;
  readonly annotations: Map<string, Record<string, string>>;
}

export function createMetadataCache(): MetadataCache {
  return { labels: { ...MANAGED_BY }, annotations: new Map() };
}

export function metadataOf(r: Resolved, cache?: MetadataCache): { [k: string]: Plain } {
  if (cache) {
    const key = r.source === undefined ? `-${r.imageRef}` : `${r.source.length}:${r.source}${r.imageRef}`;
    let annotations = cache.annotations.get(key);
    if (!annotations) cache.annotations.set(key, (annotations = annotationsOf(r)));
    return { name: r.name, namespace: r.namespace, labels: cache.labels, annotations };
  }
  return { name: r.name, namespace: r.namespace, labels: { ...MANAGED_BY }, annotations: annotationsOf(r) };
}

function annotationsOf(r: Resolved): Record<string, string> {
  const annotations: Record<string, string> = { [IMAGE_ANNOTATION]: r.imageRef };
  if (r.source !== undefined) annotations[SOURCE_ANNOTATION] = r.source;
  return sortedRecord(annotations);
}

export function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
