// The one entry to the core, so every adapter renders alike: load → classify → (per Mesh of the chosen
// cluster) translate → expand → resolve (once for all of them) → finalize → emit (per cluster). The
// CLI, KRM and Argo CD adapters only build a RenderRequest and turn a RenderResult into bytes and an
// exit code.

import { dirname, join } from 'node:path';
import type { LoadedDocument } from './load/parse-documents.ts';
import { loadBytes, loadPaths } from './load/read-input.ts';
import type { Diagnostic, Sink } from './model/diagnostic.ts';
import { cmp, hasErrors, sortDiagnostics } from './model/diagnostic.ts';
import type { Extension } from './model/extension.ts';
import type { Mesh } from './model/mesh.ts';
import { classifyDocuments, translateDeclarations } from './translate/index.ts';
import type { Classified } from './translate/index.ts';
import { buildFleet, chooseClusters, clusterReport } from './translate/fleet.ts';
import type { ClusterChoice, Fleet } from './translate/fleet.ts';
import { expandExtension } from './expand/expand-extension.ts';
import { checkPlacements, placeExtensions, tenantElsewhere } from './expand/select-clusters.ts';
import type { Target } from './expand/target.ts';
import { fieldPath } from './expand/field-path.ts';
import { at, isPseudoFile } from './model/where.ts';
import type { Lock } from './resolve/lock.ts';
import { LOCK_FILE, readLock } from './resolve/lock.ts';
import type { ImageUse, LiveResolverLike } from './resolve/resolve-images.ts';
import { resolveImages } from './resolve/resolve-images.ts';
import { parseImageRef } from './resolve/reference.ts';
import type { ImageRef } from './resolve/reference.ts';
import type { ResolveFailure } from './resolve/registry-error.ts';
import { globMatches } from './resolve/trust/glob.ts';
import type { ResolvedImage } from './model/image.ts';
import { verifyImages } from './resolve/verify-images.ts';
import type { ImageReport, VerifyOptions } from './resolve/verify-images.ts';
import type { Discovery, Trust } from './model/trust.ts';
import { policyFileReader } from './resolve/policy-files.ts';
import type { ResolveResult } from './resolve/resolve-images.ts';
import { finalizeTarget } from './emit/finalize.ts';
import type { Placement, Resolved } from './emit/resource.ts';
import { emitResources } from './emit/emit-resources.ts';
import { checkServedKinds } from './emit/served-kinds.ts';
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
  /**
   * The cluster to render (`--cluster`, Argo CD's parameter `cluster`, the ExtensionGenerator's
   * spec.cluster): its Meshes, one per revision. Implied when the Meshes name one cluster.
   */
  readonly cluster?: string;
  /** Where `cluster` was given, for messages (default `--cluster`). */
  readonly clusterFrom?: string;
  /** Render every cluster, each into `result.clusters` (`render --all-clusters`). */
  readonly allClusters?: boolean;
  /** The API versions the destination cluster serves (Argo CD's KUBE_API_VERSIONS): every output kind must be among them. */
  readonly apiVersions?: readonly string[];
  /** Builds the live resolver; called only when an image must be resolved over the network. */
  readonly live?: (opts: { readonly insecureRegistries: readonly string[]; readonly offline: boolean }) => Promise<LiveResolverLike>;
  /** Judge every signature found, not only until a policy is satisfied (`meshext verify`). */
  readonly checkAllSignatures?: boolean;
}

/** One cluster's render: its Meshes (one per control-plane revision) and, together, their resources. */
export interface ClusterRender {
  /** Undefined when the only Mesh names no cluster. */
  readonly cluster: string | undefined;
  readonly meshes: readonly Mesh[];
  readonly resources: readonly Emitted[];
  readonly stream: Iterable<Emitted>;
  /** Per Mesh (in `meshes` order), one Resolved per declaration and namespace, made when read (validate, explain). */
  readonly resolvedByMesh: readonly (readonly Resolved[])[];
}

export interface RenderResult {
  /** Every cluster rendered, one after another (one cluster unless `allClusters`). */
  readonly resources: readonly Emitted[];
  /** The same resources, made as they are read: what a caller that only writes them out reads, so memory stays near the output size. */
  readonly stream: Iterable<Emitted>;
  readonly resolved: readonly Resolved[];
  readonly targets: readonly Target[];
  readonly diagnostics: readonly Diagnostic[];
  /** 0 rendered, 1 invalid input, 3 image resolution or verification failed. */
  readonly exitCode: 0 | 1 | 3;
  /** The render's Mesh: the first of the cluster rendered. */
  readonly mesh?: Mesh;
  /** Every Mesh of the repository. */
  readonly fleet?: Fleet;
  /** The clusters rendered, each with its own resources (`render --all-clusters` writes one file each). */
  readonly clusters: readonly ClusterRender[];
  readonly root?: string;
  readonly lockFile?: string;
  /** Canonical reference → resolution of every image used (what `meshext lock` writes). */
  readonly images: ReadonlyMap<string, ResolvedImage>;
  readonly classified?: Classified;
  /** Per image, what the Mesh's trust policies concluded (for `meshext verify`); absent without spec.trust. */
  readonly trust?: readonly ImageReport[];
}

/** One Mesh's part of a render, translated and expanded; `report` names its cluster in a fleet. */
interface MeshPart {
  readonly choice: ClusterChoice;
  readonly mesh: Mesh;
  readonly report: Sink;
  readonly extensions: readonly Extension[];
  readonly targets: readonly Target[];
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
  const empty = { resources: [], stream: [], resolved: [], targets: [], clusters: [], images: new Map() };
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
  // Every Mesh is read; only the chosen cluster's are translated and expanded (docs/decisions.md, decision 36).
  const fleet = buildFleet(classified.meshes, classified.namespaces, report);
  for (const m of fleet.meshes) checkMesh(m, fleet.docs.get(m), report);
  const chosen = hasErrors(diagnostics) ? [] : chooseClusters(fleet, { cluster: req.cluster, from: req.clusterFrom, all: req.allClusters }, report);
  const mesh = chosen[0]?.meshes[0] ?? fleet.meshes[0]!;
  if (hasErrors(diagnostics)) return fail(1, { mesh, fleet, root, classified });

  const parts = meshParts(classified, fleet, chosen, report);
  const targets = parts.flatMap((p) => p.targets);
  if (hasErrors(diagnostics)) return fail(1, { mesh, fleet, root, classified });
  if (parts.every((p) => p.extensions.length === 0) && classified.declarations.length === 0 && !req.allowEmpty) {
    report({ code: 'NOTHING_TO_RENDER', severity: 'error', message: `nothing to render: no extension declaration found${req.stdin ? ' on stdin' : ` under ${req.paths.length > 0 ? req.paths.join(', ') : '.'}`} (pass --allow-empty to print an empty stream on purpose)${unreadNote(classified)}` });
    return fail(1, { mesh, fleet, root, classified });
  }

  const lockFile = req.lockPath ?? (root !== undefined ? join(root, LOCK_FILE) : undefined);
  let lock: Lock | undefined;
  if (lockFile) lock = await readLock(lockFile, req.lockPath ?? LOCK_FILE, report);
  if (hasErrors(diagnostics)) return fail(1, { mesh, fleet, root, classified, lockFile });
  if (req.locked && req.mode === 'render' && lock === undefined) {
    report({ code: 'LOCK_MISSING', severity: 'error', message: `--locked needs a lock, and ${lockFile ?? 'none'} does not exist; run meshext lock` });
    return fail(1, { mesh, fleet, root, classified, lockFile });
  }
  // Images are resolved once for every cluster of the render (one lock for the fleet, decision 40).
  const uses = imageUses(targets);
  const insecureRegistries = [...new Set(parts.flatMap((p) => p.mesh.insecureRegistries))].sort();
  const live = req.live ? once(() => req.live!({ insecureRegistries, offline: false })) : undefined;
  const cached = req.live ? once(() => req.live!({ insecureRegistries, offline: true })) : undefined;
  const prefetch = req.offline || req.mode === 'none' || !live ? undefined : signaturePrefetch(parts, live);
  let res = await resolveImages(uses, { lock, mode: req.mode, offline: req.offline, locked: req.locked, live, cached, ...(prefetch ? { onPinned: prefetch.onPinned } : {}) }, report);
  if (res.failed) return fail(hasCode(diagnostics, ['INVALID_REFERENCE', 'LOCK_INVALID']) ? 1 : 3, { mesh, fleet, root, classified, lockFile });
  const verification = await verifyParts(parts, res, { lock, mode: req.mode, offline: req.offline, locked: req.locked, live: req.offline ? undefined : live, readPolicyFile: policyFileReader(root, req.cwd), checkAll: req.checkAllSignatures === true, ...(prefetch ? { prefetched: prefetch.get } : {}) }, report);
  res = withResolutions(res, verification.resolved);
  const trust = verification.reports;
  // Without resolution (validate, explain) a failure is the policy's own: an image no policy covers, or unusable
  // material; so is a declaration's signature where it cannot apply.
  if (verification.failed) return fail(req.mode === 'none' || hasCode(diagnostics, ['TRUST_INVALID', 'FIELD_CONFLICT']) ? 1 : 3, { mesh, fleet, root, classified, lockFile, ...(trust ? { trust } : {}) });

  if (req.locked && lock && req.mode === 'render') {
    // --locked fails wherever `meshext lock` would change the file, stale entries included. A render
    // of some clusters does not use the other clusters' images, which the fleet's lock keeps.
    const others = parts.length < fleet.meshes.length ? declaredImages(classified, fleet.meshes[0]!) : new Set<string>();
    const stale = [...lock.keys()].filter((k) => !res.resolved.has(k) && !others.has(k));
    if (stale.length > 0) {
      const [line, col] = lock.where?.(stale[0]!) ?? [undefined, undefined];
      report({ code: 'LOCK_MISMATCH', severity: 'error', message: `the lock pins images no declaration uses (${stale.join(', ')}), which --locked forbids; run meshext lock`, file: req.lockPath ?? LOCK_FILE, line, col, field: `images.${stale[0]}` });
      return fail(1, { mesh, fleet, root, classified, lockFile });
    }
    // Evidence the render no longer keeps (its policy was removed or renamed, or spec.trust was): `meshext lock` would drop it.
    // `meshext lock` checks every cluster's Meshes: a policy of a Mesh this render leaves out keeps its evidence.
    const unrendered = fleet.meshes.filter((m) => !parts.some((p) => p.mesh === m)).flatMap((m) => m.trust?.policies ?? []);
    for (const [k, r] of res.resolved) {
      const elsewhere = (p: string): boolean => unrendered.some((x) => x.name === p && x.images.some((g) => globMatches(g, k)));
      const dropped = (lock.get(k)?.verified ?? []).map((v) => v.policy).filter((p) => !(r.verified ?? []).some((v) => v.policy === p) && !elsewhere(p));
      if (dropped.length === 0) continue;
      const [line, col] = lock.where?.(k) ?? [undefined, undefined];
      const declared = new Set(parts.flatMap((p) => p.mesh.trust?.policies.map((x) => x.name) ?? []));
      const why = parts.every((p) => !p.mesh.trust) ? 'the Mesh has no spec.trust' : dropped.every((p) => !declared.has(p)) ? 'the Mesh declares no such policy now' : 'this render does not verify the image by it (its images no longer match, or mode warn let a failure through)';
      report({ code: 'LOCK_MISMATCH', severity: 'error', message: `the lock keeps evidence of ${k} for trust ${dropped.length === 1 ? 'policy' : 'policies'} ${dropped.join(', ')}, which meshext lock would now drop (${why}); --locked forbids the change: run meshext lock`, file: req.lockPath ?? LOCK_FILE, line, col, field: `images.${k}.verified` });
      return fail(1, { mesh, fleet, root, classified, lockFile });
    }
  }
  const clusters = chosen.map((choice) => renderCluster(choice, parts.filter((p) => p.choice === choice), verification.imagesOf, fleet, req, unreadNote(classified), report));
  if (hasErrors(diagnostics)) return fail(1, { mesh, fleet, root, classified, lockFile, targets });
  return {
    get resources() {
      return clusters.length === 1 ? clusters[0]!.resources : clusters.flatMap((c) => c.resources);
    },
    stream: clusters.length === 1 ? clusters[0]!.stream : chain(clusters.map((c) => c.stream)),
    get resolved() {
      return clusters.flatMap((c) => c.resolvedByMesh.flat());
    },
    targets,
    diagnostics: sortDiagnostics(diagnostics),
    exitCode: 0,
    mesh,
    fleet,
    clusters,
    root,
    lockFile,
    images: res.resolved,
    classified,
    ...(trust ? { trust } : {}),
  };
}

/** Each chosen Mesh's declarations: translated for it, placed in its cluster, expanded over its inventory. */
function meshParts(classified: Classified, fleet: Fleet, chosen: readonly ClusterChoice[], report: Sink): MeshPart[] {
  const parts: MeshPart[] = [];
  // Translation reads the documents and a Mesh's control-plane namespace alone (where Tetrate and
  // Gloo declarations render): Meshes that share it share one translation, and its findings.
  const translated = new Map<string, Extension[]>();
  for (const choice of chosen) {
    for (const mesh of choice.meshes) {
      let extensions = translated.get(mesh.controlPlaneNamespace);
      if (!extensions) translated.set(mesh.controlPlaneNamespace, (extensions = translateDeclarations(classified, mesh, report)));
      if (parts.length === 0) checkPlacements(extensions, fleet.meshes, report);
      const r = clusterReport(report, mesh, fleet);
      const elsewhere = tenantElsewhere(fleet.meshes, mesh);
      // Placement's own findings name the cluster already.
      const targets = placeExtensions(extensions, mesh, fleet.meshes, report).flatMap((e) => expandExtension(e, mesh, r, elsewhere));
      parts.push({ choice, mesh, report: r, extensions, targets });
    }
  }
  return parts;
}

/**
 * One cluster's resources: each Mesh's targets finalized with that Mesh's version and output (and
 * revision), then emitted together, sorted and checked for duplicates as one output.
 */
function renderCluster(choice: ClusterChoice, parts: readonly MeshPart[], imagesOf: (p: MeshPart) => ReadonlyMap<string, ResolvedImage>, fleet: Fleet, req: RenderRequest, note: string, report: Sink): ClusterRender {
  // A target is one declaration with the same overrides applied in all its namespaces: it is
  // finalized once (and reports once) and placed in each of them (work per set of overrides, not per namespace).
  const placements: Placement[] = [];
  const placed: Target[] = [];
  const bounds: number[] = [];
  for (const p of parts) {
    const images = imagesOf(p);
    for (const t of p.targets) {
      const image = t.ext.lua === undefined ? images.get(t.fields.image)! : undefined;
      const r = finalizeTarget(t, image, p.mesh, isPseudoFile(t.ext.origin.file) ? undefined : t.ext.origin.file, p.report);
      if (!r) continue;
      placements.push({ resolved: r, namespaces: t.namespaces });
      placed.push(t);
    }
    bounds.push(placements.length);
  }
  const inCluster = fleet.meshes.length > 1 && choice.cluster !== undefined ? clusterReport(report, { cluster: choice.cluster }, fleet) : report;
  const emission = emitResources(placements, inCluster);
  if (req.apiVersions !== undefined) checkServedKinds(placements.map((pl, i) => ({ resolved: pl.resolved, target: placed[i]!, mesh: parts[bounds.findIndex((end) => i < end)]!.mesh })), req.apiVersions, choice.cluster, report);
  if (emission.count === 0 && !req.allowEmpty) {
    inCluster({ code: 'NOTHING_TO_RENDER', severity: 'error', message: `nothing to render: the declarations produce no resource (pass --allow-empty to print an empty stream on purpose)${note}` });
  }
  let resources: Emitted[] | undefined;
  let resolved: Resolved[][] | undefined;
  return {
    cluster: choice.cluster,
    meshes: parts.map((p) => p.mesh),
    get resources() {
      return (resources ??= [...emission]);
    },
    stream: emission,
    // One Resolved per declaration and namespace, made only for a caller that reads them (validate, explain).
    get resolvedByMesh() {
      return (resolved ??= bounds.map((end, i) => perNamespace(placements.slice(bounds[i - 1] ?? 0, end), placed.slice(bounds[i - 1] ?? 0, end))));
    },
  };
}

function* chain<T>(iterables: readonly Iterable<T>[]): Iterable<T> {
  for (const it of iterables) yield* it;
}

/**
 * Every image any declaration names, canonical, for --locked in a render of some clusters: the
 * fleet's lock also pins what the other clusters use.
 */
function declaredImages(classified: Classified, mesh: Mesh): Set<string> {
  const out = new Set<string>();
  for (const e of translateDeclarations(classified, mesh, () => {})) {
    for (const image of [e.image, ...(e.overrides ?? []).map((o) => o.image)]) {
      if (!image) continue;
      const p = parseImageRef(image);
      if (!('error' in p)) out.add(p.ref.canonical);
    }
  }
  return out;
}

function checkMesh(mesh: Mesh, doc: LoadedDocument | undefined, report: Sink): void {
  const minor = minorOf(mesh.istioVersion);
  if (minor === undefined || minor < SUPPORTED_MIN || minor > SUPPORTED_MAX) {
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
    uses.push({ image: t.fields.image, origin: t.ext.origin, path: fieldPath(t, 'image'), ...(t.ext.signature !== undefined ? { signature: t.ext.signature } : {}) });
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

/** One call however many stages ask: resolution and verification share one resolver (its tokens, its connections). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** The resolution with each reference's entry replaced; `images` (keyed as declared) follows its reference. */
function withResolutions(res: ResolveResult, resolved: ReadonlyMap<string, ResolvedImage>): ResolveResult {
  const images = new Map<string, ResolvedImage>();
  for (const [image, r] of res.images) images.set(image, resolved.get(r.ref) ?? r);
  return { ...res, images, resolved };
}

/**
 * Each Mesh's images checked against its own spec.trust (decisions 32-35). Meshes whose policies are
 * the same (their paths read from the same directory: in a fleet, usually all of them) are checked
 * once, together. Images of a Mesh without spec.trust are not verified whatever the lock kept;
 * what `meshext lock` writes is every policy's evidence of an image, whichever Mesh checked it.
 */
async function verifyParts(parts: readonly MeshPart[], res: ResolveResult, opts: Omit<VerifyOptions, 'trust'>, report: Sink): Promise<{ resolved: ReadonlyMap<string, ResolvedImage>; imagesOf: (p: MeshPart) => ReadonlyMap<string, ResolvedImage>; reports?: ImageReport[]; failed: boolean }> {
  const bare = withoutEvidence(res.resolved);
  const bareImages = withResolutions(res, bare).images;
  const groups = new Map<string, { trust: Trust; parts: MeshPart[] }>();
  for (const p of parts) {
    if (!p.mesh.trust) continue;
    const key = `${p.mesh.file === undefined ? '' : dirname(p.mesh.file)}\n${JSON.stringify(p.mesh.trust, (k, v: unknown) => (k === 'at' ? undefined : v))}`;
    const g = groups.get(key);
    if (g) g.parts.push(p);
    else groups.set(key, { trust: p.mesh.trust, parts: [p] });
  }
  if (groups.size === 0) {
    // A bundle location with nothing to check it against is most likely a policy forgotten.
    for (const u of imageUses(parts.flatMap((p) => p.targets))) {
      if (u.signature !== undefined) report(at(u.origin, [...u.path.slice(0, -1), 'signature'], 'NOT_VERIFIED', `signature is read only to verify the module against the Mesh's spec.trust, which this Mesh does not declare: ${u.image} renders unverified`, 'warning'));
    }
    return { resolved: bare, imagesOf: () => bareImages, failed: false };
  }
  const merged = new Map(bare);
  const imagesByPart = new Map<MeshPart, ReadonlyMap<string, ResolvedImage>>();
  const reports: ImageReport[] = [];
  let failed = false;
  for (const g of groups.values()) {
    const uses = imageUses(g.parts.flatMap((p) => p.targets));
    const mine = new Map<string, ResolvedImage>();
    for (const u of uses) {
      const r = res.images.get(u.image);
      if (r) mine.set(r.ref, res.resolved.get(r.ref) ?? r);
    }
    const v = await verifyImages(mine, uses, { ...opts, trust: g.trust }, report);
    reports.push(...v.reports);
    failed ||= v.failed;
    const checked = withResolutions(res, new Map([...bare, ...v.resolved])).images;
    for (const p of g.parts) imagesByPart.set(p, checked);
    for (const [k, r] of v.resolved) {
      if (!r.verified) continue;
      const had = merged.get(k)!.verified ?? [];
      merged.set(k, { ...merged.get(k)!, verified: [...had, ...r.verified.filter((x) => !had.some((y) => y.policy === x.policy))] });
    }
  }
  return { resolved: merged, imagesOf: (p) => imagesByPart.get(p) ?? bareImages, reports, failed };
}

/**
 * Signature discovery started the moment resolution pins an image some trust policy covers, so
 * that it overlaps the rest of resolution (the image's layers, the other images) instead of
 * waiting for all of it; verification then takes what it found. Reads `.att` too when a policy
 * wants attestations.
 */
function signaturePrefetch(parts: readonly MeshPart[], live: () => Promise<LiveResolverLike>): { onPinned: (ref: ImageRef, digest: string) => void; get: NonNullable<VerifyOptions['prefetched']> } | undefined {
  const policies = parts.flatMap((p) => p.mesh.trust?.policies ?? []);
  if (policies.length === 0) return undefined;
  const attestations = policies.some((p) => p.attestations.length > 0);
  const started = new Map<string, Promise<Discovery | ResolveFailure>>();
  return {
    onPinned(ref, digest) {
      const key = `${ref.canonical}@${digest}`;
      if (started.has(key) || !policies.some((p) => p.images.some((g) => globMatches(g, ref.canonical)))) return;
      started.set(key, live().then((l) => l.discover(ref, digest, { attestations })));
    },
    get(canonical, digest) {
      const discovery = started.get(`${canonical}@${digest}`);
      return discovery ? { discovery, attestations } : undefined;
    },
  };
}

/** Without a trust policy nothing is verified, whatever evidence an older lock kept. */
function withoutEvidence(resolved: ReadonlyMap<string, ResolvedImage>): ReadonlyMap<string, ResolvedImage> {
  if (![...resolved.values()].some((r) => r.verified !== undefined)) return resolved;
  const out = new Map<string, ResolvedImage>();
  for (const [k, r] of resolved) {
    const { verified: _dropped, ...facts } = r;
    out.set(k, facts);
  }
  return out;
}

function hasCode(ds: readonly Diagnostic[], codes: readonly Diagnostic['code'][]): boolean {
  return ds.some((d) => d.severity === 'error' && codes.includes(d.code));
}
