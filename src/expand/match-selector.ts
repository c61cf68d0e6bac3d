// Kubernetes label-selector semantics (matchLabels AND every matchExpression).

import type { LabelSelector } from '../model/extension.ts';

export function matchSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const want = selector.matchLabels;
  if (want !== undefined) for (const k of Object.keys(want)) if (labels[k] !== want[k]) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        // As in Kubernetes: a namespace without the key matches NotIn.
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}
