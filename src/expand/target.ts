import type { Extension, ExtensionFields } from '../model/extension.ts';

/**
 * What to emit: a declaration with the overrides that apply in some of its namespaces applied,
 * and those namespaces. A declaration expands into one target per distinct set of applying
 * overrides, not one per namespace (thousands of namespaces commonly share a few sets).
 */
export interface Target {
  readonly ext: Extension;
  /** Where the target renders, in the declaration's namespace order (sorted by name); never empty. */
  readonly namespaces: readonly string[];
  /** The declaration's fields with every matching override applied in order. */
  readonly fields: ExtensionFields & { readonly image: string };
  /** Indexes of the overrides that applied here (for explain). */
  readonly overrides: readonly number[];
}
