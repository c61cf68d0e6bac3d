// The Origin of a translated declaration: the source document's identity and positions.

import type { LoadedDocument } from '../load/parse-documents.ts';
import type { Origin } from '../model/extension.ts';
import { obj, str } from './_fields.ts';

export function originOf(doc: LoadedDocument): Origin {
  const meta = obj(doc.value.metadata);
  const [line, col] = doc.locate([]);
  return {
    kind: String(doc.value.kind),
    apiVersion: String(doc.value.apiVersion),
    name: str(meta.name) ?? '',
    namespace: str(meta.namespace) || doc.contextNamespace,
    file: doc.file,
    line,
    col,
    locate: doc.locate,
  };
}
