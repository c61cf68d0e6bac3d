import type { LoadedDocument } from '../load/parse-documents.ts';
import type { Sink } from '../model/diagnostic.ts';
import type { Extension } from '../model/extension.ts';
import type { Mesh } from '../model/mesh.ts';

export interface TranslateContext {
  readonly mesh: Mesh;
  readonly report: Sink;
}

/** One foreign (or native) kind's documents to native declarations. Schema-valid input only. */
export type Translator = (doc: LoadedDocument, ctx: TranslateContext) => Extension[];
