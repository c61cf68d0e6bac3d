// Helpers for the trust tests that drive the CLI: a repository of declarations, a Mesh with a trust
// policy, signed test images in a real registry, and readers for what a render printed and the lock holds.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { Found } from '../src/model/trust.ts';
import { loadVerifier } from '../src/resolve/trust/load-verifier.ts';
import { artifact, fsImage, push, wasm } from './_images.ts';
import type { BuiltImage } from './_images.ts';
import { tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { classicSigLayer, simpleSigningPayload } from './_sigstore.ts';
import type { TestKey } from './_sigstore.ts';
import { pushClassic } from './_signatures-oci.ts';

/** A directory holding `files` (paths may name subdirectories). */
export function repoWith(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export const env = (cache: string = tempDir(), extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: cache, ...extra });

/** A Mesh whose spec.trust is `trust` (YAML, indented under trust:). */
export const mesh = (trust: string): string => `apiVersion: meshext.dev/v1alpha1\nkind: Mesh\nmetadata: {name: mesh}\nspec:\n  istioVersion: "1.24"\n  trust:\n${trust.replace(/^/gm, '    ')}\n`;

/** An Extension named `name` in istio-system using `image`. */
export const extension = (name: string, image: string): string => `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: ${name}, namespace: istio-system}\nspec: {image: "${image}", phase: AUTHZ, priority: 5}\n`;

/** A compat image of its own (the module names it), pushed under `repo:tag`. */
export async function compatImage(r: TestRegistry, repo: string, tag = 'v1'): Promise<BuiltImage> {
  const img = fsImage([[{ name: 'plugin.wasm', data: wasm(`${repo}:${tag}`) }]]);
  await push(r, repo, tag, img);
  return img;
}

/** An oci-artifact image of its own, pushed under `repo:tag`. */
export async function artifactImage(r: TestRegistry, repo: string, tag = 'v1'): Promise<BuiltImage> {
  const img = artifact(wasm(`${repo}:${tag}`), { rootIds: ['root'] });
  await push(r, repo, tag, img);
  return img;
}

/** Signs `digest` with each key in cosign's classic layout and pushes the `.sig` manifest; the layers as discovery will read them. */
export async function signClassic(r: TestRegistry, repo: string, digest: string, keys: readonly TestKey[]): Promise<Extract<Found, { kind: 'classic' }>[]> {
  const layers = keys.map((k) => classicSigLayer(digest, k, { payload: simpleSigningPayload(digest, { reference: `${r.host}/${repo}` }) }));
  await pushClassic(r, repo, digest, layers);
  return layers;
}

/** What the lock keeps of a found signature: its bundle form, as the verifier converts it. */
export async function evidenceOf(found: Found): Promise<Record<string, string>> {
  const e = (await loadVerifier()).toEvidence(found);
  if ('error' in e) throw new Error(e.error);
  return { at: e.at, bundle: e.bundle, ...(e.payload !== undefined ? { payload: e.payload } : {}) };
}

export const docs = (stdout: string): Record<string, any>[] => stdout.split(/^---\n/m).filter((d) => d.trim() !== '').map((d) => parse(d));
/** Each resource's `kind/name` → its meshext.dev/verified-by (undefined when it has none). */
export const verifiedBy = (stdout: string): Record<string, string | undefined> => Object.fromEntries(docs(stdout).map((d) => [`${d.kind}/${d.metadata.name}`, d.metadata.annotations?.['meshext.dev/verified-by']]));
/** stderr's diagnostics (the excerpt lines under an error left out). */
export const diagnostics = (stderr: string): string[] => stderr.split('\n').filter((l) => l !== '' && !/^\s+(\d+ )?\|/.test(l));
export const lockOf = (dir: string): any => parse(readFileSync(join(dir, 'meshext.lock'), 'utf8'));
