// Gloo Mesh 2.x WasmDeploymentPolicy (extensions.policy.gloo.solo.io/v2), the successor of
// WasmDeployment: the same filters, placed by the same rule (translateGlooFilters), on Gloo 2's
// object selectors. Gloo scopes a policy to its workspace; meshext knows no workspaces, so "every
// workload of the workspace" is narrowed to the policy's own namespace (the one namespace surely in
// its workspace), and says so: never widened to the whole mesh, where a team's policy would run in
// every other team's proxies. Selector fields Istio
// cannot express are refused rather than dropped: dropping a narrowing field would put the filter
// into more proxies than its author chose.

import type { Sink } from '../model/diagnostic.ts';
import type { Origin } from '../model/extension.ts';
import { at } from '../model/where.ts';
import type { Translator } from './_context.ts';
import type { Json } from './_fields.ts';
import { labels, num, obj, str } from './_fields.ts';
import type { GlooSelector } from './_gloo-filters.ts';
import { translateGlooFilters } from './_gloo-filters.ts';
import { originOf } from './_origin.ts';

/** Where a selector without a namespace renders: the policy's own namespace, else nowhere (an error). */
const narrowed = (ns: string) => `meshext knows no Gloo workspaces, so "all namespaces of the workspace" renders only in the policy's own namespace "${ns}"`;
const NO_NAMESPACE = 'Gloo applies it to every namespace of the policy\'s workspace, which meshext cannot know, and the policy has no namespace of its own to narrow it to';
/** Contexts that take in outbound traffic, which Istio matches by destination port, not by a port of the workload. */
const OUTBOUND: Readonly<Record<string, string>> = { ANY: 'besides traffic on its own port', SIDECAR_OUTBOUND: 'not traffic on its own port' };

export const translateGlooWasmDeploymentPolicy: Translator = (doc, { mesh, report }) => {
  const origin = originOf(doc);
  const spec = obj(doc.value.spec);
  const config = obj(spec.config);
  const given = Array.isArray(spec.applyToWorkloads) ? spec.applyToWorkloads.map(obj) : [];
  const own = origin.namespace;
  if (given.length === 0) {
    const where = spec.applyToWorkloads === undefined ? ['spec'] : ['spec', 'applyToWorkloads'];
    if (own === undefined) {
      report(at(origin, where, 'UNSUPPORTED', `no applyToWorkloads: ${NO_NAMESPACE}; list applyToWorkloads with selector.namespace`));
      return [];
    }
    report(at(origin, where, 'UNSUPPORTED', `no applyToWorkloads: ${narrowed(own)}; list applyToWorkloads with selector.namespace to reach others`, 'warning'));
  }
  const selectors = given.map((w, i) => selectorOf(w, ['spec', 'applyToWorkloads', i], origin, report));
  const filters = Array.isArray(config.filters) ? config.filters.map(obj) : [];
  const contexts = new Set(filters.map((f) => str(f.filterContext) ?? 'ANY'));
  selectors.forEach((sel, i) => {
    const port = sel?.ports?.[0];
    if (port === undefined) return;
    for (const [context, instead] of Object.entries(OUTBOUND).filter(([c]) => contexts.has(c))) {
      report(at(origin, ['spec', 'applyToWorkloads', i, 'port'], 'UNSUPPORTED', `filterContext ${context} takes in outbound traffic, which Istio matches by destination port: the filter runs on requests this workload sends to port ${port} of any service, ${instead} ${port}`, 'warning'));
    }
  });
  return translateGlooFilters(
    {
      origin,
      filters,
      filtersPath: ['spec', 'config', 'filters'],
      // A refused selector has been reported; the others still go through, so every error is said at once.
      selectors: given.length > 0 ? selectors.filter((s) => s !== undefined) : [{ labels: {}, namespaces: [own!], clusters: [], path: ['spec'] }],
      selectorsPath: ['spec', 'applyToWorkloads'],
      weight: config.weight,
      weightPath: ['spec', 'config', 'weight'],
    },
    mesh,
    report,
  );
};

/** One applyToWorkloads entry as a GlooSelector; undefined (with an error) when Istio cannot express it. */
function selectorOf(w: Json, path: (string | number)[], origin: Origin, report: Sink): GlooSelector | undefined {
  const sel = obj(w.selector);
  const namespace = str(sel.namespace);
  const cluster = str(sel.cluster);
  const workspace = str(sel.workspace);
  const port = obj(w.port);
  let ok = true;
  const refuse = (field: (string | number)[], message: string) => {
    report(at(origin, [...path, ...field], 'UNSUPPORTED', message));
    ok = false;
  };
  if (str(sel.name) !== undefined) refuse(['selector', 'name'], 'selector.name picks workloads by name, which an Istio selector cannot: select them by their labels (selector.labels) instead');
  if (workspace !== undefined && namespace === undefined) refuse(['selector', 'workspace'], `meshext knows no Gloo workspaces and cannot tell which namespaces workspace "${workspace}" holds: name the namespace in selector.namespace instead`);
  if (str(port.name) !== undefined) refuse(['port', 'name'], `Istio matches ports by number only: give port.number instead of port.name "${str(port.name)}"`);
  if (!ok) return undefined;
  if (workspace !== undefined) report(at(origin, [...path, 'selector', 'workspace'], 'FIELD_DROPPED', `workspace "${workspace}" is not checked (meshext knows no Gloo workspaces): namespace "${namespace}" is taken as given`, 'warning'));
  if (w.kind === 'VM') report(at(origin, [...path, 'kind'], 'FIELD_DROPPED', 'Istio selects proxies by labels alone: this selector also matches Kubernetes pods with these labels, not only virtual machines', 'warning'));
  const where = w.selector === undefined ? path : [...path, 'selector'];
  if (namespace === undefined && origin.namespace === undefined) {
    report(at(origin, where, 'UNSUPPORTED', `no selector.namespace: ${NO_NAMESPACE}; name the namespace in selector.namespace`));
    return undefined;
  }
  if (namespace === undefined) report(at(origin, where, 'UNSUPPORTED', `no selector.namespace: ${narrowed(origin.namespace!)}; name the namespace in selector.namespace to reach another`, 'warning'));
  const number = num(port.number);
  return {
    labels: labels(sel.labels) ?? {},
    namespaces: [namespace ?? origin.namespace!],
    clusters: cluster === undefined ? [] : [cluster],
    ports: number === undefined ? undefined : [number],
    path,
  };
}
