// A `v1 List` (what `kubectl get -o yaml` writes) holds documents in `items`; `kubectl apply`
// reads each item as a document of its own, so a repository exported from a cluster renders too.

import type { Diagnostic } from '../model/diagnostic.ts';
import type { LoadedDocument } from './parse-documents.ts';

/** The documents with every v1 List replaced by its items, in order, each located inside the list. */
export function unpackLists(docs: readonly LoadedDocument[], onError: (d: Diagnostic) => void): LoadedDocument[] {
  if (!docs.some(isList)) return docs as LoadedDocument[];
  const out: LoadedDocument[] = [];
  const visit = (doc: LoadedDocument): void => {
    if (!isList(doc)) {
      out.push(doc);
      return;
    }
    const items = doc.value.items as unknown[];
    items.forEach((item, i) => {
      const locate = (path: readonly (string | number)[]) => doc.locate(['items', i, ...path]);
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        const [line, col] = locate([]);
        onError({ code: 'YAML_NOT_OBJECT', severity: 'error', message: 'a List item must be an object (a Kubernetes resource)', file: doc.file, line, col, field: `items[${i}]` });
        return;
      }
      visit({ file: doc.file, index: doc.index, value: item as Record<string, unknown>, locate });
    });
  };
  for (const doc of docs) visit(doc);
  return out;
}

function isList(doc: LoadedDocument): boolean {
  const v = doc.value;
  return v.kind === 'List' && v.apiVersion === 'v1' && Array.isArray(v.items);
}
