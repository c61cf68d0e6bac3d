// kustomize's `namespace:` field against what meshext renders. The field is a namespace
// transformer that runs after a kustomization's generators and sets every resource they produced
// to its namespace, overriding the one meshext chose. An extension rendered into the
// control-plane namespace applies mesh-wide; moved, it silently applies in one namespace only.
// Copies of one extension in several namespaces all land in the one namespace, where kustomize
// rejects them ("namespace transformation produces ID conflict").
//
// kustomize tells a plugin no namespace, but it runs the legacy exec plugin and an exec KRM
// function in the directory of the kustomization that lists it, so the plugin reads that file.
// Whatever cannot be read or parsed there is left alone: kustomize reports its own file's errors,
// and a guess must never fail a build.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Emitted } from '../emit/emit-resources.ts';

/** The names kustomize accepts for a kustomization file; a directory with more than one is its error. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** A kustomization is a few dozen lines; a bigger file there is not read. */
const MAX_KUSTOMIZATION_BYTES = 1024 * 1024;

export interface KustomizationNamespace {
  readonly file: string;
  readonly namespace: string;
  readonly line: number;
  readonly col: number;
}

/** The error for `namespace:` in the kustomization in `dir`, if one there would move rendered resources. */
export async function checkKustomizeNamespace(dir: string, resources: readonly Emitted[], controlPlane: string): Promise<Diagnostic | undefined> {
  const found = readKustomization(dir);
  const k = found && (await kustomizationNamespace(found.text, found.file));
  return k && namespaceConflict(k, resources, controlPlane);
}

/** The kustomization file in `dir` as text, when exactly one regular, small, UTF-8 file is there. */
export function readKustomization(dir: string): { readonly file: string; readonly text: string } | undefined {
  const files = KUSTOMIZATION_FILES.map((name) => join(dir, name)).filter((file) => {
    try {
      // statSync follows symlinks; only a regular file is read (a FIFO would block the read forever).
      const st = statSync(file);
      return st.isFile() && st.size <= MAX_KUSTOMIZATION_BYTES;
    } catch {
      return false;
    }
  });
  if (files.length !== 1) return undefined;
  try {
    const bytes = readFileSync(files[0]!);
    if (bytes.length > MAX_KUSTOMIZATION_BYTES) return undefined;
    return { file: files[0]!, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return undefined;
  }
}

/** The non-empty string `namespace:` of a one-document kustomization without YAML errors, with its position. */
export async function kustomizationNamespace(text: string, file: string): Promise<KustomizationNamespace | undefined> {
  // The yaml library, with the loader's limits on aliases and nesting; loaded only when a kustomization exists.
  const { parseWithLibrary } = await import('../load/parse-yaml-library.ts');
  let failed = false;
  const docs = parseWithLibrary(text, file, () => void (failed = true));
  if (failed || docs.length !== 1) return undefined;
  const namespace = docs[0]!.value.namespace;
  if (typeof namespace !== 'string' || namespace === '') return undefined;
  const [line, col] = docs[0]!.locate(['namespace']);
  return { file, namespace, line, col };
}

/** The pure rule: an error when some rendered resource has a namespace other than the kustomization's. */
export function namespaceConflict(k: KustomizationNamespace, resources: readonly Emitted[], controlPlane: string): Diagnostic | undefined {
  const moved = new Set<string>();
  // kind/name → the namespaces it was rendered into: two or more collide once moved.
  const copies = new Map<string, Set<string>>();
  for (const r of resources) {
    const meta = (r.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    if (typeof meta.namespace !== 'string') continue;
    if (meta.namespace !== k.namespace) moved.add(meta.namespace);
    const id = `${String(r.kind)} ${String(meta.name)}`;
    copies.set(id, (copies.get(id) ?? new Set()).add(meta.namespace));
  }
  if (moved.size === 0) return undefined;
  const ns = k.namespace;
  const collide = [...copies].filter(([, namespaces]) => namespaces.size > 1).map(([id]) => id).sort();
  const harm = [
    moved.has(controlPlane) ? `what is rendered into ${controlPlane}, the control-plane namespace, applies mesh-wide and would silently apply in ${ns} only` : '',
    collide.length > 0 ? `copies of one extension rendered into several namespaces (${collide.slice(0, 3).join(', ')}${collide.length > 3 ? ', …' : ''}) would collide ("namespace transformation produces ID conflict")` : '',
  ].filter((s) => s !== '');
  if (harm.length === 0) harm.push(`they would apply in ${ns} instead`);
  const message =
    `namespace: ${ns} makes kustomize move every resource this kustomization's generators produce into ${ns}, ` +
    `but meshext rendered resources into ${[...moved].sort().join(', ')}: ${harm.join('; ')}. ` +
    'Remove namespace: from this kustomization; or give the meshext generator a kustomization of its own without namespace: ' +
    'and list it beside this one under resources: of a parent kustomization that sets no namespace: either ' +
    '(namespace: also moves what a kustomization\'s resources and components produce); or, to set only namespaces that are missing, ' +
    `replace namespace: with a builtin NamespaceTransformer under transformers: with metadata.namespace ${ns} and unsetOnly: true`;
  return { code: 'KUSTOMIZE_NAMESPACE', severity: 'error', message, file: k.file, line: k.line, col: k.col, field: 'namespace' };
}
