// Where a target's field came from: the last override that set it, else the declaration's own
// spelling of it, so an error cites the line the user must change.

import type { ExtensionFields } from '../model/extension.ts';
import type { FieldPath } from '../model/where.ts';
import type { Target } from './target.ts';

export function fieldPath(t: Target, field: keyof ExtensionFields): FieldPath {
  for (let i = t.overrides.length - 1; i >= 0; i--) {
    const o = t.ext.overrides?.find((x) => x.index === t.overrides[i]);
    if (o && o[field] !== undefined) return ['spec', 'overrides', o.index, field];
  }
  return t.ext.sources?.[field] ?? ['spec', field];
}
