import type { Extension, ExtensionFields } from '../model/extension.ts';

/** One resource to emit: a declaration placed in one namespace, overrides applied. */
export interface Target {
  readonly ext: Extension;
  readonly namespace: string;
  /** The declaration's fields with every matching override applied in order. */
  readonly fields: ExtensionFields & { readonly image: string };
  /** Indexes of the overrides that applied here (for explain). */
  readonly overrides: readonly number[];
}
