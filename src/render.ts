// The one entry to the core, so every adapter renders alike: load → classify → translate → expand → resolve →
// finalize → emit. The CLI, KRM and Argo CD adapters only build a RenderRequest and turn a
// RenderResult into bytes and an exit code.

import { join } from 'node:path';
import type { LoadedDocument } from './load/parse-documents.ts';
import { loadBytes, loadPaths } from './load/read-input.ts';
import type { Diagnostic, Sink } from './model/diagnostic.ts';
import { cmp, hasErrors, sortDiagnostics } from './model/diagnostic.ts';
import type { Mesh } from './model/mesh.ts';
import { classifyDocuments, translateDeclarations } from './translate/index.ts';
import type { Classified } from './translate/index.ts';
import { expandExtension } from './expand/expand-extension.ts';
import type { Target } from './expand/target.ts';
import { fieldPath } from './expand/field-path.ts';
import { isPseudoFile } from './model/where.ts';
import type { Lock } from './resolve/lock.ts';
import { LOCK_FILE, readLock } from './resolve/lock.ts';
import type { ImageUse, LiveResolverLike } from './resolve/resolve-images.ts';
import { resolveImages } from './resolve/resolve-images.ts';
import type { ResolvedImage } from './model/image.ts';
import { finalizeTarget } from './emit/finalize.ts';
import type { Placement, Resolved } from './emit/resource.ts';
import { emitResources } from './emit/emit-resources.ts';
import type { Emitted } from './emit/emit-resources.ts';
import { minorOf, SUPPORTED_MAX, SUPPORTED_MIN } from './emit/versions.ts';

export interface RenderRequest {
  /** Files and directories; empty means the working directory. Ignored when `stdin` is given. */
  readonly paths: readonly string[];
  readonly cwd: string;
  /**
   * The namespace a namespaced declaration without metadata.namespace takes (`-n`, the
   * ExtensionGenerator's spec.namespace, Argo CD's destination namespace).
   */
  readonly defaultNamespace?: string;
  /** Declarations read from stdin (`-`) instead of paths. */
  readonly stdin?: Buffer;
  /** Documents handed over by an adapter (KRM items), rendered with the paths. */
  readonly documents?: readonly LoadedDocument[];
  /** Lock path; default `<render root>/meshext.lock`. */
  readonly lockPath?: string;
  readonly offline: boolean;
  readonly locked: boolean;
  readonly allowEmpty: boolean;
  /** 'render' resolves; 'none' (validate, explain) never touches the network; 'relock' resolves every reference afresh. */
  readonly mode: 'render' | 'none' | 'relock';
  /** Builds the live resolver; called only when an image must be resolved over the network. */
  readonly live?: (opts: { readonly insecureRegistries: readonly string[]; readonly offline: boolean }) => Promise<LiveResolverLike>;
}

export interface RenderResult {
  readonly resources: readonly Emitted[];
  /** The same resources, made as they are read: what a caller that only writes them out reads, so memory stays near the output size. */
  readonly stream: Iterable<Emitted>;
  readonly resolved: readonly Resolved[];
  readonly targets: readonly Target[];
  readonly diagnostics: readonly Diagnostic[];
  /** 0 rendered, 1 invalid input, 3 image resolution failed. */
  readonly exitCode: 0 | 1 | 3;
  readonly mesh?: Mesh;
  readonly root?: string;
  readonly lockFile?: string;
  /** Canonical reference → resolution of every image used (what `meshext lock` writes). */
  readonly images: ReadonlyMap<string, ResolvedImage>;
  readonly classified?: Classified;
}

export async function render(req: RenderRequest): Promise<RenderResult> {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  // Expanded declarations repeat the same finding per namespace: report each once.
  const report: Sink = (d) => {
    const k = `${d.code}|${d.file}|${d.line}|${d.col}|${d.field}|${d.message}`;
    if (seen.has(k)) return;
    seen.add(k);
    diagnostics.push(d);
  };
  const empty = { resources: [], stream: [], resolved: [], targets: [], images: new Map() };
  const fail = (exitCode: 1 | 3, extra: Partial<RenderResult> = {}): RenderResult => ({ ...empty, ...extra, diagnostics: sortDiagnostics(diagnostics), exitCode });

  let root: string | undefined;
  let docs: LoadedDocument[] = [];
  if (req.stdin) docs = await loadBytes(req.stdin, '<stdin>', report);
  else if (req.paths.length > 0 || !req.documents) {
    const loaded = await loadPaths(req.paths, req.cwd, report);
    root = loaded.root;
    docs = [...loaded.documents];
  }
  docs.push(...(req.documents ?? []));
  const classified = classifyDocuments(docs, report, req.defaultNamespace);
  const { mesh, extensions } = translateDeclarations(classified, report);
  checkMesh(mesh, classified, report);
  if (hasErrors(diagnostics)) return fail(1, { mesh, root, classified });

  const targets = extensions.flatMap((e) => expandExtension(e, mesh, report));
  if (hasErrors(diagnostics)) return fail(1, { mesh, root, classified });
  if (extensions.length === 0 && classified.declarations.length === 0 && !req.allowEmpty) {
    report({ code: 'NOTHING_TO_RENDER', severity: 'error', message: `nothing to render: no extension declaration found${req.stdin ? ' on stdin' : ` under ${req.paths.length > 0 ? req.paths.join(', ') : '.'}`} (pass --allow-empty to print an empty stream on purpose)${unreadNote(classified)}` });
    return fail(1, { mesh, root, classified });
  }

  const lockFile = req.lockPath ?? (root !== undefined ? join(root, LOCK_FILE) : undefined);
  let lock: Lock | undefined;
  if (lockFile) lock = await readLock(lockFile, req.lockPath ?? LOCK_FILE, report);
  if (hasErrors(diagnostics)) return fail(1, { mesh, root, classified, lockFile });
  if (req.locked && req.mode === 'render' && lock === undefined) {
    report({ code: 'LOCK_MISSING', severity: 'error', message: `--locked needs a lock, and ${lockFile ?? 'none'} does not exist; run meshext lock` });
    return fail(1, { mesh, root, classified, lockFile });
  }
  const uses = imageUses(targets);
  const res = await resolveImages(uses, { lock, mode: req.mode, offline: req.offline, locked: req.locked, live: req.live ? () => req.live!({ insecureRegistries: mesh.insecureRegistries, offline: false }) : undefined, cached: req.live ? () => req.live!({ insecureRegistries: mesh.insecureRegistries, offline: true }) : undefined }, report);
  if (res.failed) return fail(hasCode(diagnostics, ['INVALID_REFERENCE', 'LOCK_INVALID']) ? 1 : 3, { mesh, root, classified, lockFile });

  if (req.locked && lock && req.mode === 'render') {
    // --locked fails wherever `meshext lock` would change the file, stale entries included.
    const stale = [...lock.keys()].filter((k) => !res.resolved.has(k));
    if (stale.length > 0) {
      const [line, col] = lock.where?.(stale[0]!) ?? [undefined, undefined];
      report({ code: 'LOCK_MISMATCH', severity: 'error', message: `the lock pins images no declaration uses (${stale.join(', ')}), which --locked forbids; run meshext lock`, file: req.lockPath ?? LOCK_FILE, line, col, field: `images.${stale[0]}` });
      return fail(1, { mesh, root, classified, lockFile });
    }
  }
  // A target is one declaration with the same overrides applied in all its namespaces: it is
  // finalized once (and reports once) and placed in each of them (work per set of overrides, not per namespace).
  const placements: Placement[] = [];
  const placed: Target[] = [];
  for (const t of targets) {
    const image = t.ext.lua === undefined ? res.images.get(t.fields.image)! : undefined;
    const r = finalizeTarget(t, image, mesh, isPseudoFile(t.ext.origin.file) ? undefined : t.ext.origin.file, report);
    if (!r) continue;
    placements.push({ resolved: r, namespaces: t.namespaces });
    placed.push(t);
  }
  const emission = emitResources(placements, report);
  if (hasErrors(diagnostics)) return fail(1, { mesh, root, classified, lockFile, targets });
  if (emission.count === 0 && !req.allowEmpty) {
    report({ code: 'NOTHING_TO_RENDER', severity: 'error', message: `nothing to render: the declarations produce no resource (pass --allow-empty to print an empty stream on purpose)${unreadNote(classified)}` });
    return fail(1, { mesh, root, classified, lockFile, targets });
  }
  let resources: Emitted[] | undefined;
  let resolved: Resolved[] | undefined;
  return {
    get resources() {
      return (resources ??= [...emission]);
    },
    stream: emission,
    // One Resolved per declaration and namespace, made only for a caller that reads them (validate, explain).
    get resolved() {
      return (resolved ??= perNamespace(placements, placed));
    },
    targets,
    diagnostics: sortDiagnostics(diagnostics),
    exitCode: 0,
    mesh,
    root,
    lockFile,
    images: res.resolved,
    classified,
  };
}

function checkMesh(mesh: Mesh, c: Classified, report: Sink): void {
  const minor = minorOf(mesh.istioVersion);
  if (minor === undefined || minor < SUPPORTED_MIN || minor > SUPPORTED_MAX) {
    const doc = c.meshes[0];
    const [line, col] = doc ? doc.locate(['spec', 'istioVersion']) : [undefined, undefined];
    report({ code: 'VERSION_GATED', severity: 'error', message: `istioVersion ${mesh.istioVersion} is not supported: meshext emits for Istio 1.${SUPPORTED_MIN} to 1.${SUPPORTED_MAX}`, file: doc?.file, line, col, field: 'spec.istioVersion' });
  }
}

/**
 * One use per declaration and image: its other targets name the same image at the same place,
 * so a declaration expanded over 20,000 namespaces is resolved once. A Lua declaration names none.
 */
function imageUses(targets: readonly Target[]): ImageUse[] {
  const uses: ImageUse[] = [];
  const seen = new Map<Target['ext'], Set<string>>();
  for (const t of targets) {
    if (t.ext.lua !== undefined) continue;
    let images = seen.get(t.ext);
    if (!images) seen.set(t.ext, (images = new Set()));
    if (images.has(t.fields.image)) continue;
    images.add(t.fields.image);
    uses.push({ image: t.fields.image, origin: t.ext.origin, path: fieldPath(t, 'image') });
  }
  return uses;
}

/** Each placement as a Resolved of its own, in expansion order: declaration by declaration, each in namespace order. */
function perNamespace(placements: readonly Placement[], targets: readonly Target[]): Resolved[] {
  const out: Resolved[] = [];
  for (let i = 0; i < placements.length; ) {
    // A declaration's targets come together, each with its namespaces in order: merge them.
    let end = i + 1;
    while (end < placements.length && targets[end]!.ext === targets[i]!.ext) end++;
    const copies: Resolved[] = [];
    for (const p of placements.slice(i, end)) for (const ns of p.namespaces) copies.push(ns === p.resolved.namespace ? p.resolved : { ...p.resolved, namespace: ns });
    if (end - i > 1) copies.sort((a, b) => cmp(a.namespace, b.namespace));
    for (const c of copies) out.push(c);
    i = end;
  }
  return out;
}

/** What "nothing to render" adds when the input held look-alikes meshext does not read: where they are. */
function unreadNote(c: Classified): string {
  if (c.unread.length === 0) return '';
  const list = c.unread.map((d) => `${d.file}: ${String(d.value.kind)} (${String(d.value.apiVersion)})`);
  return `; found but not read (see the warnings): ${list.join(', ')}`;
}

function hasCode(ds: readonly Diagnostic[], codes: readonly Diagnostic['code'][]): boolean {
  return ds.some((d) => d.severity === 'error' && codes.includes(d.code));
}
