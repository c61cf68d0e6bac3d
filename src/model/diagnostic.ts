// One diagnostic type for every stage, so any stage can report any problem: errors are data, collected, never thrown.

export type Severity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  | 'YAML_SYNTAX'
  | 'YAML_NOT_OBJECT'
  | 'YAML_LIMIT'
  | 'FILE_READ'
  | 'FILE_ENCODING'
  | 'FILE_TOO_LARGE'
  | 'SCHEMA'
  | 'UNKNOWN_KIND'
  | 'UNKNOWN_VERSION'
  | 'NAMESPACE_REQUIRED'
  | 'INVALID_REFERENCE'
  | 'INVALID_URL'
  | 'MESH_CONFLICT'
  | 'SCOPE_EMPTY'
  | 'CLUSTER_UNKNOWN'
  | 'KIND_NOT_SERVED'
  | 'SCOPE_CROSSES_NAMESPACE'
  | 'ALLOWED_IN_MESH_WIDE'
  | 'ALLOWED_IN_VIOLATION'
  | 'DUPLICATE_OUTPUT'
  | 'KUSTOMIZE_NAMESPACE'
  | 'PRIORITY_OUT_OF_BAND'
  | 'VERSION_GATED'
  | 'FIELD_CONFLICT'
  | 'UNSUPPORTED'
  | 'NOTHING_TO_RENDER'
  | 'NOT_READ'
  | 'LOCK_INVALID'
  | 'LOCK_MISSING'
  | 'LOCK_MISMATCH'
  | 'SHA256_MISMATCH'
  | 'RESOLVE_FAILED'
  | 'DEADLINE_EXCEEDED'
  | 'IMAGE_NOT_LOADABLE'
  | 'NOT_VERIFIED'
  | 'TRUST_INVALID'
  | 'CLUSTER_SKIPPED'
  | 'OVERRIDE_UNUSED'
  | 'CONFIG_RAW_STRING'
  | 'FIELD_DROPPED'
  | 'PHASE_TIE';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** Path relative to the render root, or '<stdin>'. */
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  /** Dotted field path inside the document, e.g. `spec.scope.namespaces[1]`. */
  readonly field?: string;
  /** The declaration concerned (KRM results carry it as resourceRef). */
  readonly resource?: ResourceRef;
}

export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export type Sink = (d: Diagnostic) => void;

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Stable order: file, line, col, severity, message, so the same problems always print the same way. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      cmp(a.file ?? '', b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      severityRank[a.severity] - severityRank[b.severity] ||
      cmp(a.message, b.message),
  );
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `file:line:col: severity: message (field)` — the one text form, used by the CLI. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.col ? `:${d.col}` : ''}` : ''}: ` : '';
  const field = d.field ? ` (field ${d.field})` : '';
  return `${where}${d.severity}: ${d.message}${field}`;
}
