// A KRM ResourceList from stdin (YAML or JSON). Scalars resolve as Go's yaml.v3 resolves them
// for kustomize (YAML 1.2 core, plus 0-prefixed octal integers), so items pass through with
// the values kustomize meant.

import { parseAllDocuments } from 'yaml';
import type { ScalarTag } from 'yaml';
import type { Diagnostic } from '../model/diagnostic.ts';

const goOctal: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
};

export interface ResourceList {
  readonly items: readonly Readonly<Record<string, unknown>>[];
  readonly functionConfig?: Readonly<Record<string, unknown>>;
}

export function parseResourceList(text: string, report: (d: Diagnostic) => void): ResourceList | undefined {
  const fail = (message: string) => {
    report({ code: 'YAML_SYNTAX', severity: 'error', message, file: '<stdin>' });
    return undefined;
  };
  let docs;
  try {
    docs = parseAllDocuments(text, { schema: 'core', customTags: (tags) => [goOctal, ...tags], uniqueKeys: true });
  } catch (e) {
    return fail(`cannot parse the ResourceList: ${(e as Error).message}`);
  }
  if (!Array.isArray(docs) || docs.length !== 1) return fail('stdin must hold one ResourceList document');
  const doc = docs[0]!;
  if (doc.errors.length > 0) return fail(`cannot parse the ResourceList: ${doc.errors[0]!.message.split('\n')[0]}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return fail(`cannot parse the ResourceList: ${(e as Error).message}`);
  }
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object' || (v.kind !== 'ResourceList' && v.kind !== 'List')) return fail('stdin is not a ResourceList (kind: ResourceList, apiVersion: config.kubernetes.io/v1)');
  const items = v.items ?? [];
  if (!Array.isArray(items) || items.some((i) => i === null || typeof i !== 'object' || Array.isArray(i))) return fail('ResourceList items must be a list of objects');
  const fc = v.functionConfig;
  if (fc !== undefined && fc !== null && (typeof fc !== 'object' || Array.isArray(fc))) return fail('ResourceList functionConfig must be an object');
  return { items: items as Record<string, unknown>[], functionConfig: (fc ?? undefined) as Record<string, unknown> | undefined };
}
