// Dispatch by kind and apiVersion through one table (kind → apiVersion → translator), then translate every
// declaration into the native model. Schema validation happens here, per document.

import type { LoadedDocument } from '../load/parse-documents.ts';
import type { Sink } from '../model/diagnostic.ts';
import type { Extension } from '../model/extension.ts';
import type { Mesh } from '../model/mesh.ts';
import { validateDocument } from '../schema/validate-document.ts';
import type { Translator } from './_context.ts';
import { translateGlooWasmDeployment } from './gloo-wasm-deployment.ts';
import { translateGlooWasmDeploymentPolicy } from './gloo-wasm-deployment-policy.ts';
import { translateIstioTrafficExtension } from './istio-traffic-extension.ts';
import { translateIstioWasmPlugin } from './istio-wasm-plugin.ts';
import { translateMaistraSme } from './maistra-sme.ts';
import { translateNativeExtension } from './native-extension.ts';
import { translateTetrateWasmExtension } from './tetrate-wasm-extension.ts';
import { formatPath, resourceOf } from '../model/where.ts';
import { originOf } from './_origin.ts';
import { warnUnreadLookAlike } from './unread-look-alike.ts';

type Role = 'extension' | 'mesh' | 'namespace' | 'config';
interface Entry {
  readonly role: Role;
  readonly translate?: Translator;
  /** Kinds whose namespace decides where they apply must state it (docs/decisions.md, decision 19). */
  readonly namespaced?: boolean;
}

const OUR_GROUP = 'meshext.dev';

/** kind → group → version → entry. */
const KINDS: Record<string, Record<string, Record<string, Entry>>> = {
  Extension: { 'meshext.dev': { v1alpha1: { role: 'extension', translate: translateNativeExtension, namespaced: true } } },
  Mesh: { 'meshext.dev': { v1alpha1: { role: 'mesh' } } },
  ExtensionGenerator: { 'meshext.dev': { v1alpha1: { role: 'config' } } },
  ServiceMeshExtension: {
    'maistra.io': { v1alpha1: { role: 'extension', translate: translateMaistraSme, namespaced: true }, v1: { role: 'extension', translate: translateMaistraSme, namespaced: true } },
    'extensions.maistra.io': { v1alpha1: { role: 'extension', translate: translateMaistraSme, namespaced: true } },
  },
  WasmExtension: { 'extension.tsb.tetrate.io': { v2: { role: 'extension', translate: translateTetrateWasmExtension } } },
  WasmDeployment: {
    'networking.enterprise.mesh.gloo.solo.io': {
      v1alpha1: { role: 'extension', translate: translateGlooWasmDeployment },
      v1beta1: { role: 'extension', translate: translateGlooWasmDeployment },
    },
  },
  // Placed like WasmDeployment, not by its own namespace (Gloo keeps policies in a workspace namespace).
  WasmDeploymentPolicy: { 'extensions.policy.gloo.solo.io': { v2: { role: 'extension', translate: translateGlooWasmDeploymentPolicy } } },
  WasmPlugin: { 'extensions.istio.io': { v1alpha1: { role: 'extension', translate: translateIstioWasmPlugin, namespaced: true } } },
  TrafficExtension: { 'extensions.istio.io': { v1alpha1: { role: 'extension', translate: translateIstioTrafficExtension, namespaced: true } } },
  Namespace: { '': { v1: { role: 'namespace' } } },
};

export interface Classified {
  readonly declarations: readonly LoadedDocument[];
  readonly meshes: readonly LoadedDocument[];
  readonly namespaces: readonly LoadedDocument[];
  /** Documents of kinds we do not read (passed through in transformer mode). */
  readonly others: readonly LoadedDocument[];
  /** Those of them that look like declarations (warned about; "nothing to render" names them). */
  readonly unread: readonly LoadedDocument[];
  /** Our own config documents (ExtensionGenerator). */
  readonly configs: readonly LoadedDocument[];
  /** Each declaration's translator, found once while classifying. */
  readonly translators: ReadonlyMap<LoadedDocument, Translator>;
}

/**
 * `defaultNamespace`: the render's namespace from context. A namespaced declaration without
 * metadata.namespace takes it, as `kubectl apply -n` or Argo CD's destination would place it.
 */
export function classifyDocuments(docs: readonly LoadedDocument[], report: Sink, defaultNamespace?: string): Classified {
  const out = { declarations: [] as LoadedDocument[], meshes: [] as LoadedDocument[], namespaces: [] as LoadedDocument[], others: [] as LoadedDocument[], unread: [] as LoadedDocument[], configs: [] as LoadedDocument[], translators: new Map<LoadedDocument, Translator>() };
  for (const doc of docs) {
    // meshext's own output (a rendered stream kept in the repository, or a previous generator
    // in a kustomize pipeline) is never read as a declaration: it would only collide with its source.
    if (isRendered(doc.value)) {
      out.others.push(doc);
      continue;
    }
    const entry = lookup(doc, report);
    if (entry === 'invalid') continue;
    if (entry === undefined) {
      out.others.push(doc);
      if (warnUnreadLookAlike(doc, KINDS, report)) out.unread.push(doc);
      continue;
    }
    if (!validate(doc, entry, report, defaultNamespace)) continue;
    const bucket = { extension: out.declarations, mesh: out.meshes, namespace: out.namespaces, config: out.configs }[entry.role];
    // The same value with its context namespace: KRM matches consumed items by value.
    const placed = entry.namespaced && defaultNamespace && !hasNamespace(doc) ? { ...doc, contextNamespace: defaultNamespace } : doc;
    bucket.push(placed);
    if (entry.translate) out.translators.set(placed, entry.translate);
  }
  return out;
}

/** Every declaration for one Mesh: Tetrate's and Gloo's kinds are placed in its control-plane namespace. */
export function translateDeclarations(c: Classified, mesh: Mesh, report: Sink): Extension[] {
  const extensions: Extension[] = [];
  for (const doc of c.declarations) {
    extensions.push(...c.translators.get(doc)!(doc, { mesh, report }));
  }
  return extensions;
}

function lookup(doc: LoadedDocument, report: Sink): Entry | undefined | 'invalid' {
  const { apiVersion, kind } = doc.value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    if (typeof apiVersion === 'string' && groupOf(apiVersion) === OUR_GROUP) {
      report({ code: 'UNKNOWN_KIND', severity: 'error', message: `a ${apiVersion} document needs a kind`, file: doc.file, line: doc.locate([])[0], col: doc.locate([])[1], field: 'kind' });
      return 'invalid';
    }
    // A declaration that lost its apiVersion must not vanish from the render (Argo CD would prune it).
    const byGroup = typeof kind === 'string' ? own(KINDS, kind) : undefined;
    const versions = byGroup ? Object.entries(byGroup).flatMap(([g, vs]) => Object.entries(vs).filter(([, e]) => e.role !== 'namespace').map(([v]) => (g ? `${g}/${v}` : v))) : [];
    if (versions.length > 0) {
      report(diag(doc, ['apiVersion'], 'UNKNOWN_VERSION', `${String(kind)} needs an apiVersion (a string); meshext reads ${versions.join(', ')}`));
      return 'invalid';
    }
    return undefined;
  }
  const group = groupOf(apiVersion);
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  // Own properties only: a kind such as "constructor" must not find Object.prototype's members.
  const byGroup = own(KINDS, kind);
  const versions = byGroup && own(byGroup, group);
  if (!versions) {
    if (group === OUR_GROUP) {
      const known = Object.keys(KINDS).filter((k) => KINDS[k]![OUR_GROUP]);
      report(diag(doc, ['kind'], 'UNKNOWN_KIND', `unknown kind "${kind}" in ${apiVersion}; meshext.dev kinds are ${known.join(', ')}`));
      return 'invalid';
    }
    return undefined; // not ours: ignored (docs/decisions.md, decision 3)
  }
  const entry = own(versions, group === '' ? apiVersion : version);
  if (!entry) {
    const known = Object.keys(versions).map((v) => (group ? `${group}/${v}` : v));
    report(diag(doc, ['apiVersion'], 'UNKNOWN_VERSION', `${kind} has no apiVersion ${apiVersion}; meshext reads ${known.join(', ')}`));
    return 'invalid';
  }
  return entry;
}

function validate(doc: LoadedDocument, entry: Entry, report: Sink, defaultNamespace: string | undefined): boolean {
  const { apiVersion, kind } = doc.value as { apiVersion: string; kind: string };
  const { errors } = validateDocument(apiVersion, kind, doc.value);
  for (const e of errors) report(diag(doc, e.path, 'SCHEMA', e.message));
  let ok = errors.length === 0;
  if (entry.namespaced && !defaultNamespace && !hasNamespace(doc)) {
    report(diag(doc, ['metadata'], 'NAMESPACE_REQUIRED', `${kind} needs a namespace: it decides where the extension applies (the control-plane namespace means mesh-wide). Write metadata.namespace, or give the render a default namespace as \`kubectl apply -n\` would: -n/--namespace NS, spec.namespace of the ExtensionGenerator (kustomize), or under Argo CD the Application's destination namespace (ARGOCD_APP_NAMESPACE)`));
    ok = false;
  }
  return ok;
}

function hasNamespace(doc: LoadedDocument): boolean {
  const ns = (doc.value.metadata as { namespace?: unknown } | undefined)?.namespace;
  return ns !== undefined && ns !== '';
}

function diag(doc: LoadedDocument, path: readonly (string | number)[], code: 'SCHEMA' | 'UNKNOWN_KIND' | 'UNKNOWN_VERSION' | 'NAMESPACE_REQUIRED', message: string) {
  const [line, col] = doc.locate(path);
  const o = originOf(doc);
  return { code, severity: 'error' as const, message, file: doc.file, line, col, field: formatPath(path) || undefined, resource: resourceOf(o) };
}

function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function isRendered(v: Readonly<Record<string, unknown>>): boolean {
  const meta = v.metadata as { labels?: Record<string, unknown>; annotations?: Record<string, unknown> } | undefined;
  if (meta?.labels?.['app.kubernetes.io/managed-by'] !== 'meshext') return false;
  // A Lua TrafficExtension names no image, so it has no image annotation: our label marks it.
  return typeof meta.annotations?.['meshext.dev/image'] === 'string' || (v.kind === 'TrafficExtension' && (v.spec as { lua?: unknown } | undefined)?.lua !== undefined);
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
