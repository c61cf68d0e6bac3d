// An ApplicationSet's cluster generator and Go templating, as Argo CD's applicationset controller
// runs them (argo-cd applicationset/generators/cluster.go, applicationset/utils/utils.go), for the
// few template forms an ApplicationSet for meshext uses:
// - the generator reads Argo CD's cluster secrets; `selector.matchLabels` keeps those whose labels
//   match, and the local cluster (in-cluster), which has no secret and so no labels, only when
//   there is no selector;
// - each cluster secret yields the parameters name, nameNormalized, server, project, metadata.labels
//   (with argocd.argoproj.io/secret-type: cluster) and metadata.annotations (when it has some); the
//   local cluster name, nameNormalized (its name as is) and server;
// - with goTemplate every string of the template, in maps and lists too, is a Go template over
//   them: `{{.name}}`, `{{.metadata.labels.x}}`, `{{index .metadata.labels "x"}}`; with
//   missingkey=error a missing key fails the generation. Any other template form throws here, so a
//   test never passes on a template this helper only pretends to run.

export interface ArgoCluster {
  /** The cluster secret's `name` (what `argocd cluster add --name` sets). */
  readonly name: string;
  readonly server: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** The local cluster Argo CD runs in: no secret. */
  readonly inCluster?: boolean;
}

export interface ApplicationSet {
  readonly spec: {
    readonly goTemplate?: boolean;
    readonly goTemplateOptions?: readonly string[];
    readonly generators: readonly { readonly clusters?: { readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> } } }[];
    readonly template: unknown;
  };
}

type Params = Readonly<Record<string, unknown>>;

/** The Applications the ApplicationSet generates for these clusters, in generator order. */
export function generateApplications(appset: ApplicationSet, clusters: readonly ArgoCluster[]): Record<string, any>[] {
  if (appset.spec.goTemplate !== true) throw new Error('only goTemplate ApplicationSets are simulated');
  const missingKeyError = (appset.spec.goTemplateOptions ?? []).includes('missingkey=error');
  const apps: Record<string, any>[] = [];
  for (const g of appset.spec.generators) {
    if (!g.clusters) throw new Error(`generator ${JSON.stringify(g)} is not simulated`);
    const selector = g.clusters.selector?.matchLabels;
    for (const c of clusters) {
      if (selector !== undefined && (c.inCluster || !Object.entries(selector).every(([k, v]) => c.labels?.[k] === v))) continue;
      // The local cluster has no secret: its name (not normalized) and server only. A secret always
      // carries the label the generator selects cluster secrets by; metadata holds labels and
      // annotations only where the secret has some.
      const labels = { 'argocd.argoproj.io/secret-type': 'cluster', ...(c.labels ?? {}) };
      const metadata = { labels, ...(c.annotations && Object.keys(c.annotations).length > 0 ? { annotations: { ...c.annotations } } : {}) };
      const params: Params = c.inCluster ? { name: c.name, nameNormalized: c.name, server: c.server } : { name: c.name, nameNormalized: normalize(c.name), server: c.server, project: '', metadata };
      apps.push(render(appset.spec.template, params, missingKeyError) as Record<string, any>);
    }
  }
  return apps;
}

/** utils.SanitizeName: lower case, anything but [a-z0-9.-] becomes '-', cut to 253 characters, trimmed of '-' and '.'. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 253).replace(/^[-.]+|[-.]+$/g, '');
}

function render(v: unknown, params: Params, missingKeyError: boolean): unknown {
  if (typeof v === 'string') return v.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, expr: string) => evaluate(expr, params, missingKeyError));
  if (Array.isArray(v)) return v.map((x) => render(x, params, missingKeyError));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, params, missingKeyError)]));
  return v;
}

function evaluate(expr: string, params: Params, missingKeyError: boolean): string {
  const path = /^\.([A-Za-z0-9_.]+)$/.exec(expr);
  const index = /^index\s+\.([A-Za-z0-9_.]+)\s+"([^"]*)"$/.exec(expr);
  let keys: string[];
  if (path) keys = path[1]!.split('.');
  else if (index) keys = [...index[1]!.split('.'), index[2]!];
  else throw new Error(`template expression {{${expr}}} is not simulated`);
  let cur: unknown = params;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k)) {
      if (missingKeyError) throw new Error(`template: map has no entry for key "${k}" in {{${expr}}}`);
      return '<no value>';
    }
    cur = (cur as Record<string, unknown>)[k];
  }
  return String(cur);
}
