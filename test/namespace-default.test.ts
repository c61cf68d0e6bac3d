// Namespace from context: a namespaced declaration without metadata.namespace takes the render's
// default namespace (-n, the ExtensionGenerator's spec.namespace, Argo CD's destination namespace),
// and render, lock and explain then behave exactly as if the namespace had been written.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { runCli } from './_cli.ts';
import { pushFixtures } from './_images.ts';
import { startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

let reg: TestRegistry;

test.before(async () => {
  reg = await startRegistry();
  await pushFixtures(reg);
});
test.after(async () => {
  await reg.stop();
});

/** The same declarations, once without a namespace and once with `namespace` written in. */
function declarations(namespace?: string): string {
  const ns = namespace ? `, namespace: ${namespace}` : '';
  return `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: basic-auth${ns}}
spec:
  url: oci://${reg.host}/istio/oci-artifact:latest
  phase: AUTHN
  selector: {matchLabels: {app: productpage}}
---
apiVersion: maistra.io/v1
kind: ServiceMeshExtension
metadata: {name: header-append${ns}}
spec: {image: "${reg.host}/maistra/plugin:latest"}
---
apiVersion: meshext.dev/v1alpha1
kind: Extension
metadata: {name: team-filter${ns}}
spec: {image: "${reg.host}/istio/oci-artifact:latest", phase: STATS, priority: 3}
`;
}

function repo(text: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'extensions.yaml'), text);
  return dir;
}

const env = () => ({ PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: tempDir() });

test('-n: lock, render and explain are byte for byte what the written namespace gives', async () => {
  const given = repo(declarations());
  const written = repo(declarations('shop'));
  for (const [dir, extra] of [[given, ['-n', 'shop']], [written, []]] as const) {
    const r = await runCli(['lock', dir, ...extra], { env: env() });
    assert.is(r.code, 0, r.stderr);
  }
  assert.is(readFileSync(join(given, 'meshext.lock'), 'utf8'), readFileSync(join(written, 'meshext.lock'), 'utf8'));

  const a = await runCli(['render', given, '--offline', '-n', 'shop'], { env: env() });
  const b = await runCli(['render', written, '--offline'], { env: env() });
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout, b.stdout);
  const docs = parseAllDocuments(a.stdout).map((d) => d.toJS() as { metadata: { namespace: string; annotations: Record<string, string> } });
  assert.equal(docs.map((d) => d.metadata.namespace), ['shop', 'shop', 'shop']);
  assert.equal([...new Set(docs.map((d) => d.metadata.annotations['meshext.dev/source']))], ['extensions.yaml']);

  const ea = await runCli(['explain', given, '--namespace', 'shop'], { env: env() });
  const eb = await runCli(['explain', written], { env: env() });
  assert.is(ea.code, 0, ea.stderr);
  assert.is(ea.stdout, eb.stdout);
  assert.match(ea.stdout, /namespace shop/);
});

test('a written namespace wins over -n', async () => {
  const dir = repo(declarations('orders'));
  const locked = await runCli(['lock', dir], { env: env() });
  assert.is(locked.code, 0, locked.stderr);
  const rendered = await runCli(['render', dir, '-n', 'shop', '--offline'], { env: env() });
  assert.equal(parseAllDocuments(rendered.stdout).map((d) => (d.toJS() as { metadata: { namespace: string } }).metadata.namespace), ['orders', 'orders', 'orders']);
});

test('without any default, every namespaced kind is refused with the three ways to give one', async () => {
  const dir = repo(declarations());
  const r = await runCli(['validate', dir], { env: env() });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  for (const kind of ['WasmPlugin', 'ServiceMeshExtension', 'Extension']) assert.match(r.stderr, new RegExp(`error: ${kind} needs a namespace`));
  for (const way of ['-n/--namespace NS', 'spec.namespace of the ExtensionGenerator', 'ARGOCD_APP_NAMESPACE']) assert.ok(r.stderr.includes(way), way);
});

test('-n takes a namespace name only: anything else is a usage error before anything is read', async () => {
  for (const bad of ['Shop', 'a b', 'x'.repeat(64), 'shop-', 'shop.east', '']) {
    const r = await runCli(['render', repo('not: [yaml'), '--namespace', bad], { env: env() });
    assert.is(r.code, 2, `${bad}: ${r.stderr}`);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /is not a namespace name/);
  }
});

test('KRM function: the ExtensionGenerator spec.namespace places declarations among the items and under spec.paths', async () => {
  const dir = repo(declarations());
  const lock = await runCli(['lock', dir, '-n', 'shop'], { env: env() });
  assert.is(lock.code, 0, lock.stderr);
  const item = parse(declarations().split('\n---\n')[2]!) as Record<string, unknown>;
  const config = { apiVersion: 'meshext.dev/v1alpha1', kind: 'ExtensionGenerator', metadata: { name: 'g' }, spec: { paths: ['.'], offline: true, namespace: 'payments' } };
  const stdin = JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [{ ...item, metadata: { name: 'from-items' } }], functionConfig: config });
  const r = await runCli([], { cwd: dir, stdin, stdinIsTTY: false, env: env() });
  assert.is(r.code, 0, r.stderr);
  const out = parse(r.stdout) as { items: { kind: string; metadata: { name: string; namespace: string } }[] };
  assert.equal(out.items.map((i) => `${i.kind} ${i.metadata.namespace}/${i.metadata.name}`).sort(), ['WasmPlugin payments/basic-auth', 'WasmPlugin payments/from-items', 'WasmPlugin payments/header-append', 'WasmPlugin payments/team-filter']);

  const bad = JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], functionConfig: { ...config, spec: { ...config.spec, namespace: 'Not_A_Namespace' } } });
  const refused = await runCli([], { cwd: dir, stdin: bad, stdinIsTTY: false, env: env() });
  assert.is(refused.code, 1);
  assert.match(refused.stdout, /must be a DNS-1123 label/);
});

test('argocd generate: ARGOCD_APP_NAMESPACE, the Application destination, places declarations', async () => {
  const dir = repo(declarations());
  const lock = await runCli(['lock', dir, '-n', 'shop'], { env: env() });
  assert.is(lock.code, 0, lock.stderr);
  const r = await runCli(['argocd', 'generate'], { cwd: dir, env: { ...env(), ARGOCD_APP_NAMESPACE: 'catalog', PARAM_OFFLINE: 'true' } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /meshext render .*--namespace catalog/);
  assert.equal(parseAllDocuments(r.stdout).map((d) => (d.toJS() as { metadata: { namespace: string } }).metadata.namespace), ['catalog', 'catalog', 'catalog']);
  const none = await runCli(['argocd', 'generate'], { cwd: dir, env: { ...env(), PARAM_OFFLINE: 'true' } });
  assert.is(none.code, 1);
  assert.is(none.stdout, '');
  assert.match(none.stderr, /ARGOCD_APP_NAMESPACE/);
});

test('kubectl kustomize runs the exec plugin: the ExtensionGenerator spec.namespace places the declarations', async () => {
  const dir = tempDir();
  const decl = join(dir, 'published');
  mkdirSync(decl);
  writeFileSync(join(decl, 'extensions.yaml'), declarations());
  const lock = await runCli(['lock', decl, '-n', 'shop'], { env: env() });
  assert.is(lock.code, 0, lock.stderr);
  const bin = join(import.meta.dirname, '..', 'dist', 'meshext.cjs');
  const install = spawnSync(process.execPath, [bin, 'install-kustomize-plugin', join(dir, 'plugins')], { encoding: 'utf8' });
  assert.is(install.status, 0, install.stderr);
  const build = (spec: string) => {
    const k = join(dir, `k-${spec.length}`);
    mkdirSync(k);
    writeFileSync(join(k, 'kustomization.yaml'), 'generators: [gen.yaml]\n');
    writeFileSync(join(k, 'gen.yaml'), `apiVersion: meshext.dev/v1alpha1\nkind: ExtensionGenerator\nmetadata: {name: g}\nspec: {paths: [../published], offline: true${spec}}\n`);
    return spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', k], { encoding: 'utf8', env: { ...process.env, ...env(), KUSTOMIZE_PLUGIN_HOME: join(dir, 'plugins') } });
  };
  const placed = build(', namespace: payments');
  assert.is(placed.status, 0, placed.stderr);
  assert.equal(parseAllDocuments(placed.stdout).map((d) => (d.toJS() as { metadata: { namespace: string } }).metadata.namespace), ['payments', 'payments', 'payments']);
  const unplaced = build('');
  assert.is.not(unplaced.status, 0);
  assert.is(unplaced.stdout, '');
  assert.match(unplaced.stderr, /needs a namespace.*spec\.namespace of the ExtensionGenerator/);
});

test.run();
