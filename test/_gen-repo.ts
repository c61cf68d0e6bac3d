// Random valid declaration repositories for test/properties.test.ts: a Mesh with an inventory
// (Mesh entries and Namespace objects), native Extensions (mesh-wide; scoped by names, selectors and
// tenants; namespace-local; with overrides), Maistra ServiceMeshExtensions, Tetrate WasmExtensions,
// Gloo WasmDeployments and WasmDeploymentPolicies and Istio WasmPlugins, every image drawn from the
// lock the generator writes.
// Valid means: each choice respects the render rules and decisions (selections never empty, allowedIn lists every
// tenant reached, fields only where the Mesh's istioVersion has them, one output per kind/namespace/name),
// so a render must succeed. Also: the mutations the robustness property applies, and the writer.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Doc = { [k: string]: Json };

export interface RepoFile {
  /** Path relative to the repository root; `.json` files hold one document, YAML files several. */
  readonly name: string;
  readonly docs: readonly Doc[];
}

export interface Repo {
  readonly files: readonly RepoFile[];
  /** meshext.lock as the generator wrote it: every image below, used or not. */
  readonly lock: string;
}

// ------------------------------------------------------------------ drawing values inside fc.gen()

interface Pick {
  int(min: number, max: number): number;
  bool(): boolean;
  one<T>(xs: readonly T[]): T;
  some<T>(xs: readonly T[], min?: number): T[];
  maybe<T>(make: () => T): T | undefined;
  json(): Json;
}

function picker(g: fc.GeneratorValue): Pick {
  const int = (min: number, max: number) => g(fc.integer, { min, max });
  return {
    int,
    bool: () => g(fc.boolean),
    one: (xs) => xs[int(0, xs.length - 1)]!,
    some: (xs, min = 0) => g(fc.subarray, [...xs], { minLength: Math.min(min, xs.length) }),
    maybe: (make) => (g(fc.boolean) ? make() : undefined),
    json: () => g(fc.jsonValue, { maxDepth: 2 }) as Json,
  };
}

// ------------------------------------------------------------------ images and the lock

interface Image {
  /** As declarations name it (canonical, so it is also the lock key). */
  readonly ref: string;
  readonly scheme: 'oci' | 'https' | 'file';
  readonly moduleSha256: string;
  /** The manifest digest's hex (OCI only): what an Extension's `sha256` pins. */
  readonly digest?: string;
  readonly rootIds: readonly string[];
  readonly lockEntry: Doc;
}

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const ISTIO_PHASES = ['AUTHN', 'AUTHZ', 'STATS', 'UNSPECIFIED_PHASE'] as const;
const MAISTRA_PHASES = ['PreAuthN', 'PostAuthN', 'PreAuthZ', 'PostAuthZ', 'PreStats', 'PostStats'] as const;

function drawImages(p: Pick): Image[] {
  const images: Image[] = [];
  const oci = p.int(1, 4);
  for (let i = 0; i < oci; i++) {
    const ref = `reg.example/gen/m${i}:${p.one(['1.0', 'v2', 'latest'])}`;
    const digest = `sha256:${hex(`manifest ${ref}`)}`;
    const moduleSha256 = hex(`module ${ref}`);
    const artifact = p.bool();
    const rootIds = artifact ? p.some(['root_a', 'root_b']) : [];
    const defaults: Doc = {};
    if (!artifact) {
      const phase = p.maybe(() => p.one([...ISTIO_PHASES, ...MAISTRA_PHASES]));
      if (phase !== undefined) defaults.phase = phase;
      const priority = p.maybe(() => p.int(-1000, 1000));
      if (priority !== undefined) defaults.priority = priority;
    } else if (rootIds.length > 0) defaults.rootIds = rootIds;
    const url = `oci://${ref.slice(0, ref.lastIndexOf(':'))}@${digest}`;
    images.push({ ref, scheme: 'oci', moduleSha256, digest: digest.slice(7), rootIds, lockEntry: { url, digest, format: artifact ? 'oci-artifact' : 'compat', moduleSha256, defaults } });
  }
  const http = p.int(0, 2);
  for (let i = 0; i < http; i++) {
    const ref = `https://files.example/gen/h${i}.wasm`;
    const moduleSha256 = hex(`module ${ref}`);
    images.push({ ref, scheme: 'https', moduleSha256, rootIds: [], lockEntry: { url: ref, format: 'http', moduleSha256, defaults: {} } });
  }
  return images;
}

const FILE_IMAGE: Image = { ref: 'file:///var/lib/wasm/local.wasm', scheme: 'file', moduleSha256: '', rootIds: [], lockEntry: {} };

function lockOf(images: readonly Image[]): string {
  const entries: Doc = {};
  for (const i of [...images].sort((a, b) => (a.ref < b.ref ? -1 : 1))) entries[i.ref] = i.lockEntry;
  return `# written by test/_gen-repo.ts\n${stringify({ apiVersion: 'meshext.dev/v1alpha1', kind: 'Lock', images: entries })}`;
}

// ------------------------------------------------------------------ the mesh and its inventory

interface Namespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly tenant?: string;
}

interface World {
  readonly p: Pick;
  readonly cp: string;
  readonly minor: number;
  readonly output: 'WasmPlugin' | 'EnvoyFilter' | 'TrafficExtension';
  readonly cluster: string;
  readonly inventory: readonly Namespace[];
  readonly images: readonly Image[];
}

const TENANT_LABEL = 'meshext.dev/tenant';
const NAMESPACE_POOL = ['payments', 'orders', 'catalog', 'web', 'api', 'legacy'];

function drawMesh(p: Pick, images: readonly Image[]): { world: World; docs: Doc[] } {
  const cp = p.one(['istio-system', 'mesh-root']);
  const minor = p.int(22, 31);
  const outputs = minor >= 30 ? (['WasmPlugin', 'EnvoyFilter', 'TrafficExtension'] as const) : (['WasmPlugin', 'EnvoyFilter'] as const);
  const output = p.one(outputs);
  const names = p.some(NAMESPACE_POOL, 1);
  const inventory: Namespace[] = [];
  const meshEntries: Doc[] = [];
  const namespaceDocs: Doc[] = [];
  for (const name of names) {
    const labels: Record<string, string> = { team: p.one(['shop', 'catalog', 'web']) };
    if (p.bool()) labels.tier = 'critical';
    const tenant = p.maybe(() => p.one(['shop', 'catalog']));
    // Where the inventory learns of it: a Mesh entry, a Namespace object, or both (labels merged).
    const how = p.one(['mesh', 'object', 'both'] as const);
    if (how === 'object') {
      const objLabels = tenant ? { ...labels, [TENANT_LABEL]: tenant } : labels;
      namespaceDocs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: objLabels } });
      inventory.push({ name, labels: objLabels, ...(tenant ? { tenant } : {}) });
    } else if (how === 'mesh') {
      meshEntries.push({ name, labels, ...(tenant ? { tenant } : {}) });
      inventory.push({ name, labels, ...(tenant ? { tenant } : {}) });
    } else {
      meshEntries.push({ name, labels: { team: 'overridden' }, ...(tenant ? { tenant } : {}) });
      namespaceDocs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
      inventory.push({ name, labels, ...(tenant ? { tenant } : {}) });
    }
  }
  const spec: Doc = { controlPlaneNamespace: cp, cluster: 'east', istioVersion: `1.${minor}`, output, namespaces: meshEntries };
  if (cp === 'istio-system' && p.bool()) delete spec.controlPlaneNamespace; // the default
  const mesh: Doc = { apiVersion: 'meshext.dev/v1alpha1', kind: 'Mesh', metadata: { name: 'generated' }, spec };
  return { world: { p, cp, minor, output, cluster: 'east', inventory, images }, docs: [mesh, ...namespaceDocs] };
}

// ------------------------------------------------------------------ shared field generators

const word = (p: Pick) => p.one(['alpha', 'beta', 'gamma', 'x-team', 'on', 'yes', '1.24', '0777', 'null', 'with space', 'ünïcödé']);

function config(p: Pick): Doc {
  const out: Doc = {};
  const n = p.int(0, 3);
  for (let i = 0; i < n; i++) out[p.one(['header', 'mode', 'limits', 'on', 'nested', 'key with space', '@type'])] = p.one([() => word(p), () => p.int(-5, 5), () => p.json()])();
  return out;
}

function envVars(p: Pick, namePattern: 'any' | 'identifier'): Doc[] {
  const names = p.some(namePattern === 'any' ? ['MODE', 'POD_NAME', 'a-b', 'x.y'] : ['MODE', 'POD_NAME', '_X'], 1);
  return names.map((name) => (p.bool() ? { name, valueFrom: 'HOST' } : { name, ...(p.bool() ? { valueFrom: 'INLINE' } : {}), value: word(p) }));
}

function match(p: Pick): Doc[] {
  return Array.from({ length: p.int(1, 2) }, () => {
    const m: Doc = {};
    if (p.bool()) m.mode = p.one(['UNDEFINED', 'CLIENT', 'SERVER', 'CLIENT_AND_SERVER']);
    if (p.bool()) m.ports = p.some([80, 443, 8080, 9090], 1).map((number) => ({ number }));
    return m;
  });
}

/**
 * The WasmPlugin-shaped fields an Extension, an override and a WasmPlugin share. `native`: Maistra
 * phases are allowed (not in a WasmPlugin); `targeting`: selector or targetRefs (not in an override,
 * where either would meet the declaration's own and conflict).
 */
function wasmFields(w: World, effectiveOutput: string, opts: { native: boolean; targeting: boolean; image?: Image }): Doc {
  const { p } = w;
  const f: Doc = {};
  if (p.bool()) f.phase = p.one(opts.native ? [...ISTIO_PHASES, ...MAISTRA_PHASES] : ISTIO_PHASES);
  if (p.bool()) f.priority = p.int(-100_000, 100_000);
  if (p.bool()) f.failStrategy = p.one(w.minor >= 27 ? ['FAIL_CLOSE', 'FAIL_OPEN', 'FAIL_RELOAD'] : ['FAIL_CLOSE', 'FAIL_OPEN']);
  if (p.bool()) f.imagePullPolicy = p.one(['IfNotPresent', 'Always']);
  if (p.bool()) f.imagePullSecret = 'regcred';
  if (p.bool()) f.vmConfig = { env: envVars(p, 'any') };
  if (p.bool()) f.match = match(p);
  if (effectiveOutput !== 'EnvoyFilter' && p.bool()) f.type = p.one(['HTTP', 'NETWORK']);
  if (opts.image && opts.image.rootIds.length !== 1 && p.bool()) f.pluginName = p.one(['root_a', 'my_filter']);
  if (opts.targeting) {
    const t = p.int(0, 2);
    if (t === 1) f.selector = { matchLabels: { app: p.one(['web', 'api', 'ratings']) } };
    if (t === 2) f.targetRefs = [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: p.one(['gw', 'ingress']) }];
  }
  return f;
}

// ------------------------------------------------------------------ scope selection, as docs/decisions.md, decision 4 says

function nonControl(w: World): Namespace[] {
  return w.inventory.filter((n) => n.name !== w.cp);
}

function matches(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && !(has && e.values!.includes(labels[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && e.values!.includes(labels[e.key]!)) return false;
  }
  return true;
}

/** A scope that selects at least one namespace, and the namespaces it selects. */
function drawScope(w: World): { scope: Doc; selected: string[] } | undefined {
  const { p } = w;
  const pool = nonControl(w);
  const chosen = new Set<string>();
  const scope: Doc = {};
  if (p.bool() || pool.length === 0) {
    const names = p.some(pool.map((n) => n.name), 1);
    if (p.bool() || names.length === 0) names.push('not-in-inventory');
    scope.namespaces = names;
    names.forEach((n) => chosen.add(n));
  }
  if (pool.length > 0 && p.bool()) {
    const sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } = { matchLabels: { team: p.one(pool).labels.team! } };
    const expr = p.maybe(() => p.one([{ key: 'tier', operator: 'DoesNotExist' }, { key: 'tier', operator: 'Exists' }, { key: 'team', operator: 'In', values: ['shop', 'web'] }, { key: 'tier', operator: 'NotIn', values: ['critical'] }]));
    if (expr && pool.some((n) => matches({ ...sel, matchExpressions: [expr] }, n.labels))) sel.matchExpressions = [expr];
    scope.namespaceSelector = sel as Json;
    pool.filter((n) => matches(sel, n.labels)).forEach((n) => chosen.add(n.name));
  }
  const tenants = [...new Set(pool.flatMap((n) => (n.tenant ? [n.tenant] : [])))];
  if (tenants.length > 0 && (p.bool() || chosen.size === 0)) {
    const ts = p.some(tenants, 1);
    scope.tenants = ts;
    pool.filter((n) => n.tenant && ts.includes(n.tenant)).forEach((n) => chosen.add(n.name));
  }
  if (chosen.size === 0) return undefined;
  if (chosen.size > 1 && p.bool()) {
    const exclude = p.some([...chosen].sort()).slice(0, chosen.size - 1);
    if (exclude.length > 0) {
      scope.exclude = exclude;
      exclude.forEach((n) => chosen.delete(n));
    }
  }
  return { scope, selected: [...chosen].sort() };
}

/** allowedIn for a declaration reaching `selected`: only when every one has a tenant. */
function allowedInFor(w: World, selected: readonly string[]): string[] | undefined {
  const tenants = selected.map((n) => w.inventory.find((i) => i.name === n)?.tenant);
  if (tenants.some((t) => t === undefined)) return undefined;
  const listed = [...new Set(tenants as string[])];
  return w.p.bool() ? [...listed, ...(w.p.bool() ? ['spare-tenant'] : [])] : undefined;
}

// ------------------------------------------------------------------ declarations, one kind each

type Draw = (w: World, name: string) => Doc | undefined;

const meta = (name: string, namespace: string) => ({ name, namespace });

const drawExtension: Draw = (w, name) => {
  const { p } = w;
  // Now and then a module already on the proxy's disk (file:///, never in the lock).
  const image = p.int(0, 9) === 0 ? FILE_IMAGE : p.one(w.images);
  const output = p.maybe(() => p.one(w.minor >= 30 ? ['WasmPlugin', 'EnvoyFilter', 'TrafficExtension'] : ['WasmPlugin', 'EnvoyFilter']));
  const effective = output ?? w.output;
  const spec: Doc = { image: image.ref, ...wasmFields(w, effective, { native: true, targeting: true, image }) };
  if (p.bool()) spec.config = config(p);
  if (output) spec.output = output;
  if (image.scheme !== 'file' && p.bool()) spec.sha256 = image.scheme === 'https' ? image.moduleSha256 : image.digest!;
  const shape = p.one(['mesh-wide', 'scoped', 'local', 'overrides'] as const);
  const pool = nonControl(w);
  if (shape === 'mesh-wide') return { apiVersion: 'meshext.dev/v1alpha1', kind: 'Extension', metadata: meta(name, w.cp), spec };
  if (shape === 'local') {
    if (pool.length === 0) return undefined;
    const ns = p.one(pool);
    if (p.bool()) spec.scope = { namespaces: [ns.name] };
    if (ns.tenant && p.bool()) spec.allowedIn = [ns.tenant];
    return { apiVersion: 'meshext.dev/v1alpha1', kind: 'Extension', metadata: meta(name, ns.name), spec };
  }
  let selected: string[];
  if (shape === 'scoped' || p.bool()) {
    const s = drawScope(w);
    if (!s) return undefined;
    spec.scope = s.scope;
    selected = s.selected;
  } else {
    if (pool.length === 0) return undefined;
    selected = pool.map((n) => n.name);
  }
  if (shape === 'overrides') {
    spec.overrides = Array.from({ length: p.int(1, 3) }, () => {
      const where = p.one(['namespaces', 'selector', 'tenants'] as const);
      const o: Doc = {};
      if (where === 'namespaces') o.namespaces = p.some(selected, 1);
      else if (where === 'selector') o.namespaceSelector = { matchLabels: { team: p.one(['shop', 'catalog', 'web']) } };
      else o.tenants = [p.one(['shop', 'catalog'])];
      const f = wasmFields(w, effective, { native: true, targeting: false });
      // A field given replaces the whole field; keep a few so overrides stay readable.
      for (const k of Object.keys(f).slice(0, 3)) o[k] = f[k]!;
      if (p.bool()) o.config = config(p);
      return o;
    });
  }
  const allowedIn = allowedInFor(w, selected);
  if (allowedIn) spec.allowedIn = allowedIn;
  return { apiVersion: 'meshext.dev/v1alpha1', kind: 'Extension', metadata: meta(name, w.cp), spec };
};

const drawMaistra: Draw = (w, name) => {
  const { p } = w;
  const apiVersion = p.one(['maistra.io/v1', 'maistra.io/v1alpha1', 'extensions.maistra.io/v1alpha1']);
  const image = p.one(w.images.filter((i) => i.scheme === 'oci'));
  const spec: Doc = { image: image.ref };
  if (p.bool()) spec.phase = p.one(MAISTRA_PHASES);
  if (p.bool()) spec.priority = p.int(-999_999, 999_999);
  // v1 takes an object; the v1alpha1 versions a string, JSON or raw (docs/decisions.md, decision 9).
  if (p.bool()) spec.config = apiVersion === 'maistra.io/v1' ? config(p) : p.bool() ? JSON.stringify(config(p)) : word(p);
  if (p.bool()) spec.workloadSelector = { labels: { app: p.one(['web', 'api']) } };
  if (p.bool()) spec.imagePullPolicy = p.one(['Always', 'IfNotPresent', 'Never']);
  if (p.bool()) spec.imagePullSecrets = p.some([{ name: 'regcred' }, { name: 'other' }], 1);
  const pool = nonControl(w);
  const ns = pool.length > 0 && p.bool() ? p.one(pool).name : w.cp;
  return { apiVersion, kind: 'ServiceMeshExtension', metadata: meta(name, ns), spec };
};

const drawTetrate: Draw = (w, name) => {
  const { p } = w;
  const image = p.one(w.images);
  const spec: Doc = {};
  const url = image.scheme === 'oci' ? `oci://${image.ref}` : image.ref;
  if (p.bool()) spec.url = url;
  else spec.image = url;
  const tenants = [...new Set(nonControl(w).flatMap((n) => (n.tenant ? [n.tenant] : [])))];
  if (tenants.length > 0 && p.bool()) spec.allowedIn = p.some(tenants, 1).map((t) => (p.bool() ? `organizations/org/tenants/${t}` : t));
  if (p.bool()) spec.phase = p.one(ISTIO_PHASES);
  if (p.bool()) spec.priority = p.int(-100_000, 100_000);
  if (p.bool()) spec.config = config(p);
  if (p.bool()) spec.match = { mode: p.one(['CLIENT', 'SERVER', 'CLIENT_AND_SERVER']) };
  if (p.bool()) spec.vmConfig = { env: envVars(p, 'identifier') };
  if (p.bool()) spec.imagePullPolicy = p.one(['IfNotPresent', 'Always']);
  if (p.bool()) spec.imagePullSecret = 'regcred';
  return { apiVersion: 'extension.tsb.tetrate.io/v2', kind: 'WasmExtension', metadata: { organization: 'org', name }, spec };
};

/** Gloo filters, the same in WasmDeployment and WasmDeploymentPolicy (which needs a rootId unless the source is an image). */
function glooFilters(w: World, rootIdUnlessImage: boolean): Doc[] {
  const { p } = w;
  return Array.from({ length: p.int(1, 2) }, () => {
    const image = p.one(w.images);
    const f: Doc = image.scheme === 'oci' ? { wasmImageSource: { wasmImageTag: image.ref } } : { httpUriSource: { uri: image.ref, sha: image.moduleSha256 } };
    if (p.bool() || (rootIdUnlessImage && image.scheme !== 'oci')) f.rootId = p.one(['root_a', 'gloo_root']);
    if (p.bool()) f.filterContext = p.one(['ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY']);
    const c = p.int(0, 2);
    if (c === 1) f.staticFilterConfig = { '@type': 'type.googleapis.com/google.protobuf.Struct', value: config(p) };
    if (c === 2) f.staticFilterConfig = { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: JSON.stringify(config(p)) };
    return f;
  });
}

const drawGloo: Draw = (w, name) => {
  const { p } = w;
  const spec: Doc = { filters: glooFilters(w, false) };
  const selectors = Array.from({ length: p.int(0, 2) }, () => {
    const m: Doc = {};
    if (p.bool()) m.labels = { app: p.one(['reviews', 'ratings']) };
    if (p.bool()) m.namespaces = p.some(NAMESPACE_POOL, 1);
    if (p.bool()) m.clusters = p.bool() ? [w.cluster] : [];
    return p.bool() ? { kubeWorkloadMatcher: m } : m;
  });
  if (selectors.length > 0) spec.workloadSelector = selectors;
  if (p.bool()) spec.weight = p.int(0, 100_000);
  return { apiVersion: `networking.enterprise.mesh.gloo.solo.io/${p.one(['v1alpha1', 'v1beta1'])}`, kind: 'WasmDeployment', metadata: meta(name, 'gloo-mesh'), spec };
};

const drawGlooPolicy: Draw = (w, name) => {
  const { p } = w;
  const cfg: Doc = { filters: glooFilters(w, true) };
  if (p.bool()) cfg.weight = p.int(0, 100_000);
  const spec: Doc = { config: cfg };
  const selectors = Array.from({ length: p.int(0, 2) }, () => {
    const selector: Doc = {};
    if (p.bool()) selector.labels = { app: p.one(['reviews', 'ratings']) };
    if (p.bool()) selector.namespace = p.one(NAMESPACE_POOL);
    if (p.bool()) selector.cluster = p.bool() ? w.cluster : 'elsewhere';
    const entry: Doc = { selector };
    if (p.bool()) entry.port = { number: p.one([8080, 9080]) };
    return entry;
  });
  if (selectors.length > 0) spec.applyToWorkloads = selectors;
  return { apiVersion: 'extensions.policy.gloo.solo.io/v2', kind: 'WasmDeploymentPolicy', metadata: meta(name, 'gloo-workspace'), spec };
};

const drawWasmPlugin: Draw = (w, name) => {
  const { p } = w;
  const image = p.one(w.images);
  // Istio takes a reference without a scheme as OCI.
  const spec: Doc = { url: image.scheme === 'oci' && p.bool() ? `oci://${image.ref}` : image.ref, ...wasmFields(w, w.output, { native: false, targeting: false, image }) };
  const t = p.int(0, 3);
  if (t === 1) spec.selector = { matchLabels: { app: p.one(['web', 'api']) } };
  if (t === 2) spec.targetRefs = [{ kind: 'Service', group: '', name: 'api' }];
  if (t === 3) spec.targetRef = { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' };
  if (p.bool()) spec.pluginConfig = config(p);
  if (image.scheme === 'https' && p.bool()) spec.sha256 = image.moduleSha256;
  const pool = nonControl(w);
  const ns = pool.length > 0 && p.bool() ? p.one(pool).name : w.cp;
  return { apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: meta(name, ns), spec };
};

const DRAWS: readonly [string, Draw][] = [
  ['ext', drawExtension],
  ['sme', drawMaistra],
  ['tsb', drawTetrate],
  ['gloo', drawGloo],
  ['wdp', drawGlooPolicy],
  ['wp', drawWasmPlugin],
];

// ------------------------------------------------------------------ the repository

const FILE_NAMES = ['mesh.yaml', 'a.yaml', 'b/c.yml', 'team/d.yaml', 'e.json', 'f.json'];

function drawRepo(p: Pick): Repo {
  const images = drawImages(p);
  const { world, docs } = drawMesh(p, images);
  const decls: Doc[] = [];
  const n = p.int(1, 6);
  for (let i = 0; decls.length < n && i < n * 3; i++) {
    const [prefix, draw] = p.one(DRAWS);
    const d = draw(world, `${prefix}${i}`);
    if (d) decls.push(d);
  }
  if (decls.length === 0) decls.push(drawExtension(world, 'fallback')!);
  // Spread the documents over files; .json files take one document each.
  const files = new Map<string, Doc[]>();
  for (const d of [...docs, ...decls]) {
    let name = p.one(FILE_NAMES);
    if (name.endsWith('.json') && files.has(name)) name = name.replace('.json', '.yaml');
    files.set(name, [...(files.get(name) ?? []), d]);
  }
  return { files: [...files].map(([name, ds]) => ({ name, docs: ds })), lock: lockOf(images) };
}

export const repoArb: fc.Arbitrary<Repo> = fc.gen().map((g) => drawRepo(picker(g)));

export function serializeFile(f: RepoFile): string {
  if (f.name.endsWith('.json')) return `${JSON.stringify(f.docs[0], null, 2)}\n`;
  return f.docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

/** Writes the repository under `dir`, files created in `order` (indexes into repo.files). */
export function writeRepo(dir: string, repo: Repo, order: readonly number[] = repo.files.map((_, i) => i), texts?: ReadonlyMap<string, string | Buffer>): void {
  mkdirSync(dir, { recursive: true });
  for (const i of order) {
    const f = repo.files[i]!;
    const path = join(dir, f.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, texts?.get(f.name) ?? serializeFile(f));
  }
  writeFileSync(join(dir, 'meshext.lock'), texts?.get('meshext.lock') ?? repo.lock);
}

// ------------------------------------------------------------------ mutations

export type Mutation =
  | { readonly kind: 'delete' | 'retype' | 'junk' | 'rename' | 'duplicate'; readonly file: number; readonly doc: number; readonly path: number; readonly junk: Json }
  | { readonly kind: 'truncate' | 'yaml11' | 'bytes'; readonly file: number; readonly cut: number };

const junkArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>('', null, true, 0, -1, 1.5, 2147483648, -2147483649, '*', 'UPPER_Case', 'oci://', '../../etc/passwd', 'x'.repeat(300), '\u0000', '{{ .Values }}', [], {}, ['a'], { a: 1 }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** `file` indexes repo.files plus one more: the lock. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'retype' as const, 'junk' as const, 'rename' as const, 'duplicate' as const), file: fc.nat(), doc: fc.nat(), path: fc.nat(), junk: junkArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('truncate' as const, 'yaml11' as const, 'bytes' as const), file: fc.nat(), cut: fc.nat() }) },
);

/** Every path into a JSON value (keys and list indexes), the root excluded. */
function pathsOf(v: Json): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [Json, (string | number)[]][] = [[v, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (path.length > 0) out.push(path);
    if (Array.isArray(node)) node.forEach((c, i) => stack.push([c, [...path, i]]));
    else if (node !== null && typeof node === 'object') for (const [k, c] of Object.entries(node)) stack.push([c, [...path, k]]);
  }
  return out.reverse();
}

function retype(v: Json): Json {
  if (Array.isArray(v)) return { items: v };
  if (v !== null && typeof v === 'object') return Object.values(v);
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return {};
}

export interface Mutated {
  /** Every file's content (name → text or bytes), the lock included. */
  readonly files: Map<string, string | Buffer>;
  /** What changed: `file` for a text mutation, `file:path.to.field` for a field. */
  readonly target: string;
}

export function mutate(repo: Repo, m: Mutation): Mutated {
  const texts = new Map<string, string | Buffer>(repo.files.map((f) => [f.name, serializeFile(f)]));
  texts.set('meshext.lock', repo.lock);
  const names = [...repo.files.map((f) => f.name), 'meshext.lock'];
  const name = names[m.file % names.length]!;
  if ('cut' in m) {
    const text = texts.get(name) as string;
    const at = m.cut % (text.length + 1);
    // Cut the file short; splice in bytes that are not UTF-8; or read it as YAML 1.1 (yes, on, 0777, dates).
    if (m.kind === 'truncate') texts.set(name, text.slice(0, at));
    else if (m.kind === 'bytes') texts.set(name, Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xc3]), Buffer.from(text.slice(at))]));
    else texts.set(name, `%YAML 1.1\n---\n${text}`);
    return { files: texts, target: name };
  }
  const docs: Doc[] = name === 'meshext.lock' ? [parseYaml(repo.lock) as Doc] : repo.files.find((f) => f.name === name)!.docs.map((d) => JSON.parse(JSON.stringify(d)) as Doc);
  const di = m.doc % docs.length;
  const doc = docs[di]!;
  let target = name;
  if (m.kind === 'duplicate') {
    docs.push(JSON.parse(JSON.stringify(doc)) as Doc);
  } else {
    const paths = pathsOf(doc);
    const path = paths[m.path % paths.length]!;
    target = `${name}:${path.join('.')}`;
    let parent: Json = doc;
    for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
    const last = path[path.length - 1]!;
    const container = parent as Record<string | number, Json>;
    if (m.kind === 'delete') {
      if (Array.isArray(container)) container.splice(last as number, 1);
      else delete container[last];
    } else if (m.kind === 'rename' && !Array.isArray(container)) {
      // An unknown or misspelt field: the value moves to a key made of the junk.
      const value = container[last]!;
      delete container[last];
      container[typeof m.junk === 'string' ? m.junk : JSON.stringify(m.junk)] = value;
    } else container[last] = m.kind === 'retype' ? retype(container[last]!) : m.junk;
  }
  const text = name.endsWith('.json') && docs.length === 1 ? `${JSON.stringify(docs[0], null, 2)}\n` : docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
  texts.set(name, text);
  return { files: texts, target };
}

