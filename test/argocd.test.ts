// plugin.yaml as Argo CD's cmp-server runs it: the example repo unpacked into a random work dir with
// files 0644, the Application's env and parameters set as the repo-server sets them, stdin empty.
// stdout must be a pure manifest stream equal to `meshext render` of the same declarations; any
// failure leaves stdout empty with a non-zero exit and the reason on stderr.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { BUNDLE, ROOT, discovers, readPlugin, requestEnv, runPluginCommand, sidecarEnv, unpackRepo } from './_argocd.ts';
import type { AppParameter, AppSource } from './_argocd.ts';
import { PARAMETERS, repoRootOf, splitList } from '../src/cli/commands/argocd.ts';
import { generateApplications } from './_applicationset.ts';
import type { ApplicationSet, ArgoCluster } from './_applicationset.ts';

const NATIVE = join(ROOT, 'examples', 'native');
const plugin = readPlugin();
const base = mkdtempSync(join(tmpdir(), 'meshext-argocd-'));
const sidecar = sidecarEnv(base);

/** `meshext render examples/native --offline` from the repository root: what the plugin must print. */
const expected = (() => {
  const r = spawnSync(process.execPath, [BUNDLE, 'render', 'examples/native', '--offline'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: join(base, 'cache') } });
  if (r.status !== 0 || r.stdout === '') throw new Error(`meshext render examples/native failed: ${r.stderr}`);
  return r.stdout;
})();

/** Unpacks `files` as the cmp-server does and runs plugin.yaml's generate for the app at `app.path`. */
function generate(app: AppSource, files: Record<string, string | { content: string }> = { 'examples/native': NATIVE }, extraSidecarEnv: Record<string, string> = {}) {
  const work = unpackRepo(base, files);
  return runPluginCommand(plugin.spec.generate, join(work, app.path), { ...sidecar, ...extraSidecarEnv }, requestEnv(app));
}

function withParams(parameters: AppParameter[] | undefined, env?: { name: string; value: string }[]): AppSource {
  return { path: 'examples/native', plugin: { ...(parameters ? { parameters } : {}), ...(env ? { env } : {}) } };
}

/** What Argo CD does with stdout (gitops-engine SplitYAML): every document must be a Kubernetes object. */
function assertManifestStream(stdout: string): void {
  const docs = parseAllDocuments(stdout.replace(/\n$/, ''));
  assert.ok(docs.length > 0, 'no documents');
  for (const d of docs as { errors: unknown[]; toJS(): unknown }[]) {
    assert.equal(d.errors, [], 'YAML errors');
    const o = d.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
    assert.ok(o && typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof o.metadata?.name === 'string', `not an object: ${JSON.stringify(o)}`);
  }
}

function assertFails(r: { code: number | null; stdout: string; stderr: string }, reason: RegExp): void {
  assert.ok(r.code !== 0 && r.code !== null, `exit ${r.code}`);
  assert.is(r.stdout, '', 'stdout must stay empty on failure');
  assert.match(r.stderr, reason);
}

const LOCK_WITHOUT_RATELIMIT = (() => {
  const lock = readFileSync(join(NATIVE, 'meshext.lock'), 'utf8');
  const cut = lock.replace(/\n {2}registry\.example\.com\/catalog\/ratelimit:2\.0\.1:\n(?: {4}.*\n)+/, '\n');
  if (cut === lock) throw new Error('fixture: could not drop the ratelimit entry from the lock');
  return cut;
})();

test('plugin.yaml is a v2 sidecar ConfigManagementPlugin that Argo CD accepts', () => {
  assert.is(plugin.apiVersion, 'argoproj.io/v1alpha1');
  assert.is(plugin.kind, 'ConfigManagementPlugin');
  assert.is(plugin.metadata.name, 'meshext');
  assert.ok((plugin.spec.generate.command ?? []).length > 0, 'generate.command is required');
  assert.is(plugin.spec.generate.command?.[0], 'meshext');
  // Only find.command is evaluated: fileName and glob would win over it.
  assert.is(plugin.spec.discover?.fileName, undefined);
  assert.is(plugin.spec.discover?.find?.glob, undefined);
  assert.is(plugin.spec.preserveFileMode, false);
  assert.is(plugin.spec.init, undefined);
});

test('the announced parameters are exactly the ones meshext reads, with meshext\'s defaults', () => {
  const announced = (plugin.spec.parameters?.static ?? []).map((p) => ({ name: p.name, default: p.collectionType === 'array' ? p.array : p.string, collectionType: p.collectionType }));
  assert.equal(
    announced,
    PARAMETERS.map((p) => ({ name: p.name, default: p.default, collectionType: p.kind === 'list' ? 'array' : 'string' })),
  );
});

test('generate in a random work dir prints exactly `meshext render examples/native --offline`', () => {
  const r = generate({ path: 'examples/native' });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, expected);
  assertManifestStream(r.stdout);
  assert.match(r.stderr, /meshext render --namespace istio-system -- \./);
});

test('the output does not depend on where the repo lands: two work dirs, two app paths, same bytes', () => {
  const a = generate({ path: 'examples/native' });
  const b = generate({ path: 'deploy/mesh/prod' }, { 'deploy/mesh/prod': NATIVE });
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  assert.is(a.stdout, expected);
  assert.is(b.stdout, expected);
  assert.match(a.stdout, /meshext\.dev\/source: extensions\.yaml\n/);
  assert.not.match(a.stdout + b.stdout, /_cmp_server|meshext-argocd-/);
});

test('a plugin section without parameters sends ARGOCD_APP_PARAMETERS=null: defaults apply', () => {
  const app = withParams(undefined, []);
  assert.is(requestEnv(app).ARGOCD_APP_PARAMETERS, 'null');
  const r = generate(app);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, expected);
});

test('parameters set in the Application reach render: offline, locked, paths, lock', () => {
  const r = generate(withParams([{ name: 'offline', string: 'true' }, { name: 'locked', string: 'true' }, { name: 'paths', array: ['.'] }, { name: 'lock', string: 'meshext.lock' }]));
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, expected);
  assert.match(r.stderr, /meshext render --lock meshext\.lock --offline --locked --namespace istio-system -- \./);
});

test('format json: one v1 List Argo CD can parse, with the same objects', () => {
  const r = generate(withParams([{ name: 'format', string: 'json' }]));
  assert.is(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { apiVersion: string; kind: string; items: unknown[] };
  assert.is(list.apiVersion, 'v1');
  assert.is(list.kind, 'List');
  assert.equal(
    list.items,
    parseAllDocuments(expected).map((d) => (d as { toJS(): unknown }).toJS()),
  );
});

test('--locked through a parameter: a declaration missing from the lock fails, stdout empty', () => {
  const files = { 'examples/native': NATIVE, 'examples/native/meshext.lock': { content: LOCK_WITHOUT_RATELIMIT } };
  for (const app of [withParams([{ name: 'locked', string: 'true' }, { name: 'offline', string: 'true' }]), withParams(undefined, [{ name: 'MESHEXT_LOCKED', value: 'true' }, { name: 'MESHEXT_OFFLINE', value: 'true' }])]) {
    const r = generate(app, files);
    assertFails(r, /registry\.example\.com\/catalog\/ratelimit:2\.0\.1/);
  }
});

test('a broken declaration fails: stdout empty, exit 1, the file and the reason on stderr', () => {
  const broken = readFileSync(join(NATIVE, 'catalog-team.yaml'), 'utf8').replace('namespace: search', 'namespace: search\n  bogus: [unclosed');
  const r = generate({ path: 'examples/native' }, { 'examples/native': NATIVE, 'examples/native/catalog-team.yaml': { content: broken } });
  assertFails(r, /catalog-team\.yaml/);
  assert.is(r.code, 1);
  assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+/);
});

test('nothing declared fails unless allow-empty is set, which prints an empty stream', () => {
  const files = { 'apps/empty/README.md': { content: 'nothing here\n' } };
  assertFails(generate({ path: 'apps/empty' }, files), /nothing to render/i);
  const r = generate({ path: 'apps/empty', plugin: { parameters: [{ name: 'allow-empty', string: 'true' }] } }, files);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), '');
});

test('precedence: ARGOCD_APP_PARAMETERS, then PARAM_*, then ARGOCD_ENV_MESHEXT_*, then the sidecar\'s MESHEXT_*', () => {
  const isJson = (s: string) => s.startsWith('{');
  // Each source alone is honoured (PARAM_* alone is what argo-cd#11900 users get).
  const sidecarOnly = generate({ path: 'examples/native' }, undefined, { MESHEXT_FORMAT: 'json' });
  assert.ok(isJson(sidecarOnly.stdout), sidecarOnly.stderr);
  assert.ok(isJson(generate(withParams(undefined, [{ name: 'MESHEXT_FORMAT', value: 'json' }])).stdout));
  const work = unpackRepo(base, { 'examples/native': NATIVE });
  const paramOnly = runPluginCommand(plugin.spec.generate, join(work, 'examples/native'), sidecar, { ...requestEnv({ path: 'examples/native' }), PARAM_FORMAT: 'json' });
  assert.ok(isJson(paramOnly.stdout), paramOnly.stderr);
  // Earlier sources win.
  const jsonWins = runPluginCommand(plugin.spec.generate, join(work, 'examples/native'), { ...sidecar, MESHEXT_FORMAT: 'json' }, { ...requestEnv(withParams([{ name: 'format', string: 'yaml' }], [{ name: 'MESHEXT_FORMAT', value: 'json' }])), PARAM_FORMAT: 'json' });
  assert.is(jsonWins.stdout, expected, jsonWins.stderr);
  const paramWins = runPluginCommand(plugin.spec.generate, join(work, 'examples/native'), sidecar, { ...requestEnv(withParams(undefined, [{ name: 'MESHEXT_FORMAT', value: 'json' }])), PARAM_FORMAT: 'yaml' });
  assert.is(paramWins.stdout, expected, paramWins.stderr);
  const envWins = generate(withParams(undefined, [{ name: 'MESHEXT_FORMAT', value: 'yaml' }]), undefined, { MESHEXT_FORMAT: 'json' });
  assert.is(envWins.stdout, expected, envWins.stderr);
  // An empty value counts as unset.
  const empty = generate(withParams([{ name: 'format', string: '' }], [{ name: 'MESHEXT_FORMAT', value: 'json' }]));
  assert.ok(isJson(empty.stdout), empty.stderr);
});

test('ARGOCD_ENV values are envsubst\'ed by Argo CD before meshext sees them', () => {
  // The app lives in apps/cluster and renders ../<its own name>.
  const app: AppSource = { name: 'mesh-extensions', path: 'apps/cluster', plugin: { env: [{ name: 'MESHEXT_PATHS', value: '../$ARGOCD_APP_NAME' }] } };
  assert.is(requestEnv(app).ARGOCD_ENV_MESHEXT_PATHS, '../mesh-extensions');
  const r = generate(app, { 'apps/mesh-extensions': NATIVE, 'apps/cluster/README.md': { content: 'x\n' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, expected);
});

test('paths outside the app dir but inside the repo work, also with a manifest-generate-paths subtree', () => {
  const app: AppSource = { path: 'platform/cluster-a', plugin: { parameters: [{ name: 'paths', array: ['../mesh'] }] } };
  // The whole repo...
  const whole = unpackRepo(base, { 'platform/mesh': NATIVE, 'platform/cluster-a/README.md': { content: 'x\n' } });
  const r1 = runPluginCommand(plugin.spec.generate, join(whole, 'platform/cluster-a'), sidecar, requestEnv(app));
  assert.is(r1.code, 0, r1.stderr);
  assert.is(r1.stdout, expected);
  // ...or only the common root of the annotated paths (platform/), so the app dir is <work>/cluster-a.
  const sub = unpackRepo(base, { mesh: NATIVE, 'cluster-a/README.md': { content: 'x\n' } });
  const r2 = runPluginCommand(plugin.spec.generate, join(sub, 'cluster-a'), sidecar, requestEnv(app));
  assert.is(r2.code, 0, r2.stderr);
  assert.is(r2.stdout, expected);
});

test('bad parameters fail with exit 2 and the reason, never a render with other options', () => {
  const cases: [AppParameter[], RegExp][] = [
    [[{ name: 'offlin', string: 'true' }], /unknown parameter "offlin"; meshext's are paths, lock, offline, locked, allow-empty, format/],
    [[{ name: 'offline', string: 'maybe' }], /offline: "maybe" is not true or false/],
    [[{ name: 'format', string: 'xml' }], /format: "xml" is not yaml or json/],
    [[{ name: 'lock', array: ['a', 'b'] }], /lock: takes a string, not a list/],
    [[{ name: 'paths', map: { a: 'b' } }], /paths: takes a list, not a map/],
    [[{ name: 'paths', array: ['../../..'] }], /paths: "..\/..\/.." leaves the repository/],
    [[{ name: 'paths', array: ['/etc'] }], /paths: "\/etc" is absolute/],
    [[{ name: 'paths', array: ['-'] }], /paths: "-" is stdin/],
    [[{ name: 'lock', string: '../../../../var/run/secrets/token' }], /lock: ".*" leaves the repository/],
    [[{ name: 'paths', array: ['--output=/tmp/x'] }], /--output=\/tmp\/x/],
  ];
  for (const [parameters, reason] of cases) {
    const r = generate(withParams(parameters));
    assertFails(r, reason);
  }
  const typo = generate(withParams(undefined, [{ name: 'MESHEXT_OFLINE', value: 'true' }]));
  assertFails(typo, /unknown plugin env MESHEXT_OFLINE; meshext's are MESHEXT_PATHS, MESHEXT_LOCK, MESHEXT_OFFLINE, MESHEXT_LOCKED, MESHEXT_ALLOW_EMPTY, MESHEXT_FORMAT/);
  assertFails(generate(withParams(undefined, [{ name: 'meshext_offline', value: 'true' }])), /unknown plugin env meshext_offline/);
  const junk = runPluginCommand(plugin.spec.generate, unpackRepo(base, { '.': NATIVE }), sidecar, { ...requestEnv({ path: '.' }), ARGOCD_APP_PARAMETERS: '{not json' });
  assertFails(junk, /ARGOCD_APP_PARAMETERS is not JSON/);
  assert.is(junk.code, 2);
});

test('repoRootOf strips only the part of the source path the work dir ends with', () => {
  assert.is(repoRootOf('/tmp/_cmp_server/u/a/b', 'a/b'), '/tmp/_cmp_server/u');
  assert.is(repoRootOf('/tmp/_cmp_server/u/b', 'a/b'), '/tmp/_cmp_server/u');
  assert.is(repoRootOf('/tmp/_cmp_server/u', '.'), '/tmp/_cmp_server/u');
  assert.is(repoRootOf('/tmp/_cmp_server/u/x', undefined), '/tmp/_cmp_server/u/x');
});

test('files arrive 0644 and the generate command needs no exec bit or stdin', () => {
  const work = unpackRepo(base, { 'examples/native': NATIVE });
  assert.is(statSync(join(work, 'examples/native/mesh.yaml')).mode & 0o777, 0o644);
  const r = runPluginCommand(plugin.spec.generate, join(work, 'examples/native'), sidecar, requestEnv({ path: 'examples/native' }));
  assert.is(r.stdout, expected, r.stderr);
});

test('discover matches meshext repos only: not Helm, not kustomize (even one that runs meshext), not plain manifests', () => {
  const kustomizeWithMeshext = { 'app/kustomization.yaml': { content: 'generators: [meshext-generator.yaml]\n' }, 'app/meshext-generator.yaml': { content: 'apiVersion: meshext.dev/v1alpha1\nkind: ExtensionGenerator\nmetadata: {name: x}\nspec: {paths: [ext/]}\n' }, 'app/ext': NATIVE };
  const cases: [string, Record<string, string | { content: string }>, boolean][] = [
    ['examples/native', { app: NATIVE }, true],
    ['declarations in a subdirectory', { 'app/README.md': { content: 'x\n' }, 'app/mesh/prod': NATIVE }, true],
    ['only foreign kinds plus meshext.lock', { app: join(ROOT, 'examples', 'istio') }, true],
    ['JSON declarations', { 'app/ext.json': { content: '{"apiVersion":"meshext.dev/v1alpha1","kind":"Extension","metadata":{"name":"a","namespace":"b"}}\n' } }, true],
    ['a Helm chart', { 'app/Chart.yaml': { content: 'apiVersion: v2\nname: x\nversion: 0.1.0\n' }, 'app/values.yaml': { content: 'a: 1\n' }, 'app/templates/cm.yaml': { content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' } }, false],
    ['a Helm chart that ships meshext declarations', { 'app/Chart.yaml': { content: 'apiVersion: v2\nname: x\nversion: 0.1.0\n' }, 'app/files': NATIVE }, false],
    ['a kustomize dir', { 'app/kustomization.yaml': { content: 'resources: [cm.yaml]\n' }, 'app/cm.yaml': { content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' } }, false],
    ['a kustomize dir that runs meshext as a generator', kustomizeWithMeshext, false],
    ['a kustomization.yml', { 'app/kustomization.yml': { content: 'resources: []\n' }, 'app/ext': NATIVE }, false],
    ['plain manifests with a WasmPlugin', { 'app/wasmplugin.yaml': { content: 'apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: a, namespace: b}\nspec: {url: oci://x/y:1}\n' } }, false],
    ['a ConfigMap whose data mentions meshext', { 'app/cm.yaml': { content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  kind: Mesh\n  doc: "apiVersion: meshext.dev/v1alpha1"\n' } }, false],
    ['an empty app dir', { 'app/.keep': { content: '' } }, false],
  ];
  for (const [what, files, want] of cases) {
    const work = unpackRepo(base, files);
    // Discovery gets only the build env (no ARGOCD_ENV_*, no parameters).
    const { match, result } = discovers(plugin, join(work, 'app'), sidecar, requestEnv({ path: 'app' }));
    assert.is(result.code, 0, `${what}: a failing find command is an error in Argo CD, not a no-match: ${result.stderr}`);
    assert.is(match, want, `${what}: ${JSON.stringify(result)}`);
  }
});

test('discover also works when the repo sits under a path with spaces', () => {
  const work = unpackRepo(join(base, 'with space'), { 'my app/x y': NATIVE });
  assert.ok(discovers(plugin, join(work, 'my app'), sidecar, requestEnv({ path: 'my app' })).match);
});

test('examples/argocd: the Application renders through the plugin exactly like meshext render', () => {
  const app = parse(readFileSync(join(ROOT, 'examples', 'argocd', 'application.yaml'), 'utf8')) as {
    spec: { source: { repoURL: string; path: string; plugin: { name: string; parameters?: AppParameter[]; env?: { name: string; value: string }[] } }; destination: { namespace: string } };
    metadata: { name: string };
  };
  const src = app.spec.source;
  const version = plugin.spec.version;
  assert.is(src.plugin.name, version ? `${plugin.metadata.name}-${version}` : plugin.metadata.name, 'Argo CD looks the plugin up as <name>-<version> (or <name>)');
  const source: AppSource = { name: app.metadata.name, namespace: app.spec.destination.namespace, repoURL: src.repoURL, path: src.path, plugin: src.plugin };
  const work = unpackRepo(base, { examples: join(ROOT, 'examples') });
  const appDir = join(work, src.path);
  assert.ok(discovers(plugin, appDir, sidecar, requestEnv({ ...source, plugin: undefined })).match, 'discovery must match the example app, or the named plugin is refused');
  const r = runPluginCommand(plugin.spec.generate, appDir, sidecar, requestEnv(source));
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, expected);
});

test('examples/argocd: the repo-server patch wires the sidecar as the reference says', () => {
  const patch = parse(readFileSync(join(ROOT, 'examples', 'argocd', 'argocd-repo-server-patch.yaml'), 'utf8')) as {
    kind: string;
    metadata: { name: string };
    spec: { template: { spec: { containers: Record<string, any>[]; volumes: Record<string, any>[] } } };
  };
  assert.is(patch.kind, 'Deployment');
  assert.is(patch.metadata.name, 'argocd-repo-server');
  const [c] = patch.spec.template.spec.containers;
  assert.equal(c!.command, ['/var/run/argocd/argocd-cmp-server']);
  assert.is(c!.securityContext.runAsNonRoot, true);
  assert.is(c!.securityContext.runAsUser, 999);
  const mounts = Object.fromEntries((c!.volumeMounts as { mountPath: string; name: string }[]).map((m) => [m.mountPath, m.name]));
  assert.is(mounts['/var/run/argocd'], 'var-files');
  assert.is(mounts['/home/argocd/cmp-server/plugins'], 'plugins');
  const tmp = mounts['/tmp'];
  assert.ok(tmp && tmp !== 'tmp', 'the sidecar needs its own /tmp, not the repo-server\'s');
  assert.ok(patch.spec.template.spec.volumes.some((v) => v.name === tmp && v.emptyDir), `${tmp} must be an emptyDir declared by the patch`);
  const kustomization = parse(readFileSync(join(ROOT, 'examples', 'argocd', 'kustomization.yaml'), 'utf8')) as { patches: { path: string }[] };
  assert.ok(kustomization.patches.some((p) => p.path === 'argocd-repo-server-patch.yaml'));
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^ENTRYPOINT \["\/var\/run\/argocd\/argocd-cmp-server"\]$/m);
  assert.match(dockerfile, /^USER 999$/m);
});

test.after(() => rmSync(base, { recursive: true, force: true }));

test('a string parameter is split at commas and newlines, but not inside a glob pattern\'s {a,b}', () => {
  assert.equal(splitList('a, b\nc'), ['a', 'b', 'c']);
  assert.equal(splitList('teams/{a,b}/ext, shared'), ['teams/{a,b}/ext', 'shared']);
  assert.equal(splitList('x/{a,{b,c}}/y,z'), ['x/{a,{b,c}}/y', 'z']);
  assert.equal(splitList(' , ,'), []);
  // An unbalanced brace does not swallow the lines after it.
  assert.equal(splitList('a{b,c\nd,e'), ['a{b,c', 'd', 'e']);
});

// examples/fleet through its ApplicationSet: the cluster generator over Argo CD's cluster secrets,
// each generated Application's plugin invocation run with the env the repo-server would send it,
// KUBE_API_VERSIONS being its destination cluster's.
const FLEET = join(ROOT, 'examples', 'fleet');
const SERVES = (kinds: string[]) => ['extensions.istio.io/v1alpha1', 'networking.istio.io/v1alpha3', 'v1', 'v1/Namespace', ...kinds].sort().join(',');
const OLD_ISTIO = SERVES(['extensions.istio.io/v1alpha1/WasmPlugin', 'networking.istio.io/v1alpha3/EnvoyFilter']);
const ISTIO_1_30 = SERVES(['extensions.istio.io/v1alpha1/TrafficExtension', 'extensions.istio.io/v1alpha1/WasmPlugin', 'networking.istio.io/v1alpha3/EnvoyFilter']);
const ARGO_CLUSTERS: (ArgoCluster & { apiVersions: string })[] = [
  { name: 'in-cluster', server: 'https://kubernetes.default.svc', inCluster: true, apiVersions: OLD_ISTIO },
  { name: 'prod-us-east', server: 'https://prod-us-east.k8s.example.com', labels: { 'meshext.dev/mesh': 'istio' }, apiVersions: OLD_ISTIO },
  { name: 'prod-eu-west', server: 'https://prod-eu-west.k8s.example.com', labels: { 'meshext.dev/mesh': 'istio' }, apiVersions: OLD_ISTIO },
  { name: 'staging-eu', server: 'https://staging-eu.k8s.example.com', labels: { 'meshext.dev/mesh': 'istio', env: 'staging' }, apiVersions: ISTIO_1_30 },
  { name: 'tools', server: 'https://tools.k8s.example.com', labels: { env: 'tools' }, apiVersions: OLD_ISTIO },
];
const appset = parse(readFileSync(join(FLEET, 'argocd', 'applicationset.yaml'), 'utf8')) as ApplicationSet;

/** An Application's plugin source, and its destination cluster's API versions, as the repo-server sends them. */
function applicationRequest(app: Record<string, any>, apiVersions: string): Record<string, string> {
  const src = app.spec.source as { repoURL: string; path: string; plugin: AppSource['plugin'] & { name: string } };
  return { ...requestEnv({ name: app.metadata.name, namespace: app.spec.destination.namespace, repoURL: src.repoURL, path: src.path, plugin: src.plugin }), KUBE_API_VERSIONS: apiVersions };
}

test('examples/fleet: the ApplicationSet makes one Application per labelled mesh cluster, each rendering that cluster and nothing else', () => {
  const apps = generateApplications(appset, ARGO_CLUSTERS);
  assert.equal(apps.map((a) => [a.metadata.name, a.spec.destination.name]), [
    ['mesh-extensions-prod-us-east', 'prod-us-east'],
    ['mesh-extensions-prod-eu-west', 'prod-eu-west'],
    ['mesh-extensions-staging-eu', 'staging-eu'],
  ]);
  const work = unpackRepo(base, { examples: join(ROOT, 'examples') });
  for (const app of apps) {
    const cluster = ARGO_CLUSTERS.find((c) => c.name === app.spec.destination.name)!;
    const src = app.spec.source;
    assert.is(src.plugin.name, plugin.metadata.name);
    assert.equal(src.plugin.parameters.find((p: AppParameter) => p.name === 'cluster'), { name: 'cluster', string: cluster.name });
    const appDir = join(work, src.path);
    assert.ok(discovers(plugin, appDir, sidecar, requestEnv({ path: src.path })).match, 'discovery must match the fleet directory, or the named plugin is refused');
    const r = runPluginCommand(plugin.spec.generate, appDir, sidecar, applicationRequest(app, cluster.apiVersions));
    assert.is(r.code, 0, `${cluster.name}: ${r.stderr}`);
    assertManifestStream(r.stdout);
    // Exactly that cluster's resources: what `meshext render --cluster` prints, as reviewed.
    assert.is(r.stdout, readFileSync(join(ROOT, 'test', 'fixtures', 'examples', 'fleet', `${cluster.name}.yaml`), 'utf8'), cluster.name);
    const cli = spawnSync(process.execPath, [BUNDLE, 'render', 'examples/fleet', '--offline', '--cluster', cluster.name], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: join(base, 'cache') } });
    assert.is(r.stdout, cli.stdout);
    assert.match(r.stderr, new RegExp(`meshext render --offline --locked --namespace istio-system --cluster ${cluster.name} -- \\. \\(with --kube-api-versions from KUBE_API_VERSIONS, \\d+ entries\\)`));
  }
});

test('examples/fleet: a destination that does not serve an output kind fails naming the kind and the cluster, stdout empty', () => {
  const [staging] = generateApplications(appset, ARGO_CLUSTERS).filter((a) => a.spec.destination.name === 'staging-eu');
  const work = unpackRepo(base, { examples: join(ROOT, 'examples') });
  // staging-eu before its TrafficExtension CRD is installed.
  const r = runPluginCommand(plugin.spec.generate, join(work, 'examples/fleet'), sidecar, applicationRequest(staging!, OLD_ISTIO));
  assertFails(r, /cluster "staging-eu" does not serve extensions\.istio\.io\/v1alpha1\/TrafficExtension, which Extension \S+ renders as: KUBE_API_VERSIONS \(what Argo CD read from that cluster\) lists extensions\.istio\.io\/v1alpha1\/WasmPlugin, networking\.istio\.io\/v1alpha3\/EnvoyFilter/);
  assert.is(r.code, 1);
  // Without KUBE_API_VERSIONS (Argo CD sends it empty when it does not know) nothing is checked.
  const unknown = runPluginCommand(plugin.spec.generate, join(work, 'examples/fleet'), sidecar, { ...applicationRequest(staging!, ''), KUBE_API_VERSIONS: '' });
  assert.is(unknown.code, 0, unknown.stderr);
});

test('examples/fleet: a cluster secret no Mesh names, or an Application without the cluster parameter, fails listing the clusters', () => {
  const [stray] = generateApplications(appset, [{ name: 'prod-ap-south', server: 'https://ap.k8s.example.com', labels: { 'meshext.dev/mesh': 'istio' } }]);
  const work = unpackRepo(base, { examples: join(ROOT, 'examples') });
  const dir = join(work, 'examples/fleet');
  const r = runPluginCommand(plugin.spec.generate, dir, sidecar, applicationRequest(stray!, OLD_ISTIO));
  assertFails(r, /--cluster asks for cluster "prod-ap-south", which no Mesh names: the Meshes are for prod-eu-west, prod-us-east, staging-eu/);
  const none = runPluginCommand(plugin.spec.generate, dir, sidecar, requestEnv({ path: 'examples/fleet', plugin: { parameters: [{ name: 'offline', string: 'true' }] } }));
  assertFails(none, /this repository holds Meshes for 3 clusters \(prod-eu-west, prod-us-east, staging-eu\): choose one with --cluster NAME \(Argo CD: the parameter cluster/);
  // The cluster may also come as plugin env, like every parameter.
  const env = runPluginCommand(plugin.spec.generate, dir, sidecar, requestEnv({ path: 'examples/fleet', plugin: { parameters: [{ name: 'offline', string: 'true' }], env: [{ name: 'MESHEXT_CLUSTER', value: 'prod-eu-west' }] } }));
  assert.is(env.code, 0, env.stderr);
  assert.is(env.stdout, readFileSync(join(ROOT, 'test', 'fixtures', 'examples', 'fleet', 'prod-eu-west.yaml'), 'utf8'));
});

test('the ApplicationSet simulation refuses what it does not implement and honours missingkey=error', () => {
  const strict = { spec: { ...appset.spec, template: { metadata: { name: '{{.metadata.labels.region}}' } } } } as ApplicationSet;
  assert.throws(() => generateApplications(strict, ARGO_CLUSTERS), /map has no entry for key "region"/);
  const unknown = { spec: { ...appset.spec, template: { metadata: { name: '{{ printf "%s" .name }}' } } } } as ApplicationSet;
  assert.throws(() => generateApplications(unknown, ARGO_CLUSTERS), /not simulated/);
  const labels = { spec: { ...appset.spec, template: { x: '{{index .metadata.labels "meshext.dev/mesh"}}/{{.nameNormalized}}' } } } as ApplicationSet;
  assert.equal(generateApplications(labels, [{ name: 'Prod_EU', server: 's', labels: { 'meshext.dev/mesh': 'istio' } }]), [{ x: 'istio/prod-eu' }]);
  // nameNormalized as Argo CD makes it: '.' and '-' trimmed from both ends.
  assert.equal(generateApplications(labels, [{ name: '.Prod_EU/', server: 's', labels: { 'meshext.dev/mesh': 'istio' } }]), [{ x: 'istio/prod-eu' }]);
});

test.run();
