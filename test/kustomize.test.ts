// meshext under kustomize. The legacy exec plugin runs under the real `kubectl kustomize
// --enable-alpha-plugins`; the KRM function is fed ResourceLists exactly as kustomize builds
// them (kubectl's embedded kustomize has no --enable-exec, so it cannot run exec functions).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { runCli } from './_cli.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'meshext.cjs');
const NATIVE = join(ROOT, 'examples', 'native');

type Obj = Record<string, any>;
const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => (d as { toJS(): unknown }).toJS() as Obj).filter((d) => d !== null);
const keyOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`;
const byKey = (objs: Obj[]) => [...objs].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));

async function renderNative(): Promise<Obj[]> {
  const r = await runCli(['render', NATIVE, '--offline']);
  assert.is(r.code, 0, r.stderr);
  return docs(r.stdout);
}

async function withTemp<T>(f: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'meshext-kustomize-'));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('install-kustomize-plugin writes an executable at kustomize\'s legacy plugin path', async () => {
  await withTemp(async (home) => {
    const r = await runCli(['install-kustomize-plugin', home]);
    assert.is(r.code, 0, r.stderr);
    const file = join(home, 'meshext.dev', 'v1alpha1', 'extensiongenerator', 'ExtensionGenerator');
    assert.is(r.stdout, `${file}\n`);
    assert.is(statSync(file).mode & 0o111, 0o111);
    const viaEnv = await runCli(['install-kustomize-plugin'], { env: { KUSTOMIZE_PLUGIN_HOME: join(home, 'env') } });
    assert.is(viaEnv.stdout, `${join(home, 'env', 'meshext.dev', 'v1alpha1', 'extensiongenerator', 'ExtensionGenerator')}\n`);
  });
});

test('kubectl kustomize --enable-alpha-plugins runs the legacy plugin and yields what meshext render yields', async () => {
  const expected = await renderNative();
  await withTemp((home) => {
    const install = spawnSync(process.execPath, [BIN, 'install-kustomize-plugin', home], { encoding: 'utf8' });
    assert.is(install.status, 0, install.stderr);
    const k = spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', join(ROOT, 'examples', 'kustomize', 'legacy-plugin')], { encoding: 'utf8', env: { ...process.env, KUSTOMIZE_PLUGIN_HOME: home } });
    assert.is(k.status, 0, `kubectl kustomize failed: ${k.stderr}`);
    assert.equal(byKey(docs(k.stdout)), byKey(expected));
  });
});

test('a failing legacy plugin fails the kustomize build with meshext\'s reason', async () => {
  await withTemp((dir) => {
    spawnSync(process.execPath, [BIN, 'install-kustomize-plugin', join(dir, 'plugins')]);
    cpSync(NATIVE, join(dir, 'decl'), { recursive: true });
    writeFileSync(join(dir, 'decl', 'broken.yaml'), 'apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: bad, namespace: payments}\nspec: {image: "registry.example.com/platform/header-append:1.2", phase: SOMETIMES}\n');
    mkdirSync(join(dir, 'k'));
    writeFileSync(join(dir, 'k', 'kustomization.yaml'), 'generators: [gen.yaml]\n');
    writeFileSync(join(dir, 'k', 'gen.yaml'), 'apiVersion: meshext.dev/v1alpha1\nkind: ExtensionGenerator\nmetadata: {name: g}\nspec: {paths: [../decl], offline: true}\n');
    const k = spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', join(dir, 'k')], { encoding: 'utf8', env: { ...process.env, KUSTOMIZE_PLUGIN_HOME: join(dir, 'plugins') } });
    assert.is.not(k.status, 0);
    assert.is(k.stdout, '');
    assert.match(k.stderr, /broken\.yaml:4:\d+: error: must be one of .*\(got "SOMETIMES"\)/);
  });
});

// What kustomize sends a generator: the config, annotated, as functionConfig and as the only item.
const kustomizeAnnotations = (path: string, index: number, id: number) => ({
  'config.kubernetes.io/index': String(index),
  'internal.config.kubernetes.io/index': String(index),
  'config.kubernetes.io/path': path,
  'internal.config.kubernetes.io/path': path,
  'internal.config.kubernetes.io/annotations-migration-resource-id': String(id),
  'internal.config.kubernetes.io/id': String(id + 1),
  'config.k8s.io/id': String(id + 1),
});

function generatorConfig(paths: string[]): Obj {
  return {
    apiVersion: 'meshext.dev/v1alpha1',
    kind: 'ExtensionGenerator',
    metadata: { name: 'mesh-extensions', annotations: { 'config.kubernetes.io/function': 'exec:\n  path: meshext\n', 'config.kubernetes.io/local-config': 'true' } },
    spec: { paths, offline: true },
  };
}

function resourceList(items: Obj[], functionConfig?: Obj): string {
  return JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, ...(functionConfig ? { functionConfig } : {}) });
}

test('KRM generator: renders spec.paths and does not echo its own config', async () => {
  const expected = await renderNative();
  const config = generatorConfig(['examples/native']);
  const item = { ...config, metadata: { ...config.metadata, annotations: { ...config.metadata.annotations, ...kustomizeAnnotations('generator.yaml', 0, 0) } } };
  const r = await runCli([], { cwd: ROOT, stdin: resourceList([item], config), stdinIsTTY: false });
  assert.is(r.code, 0, r.stderr);
  const out = parse(r.stdout) as Obj;
  assert.is(out.apiVersion, 'config.kubernetes.io/v1');
  assert.is(out.kind, 'ResourceList');
  assert.equal(out.items, expected);
  assert.is(out.results, undefined);
});

test('KRM transformer: declarations become Istio resources, Namespaces feed the inventory, the rest passes through untouched', async () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', annotations: { ...kustomizeAnnotations('deploy.yaml', 0, 0), note: 'kept' } }, spec: { replicas: 2, template: { spec: { volumes: [{ name: 'v', configMap: { name: 'c', defaultMode: 420 } }] } } } };
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'shop' }, annotations: kustomizeAnnotations('ns.yaml', 0, 1) } };
  const ext = { apiVersion: 'meshext.dev/v1alpha1', kind: 'Extension', metadata: { name: 'hdr', namespace: 'istio-system', annotations: kustomizeAnnotations('ext.yaml', 0, 2) }, spec: { image: 'registry.example.com/platform/header-append:1.2', phase: 'AUTHZ', priority: 3, scope: { namespaceSelector: { matchLabels: { team: 'shop' } } } } };
  const r = await runCli([], { cwd: NATIVE, stdin: resourceList([deployment, namespace, ext]), stdinIsTTY: false });
  assert.is(r.code, 0, r.stderr);
  const out = parse(r.stdout) as Obj;
  assert.equal(out.items.slice(0, 2), [deployment, namespace]);
  assert.is(out.items.length, 3);
  const plugin = out.items[2];
  assert.is(plugin.kind, 'WasmPlugin');
  assert.is(plugin.metadata.namespace, 'shop');
  assert.is(plugin.metadata.annotations['meshext.dev/source'], 'ext.yaml');
  assert.match(plugin.spec.url, /^oci:\/\/registry\.example\.com\/platform\/header-append@sha256:[0-9a-f]{64}$/);
  assert.is(plugin.spec.pluginName, 'add_header');
});

test('KRM transformer: Go-style octal integers pass through with the value kustomize meant', async () => {
  const stdin = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {on: "yes"}\n  mode: 0644\n- apiVersion: meshext.dev/v1alpha1\n  kind: Extension\n  metadata: {name: hdr, namespace: payments}\n  spec: {image: "registry.example.com/platform/header-append:1.2"}\n`;
  const r = await runCli([], { cwd: NATIVE, stdin, stdinIsTTY: false });
  assert.is(r.code, 0, r.stderr);
  const out = parse(r.stdout) as Obj;
  assert.equal(out.items[0], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { on: 'yes' }, mode: 420 });
});

test('KRM errors: results with severity, file, field and resourceRef; no items; non-zero exit', async () => {
  const bad = { apiVersion: 'meshext.dev/v1alpha1', kind: 'Extension', metadata: { name: 'hdr', namespace: 'payments', annotations: kustomizeAnnotations('ext.yaml', 0, 0) }, spec: { image: 'registry.example.com/platform/header-append:1.2', phase: 'LATER' } };
  const r = await runCli([], { cwd: NATIVE, stdin: resourceList([bad]), stdinIsTTY: false });
  assert.is(r.code, 1);
  const out = parse(r.stdout) as Obj;
  assert.equal(out.items, []);
  assert.equal(out.results, [
    {
      message: 'must be one of AUTHN, AUTHZ, STATS, UNSPECIFIED_PHASE, PreAuthN, PostAuthN, PreAuthZ, PostAuthZ, PreStats, PostStats (got "LATER")',
      severity: 'error',
      resourceRef: { apiVersion: 'meshext.dev/v1alpha1', kind: 'Extension', name: 'hdr', namespace: 'payments' },
      field: { path: 'spec.phase' },
      file: { path: 'ext.yaml' },
    },
  ]);
});

test('KRM warnings travel in results with severity warning', async () => {
  const sme = { apiVersion: 'maistra.io/v1alpha1', kind: 'ServiceMeshExtension', metadata: { name: 'banner', namespace: 'payments', annotations: kustomizeAnnotations('sme.yaml', 0, 0) }, spec: { image: 'registry.example.com/platform/header-append:1.2', phase: 'PostStats', config: 'not json' } };
  const r = await runCli([], { cwd: NATIVE, stdin: resourceList([sme]), stdinIsTTY: false });
  assert.is(r.code, 0, r.stderr);
  const out = parse(r.stdout) as Obj;
  assert.is(out.items.length, 1);
  assert.equal(out.results.map((x: Obj) => [x.severity, x.file?.path, x.field?.path]), [['warning', 'sme.yaml', 'spec.config']]);
});

test('KRM: empty stdin is a usage error; a config of another kind is an error', async () => {
  const empty = await runCli([], { stdin: '', stdinIsTTY: false });
  assert.is(empty.code, 2);
  assert.is(empty.stdout, '');
  const other = await runCli([], { stdin: resourceList([], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }), stdinIsTTY: false });
  assert.is(other.code, 1);
  assert.match((parse(other.stdout) as Obj).results[0].message, /the function config must be meshext\.dev\/v1alpha1 ExtensionGenerator, not v1 ConfigMap/);
});

test('the legacy plugin entry (one argument naming the config file) renders like render', async () => {
  const expected = await renderNative();
  await withTemp(async (dir) => {
    const cfg = join(dir, 'kust-plugin-config-1');
    writeFileSync(cfg, readFileSync(join(ROOT, 'examples', 'kustomize', 'legacy-plugin', 'generator.yaml')));
    const r = await runCli([cfg], { cwd: join(ROOT, 'examples', 'kustomize', 'legacy-plugin') });
    assert.is(r.code, 0, r.stderr);
    assert.equal(docs(r.stdout), expected);
  });
});

test.run();
