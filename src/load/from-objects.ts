// Objects that arrive already parsed (KRM items) as located documents. Their positions are
// the ones kustomize gives: a file path annotation and an index, no line.

import type { LoadedDocument } from './parse-documents.ts';

const PATH_ANNOTATIONS = ['internal.config.kubernetes.io/path', 'config.kubernetes.io/path'];
const INDEX_ANNOTATIONS = ['internal.config.kubernetes.io/index', 'config.kubernetes.io/index'];

export function documentsFromObjects(objects: readonly Readonly<Record<string, unknown>>[]): LoadedDocument[] {
  return objects.map((value, i) => {
    const annotations = annotationsOf(value);
    const path = PATH_ANNOTATIONS.map((k) => annotations[k]).find((v) => typeof v === 'string');
    const index = Number(INDEX_ANNOTATIONS.map((k) => annotations[k]).find((v) => typeof v === 'string') ?? 0);
    return { file: path ?? `<items[${i}]>`, index, value, locate: () => [0, 0] as const };
  });
}

export function annotationsOf(value: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const meta = value.metadata;
  if (meta === null || typeof meta !== 'object') return {};
  const a = (meta as Record<string, unknown>).annotations;
  return a !== null && typeof a === 'object' ? (a as Record<string, unknown>) : {};
}
