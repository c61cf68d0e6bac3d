// Text to located YAML documents: the fast parser for the common subset, and the `yaml` library,
// loaded only when a file needs it, for everything else (and so for every error).

import type { Diagnostic } from '../model/diagnostic.ts';
import { commonYamlLocator, parseCommonYaml } from './fast-yaml.ts';

export type Path = readonly (string | number)[];

export interface LoadedDocument {
  /** Render-root-relative file name, or '<stdin>'. */
  readonly file: string;
  /** Position of the document in its file, 0-based. */
  readonly index: number;
  readonly value: Readonly<Record<string, unknown>>;
  /** [line, col] (1-based) of the node at `path`, or of its nearest ancestor that exists. */
  readonly locate: (path: Path) => readonly [number, number];
  /**
   * The namespace the document takes from its context when it states none, as `kubectl apply -n`
   * would place it: set while classifying, for kinds whose namespace decides where they apply.
   */
  readonly contextNamespace?: string;
}

export async function parseDocuments(text: string, file: string, onError: (d: Diagnostic) => void): Promise<LoadedDocument[]> {
  const fast = parseCommonYaml(text);
  if (fast === undefined) return (await import('./parse-yaml-library.ts')).parseWithLibrary(text, file, onError);
  let locator: ReturnType<typeof commonYamlLocator> | undefined;
  return fast.map(({ index, value }) => ({
    file,
    index,
    value,
    locate: (path: Path) => (locator ??= commonYamlLocator(text, fast))(index, path),
  }));
}
