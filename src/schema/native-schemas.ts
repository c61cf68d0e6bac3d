// The schemas of meshext's own input kinds, as data for `meshext schema` to print (editors such as
// yaml-language-server read them). Each is self-contained: no $ref leaves its own file.

import extension from './schemas/extension.json' with { type: 'json' };
import extensionGenerator from './schemas/extension-generator.json' with { type: 'json' };
import mesh from './schemas/mesh.json' with { type: 'json' };

export type NativeKind = 'Extension' | 'ExtensionGenerator' | 'Mesh';

/** Kind → draft-07 JSON Schema (its $id is `meshext.dev/v1alpha1/<kind>`), in kind order. */
export const NATIVE_SCHEMAS: Readonly<Record<NativeKind, Readonly<Record<string, unknown>>>> = {
  Extension: extension,
  ExtensionGenerator: extensionGenerator,
  Mesh: mesh,
};
