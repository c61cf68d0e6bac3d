// metadata for every emitted resource: name, namespace, our label, source and image annotations.

import type { Plain } from './to-yaml.ts';
import type { Resolved } from './resource.ts';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'meshext' } as const;
export const SOURCE_ANNOTATION = 'meshext.dev/source';
export const IMAGE_ANNOTATION = 'meshext.dev/image';

export function metadataOf(r: Resolved): { [k: string]: Plain } {
  const annotations: Record<string, string> = { [IMAGE_ANNOTATION]: r.imageRef };
  if (r.source !== undefined) annotations[SOURCE_ANNOTATION] = r.source;
  return { name: r.name, namespace: r.namespace, labels: { ...MANAGED_BY }, annotations: sortedRecord(annotations) };
}

export function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
