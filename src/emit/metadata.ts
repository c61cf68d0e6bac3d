// metadata for every emitted resource: name, namespace, our label (and the revision's), source and image annotations.

import type { Plain } from './to-yaml.ts';
import { markShared } from './to-yaml.ts';
import type { Resolved } from './resource.ts';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'meshext' } as const;
export const SOURCE_ANNOTATION = 'meshext.dev/source';
export const IMAGE_ANNOTATION = 'meshext.dev/image';
export const REVISION_LABEL = 'istio.io/rev';
export const VERIFIED_BY_ANNOTATION = 'meshext.dev/verified-by';

/** Labels and annotations shared by the resources of one render (they differ only by name and namespace). */
export interface MetadataCache {
  readonly labels: Record<string, string>;
  /** Control-plane revision → the labels of its resources (with `istio.io/rev`). */
  readonly revisionLabels: Map<string, Record<string, string>>;
  /** Source file (undefined for stdin) → image reference and verified-by (two Meshes of a cluster may verify one image differently) → annotations (null: none to write). */
  readonly annotations: Map<string | undefined, Map<string, Record<string, string> | null>>;
}

export function createMetadataCache(): MetadataCache {
  return { labels: markShared({ ...MANAGED_BY }), revisionLabels: new Map(), annotations: new Map() };
}

/** The metadata of `r` placed in `namespace`. */
export function metadataOf(r: Resolved, namespace: string, cache?: MetadataCache): { [k: string]: Plain } {
  if (cache) {
    let bySource = cache.annotations.get(r.source);
    if (!bySource) cache.annotations.set(r.source, (bySource = new Map()));
    const key = r.verifiedBy === undefined ? r.imageRef : `${r.imageRef}\n${r.verifiedBy}`;
    let annotations = bySource.get(key);
    if (annotations === undefined) {
      const made = annotationsOf(r);
      bySource.set(key, (annotations = made === undefined ? null : markShared(made)));
    }
    let labels = cache.labels;
    if (r.revision !== undefined) {
      labels = cache.revisionLabels.get(r.revision) ?? markShared(labelsOf(r));
      cache.revisionLabels.set(r.revision, labels);
    }
    return withAnnotations({ name: r.name, namespace, labels }, annotations ?? undefined);
  }
  return withAnnotations({ name: r.name, namespace, labels: labelsOf(r) }, annotationsOf(r));
}

/** Ours, and the revision whose istiod alone reads the resource (Istio reads an unlabelled one in every revision). */
function labelsOf(r: Resolved): Record<string, string> {
  return r.revision === undefined ? { ...MANAGED_BY } : sortedRecord({ ...MANAGED_BY, [REVISION_LABEL]: r.revision });
}

/** The metadata with `annotations` last, when there are any. */
export function withAnnotations(metadata: { [k: string]: Plain }, annotations: Plain | undefined): { [k: string]: Plain } {
  if (annotations !== undefined) metadata.annotations = annotations;
  return metadata;
}

/**
 * Undefined when there is nothing to say: a Lua TrafficExtension read from stdin has neither a
 * source file nor an image to name, and `annotations: {}` would only be noise.
 */
function annotationsOf(r: Resolved): Record<string, string> | undefined {
  if (r.imageRef === '' && r.source === undefined) return undefined;
  const annotations: Record<string, string> = {};
  if (r.imageRef !== '') annotations[IMAGE_ANNOTATION] = r.imageRef;
  if (r.source !== undefined) annotations[SOURCE_ANNOTATION] = r.source;
  if (r.verifiedBy !== undefined) annotations[VERIFIED_BY_ANNOTATION] = r.verifiedBy;
  return sortedRecord(annotations);
}

export function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
