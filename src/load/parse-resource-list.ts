// A KRM ResourceList from stdin (YAML or JSON). Scalars resolve as Go's yaml.v3 resolves them
// for kustomize (YAML 1.2 core, plus 0-prefixed octal integers), so items pass through with
// the values kustomize meant. A ResourceList carries every resource of the kustomization, so it
// is read by the fast parser (fast-yaml.ts) when it can, and by the `yaml` library otherwise.

import type { ScalarTag } from 'yaml';
import type { Diagnostic } from '../model/diagnostic.ts';
import { parseCommonYaml } from './fast-yaml.ts';

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

export async function parseResourceList(text: string, report: (d: Diagnostic) => void): Promise<ResourceList | undefined> {
  const fail = (message: string) => {
    report({ code: 'YAML_SYNTAX', severity: 'error', message, file: '<stdin>' });
    return undefined;
  };
  const value = oneFastDocument(text) ?? (await parseWithLibrary(text, fail));
  return value === undefined ? undefined : checkList(value, fail);
}

/** The one document of `text` as the fast parser reads it, if it does and the text holds exactly one. */
function oneFastDocument(text: string): unknown {
  const docs = parseCommonYaml(text, { goOctal: true });
  if (docs?.length !== 1 || docs[0]!.index !== 0) return undefined;
  // An empty document after it (a trailing `---`) is a second document: the library path says so.
  const markers = [...text.matchAll(/^---(?=[ \n]|$)/gm)];
  if (markers.length > 1 || (markers.length === 1 && markers[0]!.index! > docs[0]!.offset)) return undefined;
  return docs[0]!.value;
}

async function parseWithLibrary(text: string, fail: (message: string) => undefined): Promise<unknown> {
  const { parseAllDocuments } = await import('yaml');
  let docs;
  try {
    docs = parseAllDocuments(text, { schema: 'core', customTags: (tags) => [goOctal, ...tags], uniqueKeys: true });
  } catch (e) {
    return fail(`cannot parse the ResourceList: ${(e as Error).message}`);
  }
  if (!Array.isArray(docs) || docs.length !== 1) return fail('stdin must hold one ResourceList document');
  const doc = docs[0]!;
  if (doc.errors.length > 0) return fail(`cannot parse the ResourceList: ${doc.errors[0]!.message.split('\n')[0]}`);
  const { toJsAsWritten } = await import('./parse-yaml-library.ts');
  try {
    return toJsAsWritten(doc, { maxAliasCount: 1000 });
  } catch (e) {
    return fail(`cannot parse the ResourceList: ${(e as Error).message}`);
  }
}

function checkList(value: unknown, fail: (message: string) => undefined): ResourceList | undefined {
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object' || (v.kind !== 'ResourceList' && v.kind !== 'List')) return fail('stdin is not a ResourceList (kind: ResourceList, apiVersion: config.kubernetes.io/v1)');
  const items = v.items ?? [];
  if (!Array.isArray(items) || items.some((i) => i === null || typeof i !== 'object' || Array.isArray(i))) return fail('ResourceList items must be a list of objects');
  const fc = v.functionConfig;
  if (fc !== undefined && fc !== null && (typeof fc !== 'object' || Array.isArray(fc))) return fail('ResourceList functionConfig must be an object');
  return { items: items as Record<string, unknown>[], functionConfig: (fc ?? undefined) as Record<string, unknown> | undefined };
}
