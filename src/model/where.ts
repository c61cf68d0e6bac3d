// Turning a source document and a field path into a diagnostic that cites file, line and field.

import type { Diagnostic, DiagnosticCode, ResourceRef, Severity } from './diagnostic.ts';
import type { Origin } from './extension.ts';

export type FieldPath = readonly (string | number)[];

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? k : `.${k}`;
  return out;
}

export function resourceOf(o: Pick<Origin, 'apiVersion' | 'kind' | 'name' | 'namespace'>): ResourceRef | undefined {
  if (!o.name) return undefined;
  return o.namespace ? { apiVersion: o.apiVersion, kind: o.kind, name: o.name, namespace: o.namespace } : { apiVersion: o.apiVersion, kind: o.kind, name: o.name };
}

/** A diagnostic about `path` in the document `origin` came from. */
export function at(origin: Origin, path: FieldPath, code: DiagnosticCode, message: string, severity: Severity = 'error'): Diagnostic {
  const [line, col] = origin.locate(path);
  return { code, severity, message, file: origin.file, line, col, field: path.length > 0 ? formatPath(path) : undefined, resource: resourceOf(origin) };
}

/**
 * Whether a document's file is a stand-in for input that has no file: '<stdin>', or a KRM item
 * without a path annotation ('<items[3]>'). A real file may be named '<x>.yaml', so the names are exact.
 */
export function isPseudoFile(file: string): boolean {
  return file === '<stdin>' || /^<items\[\d+\]>$/.test(file);
}
