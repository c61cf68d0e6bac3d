// meshext under kustomize. The legacy exec plugin runs under the real `kubectl kustomize
// --enable-alpha-plugins`; the KRM function is fed ResourceLists exactly as kustomize builds
// them (kubectl's embedded kustomize has no --enable-exec, so it cannot run exec functions).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
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

/**
 * A temporary project: the plugin installed, `decl/` holding the declarations (the native example
 * unless given), and kustomization directories, each a map of file name to content; every one gets
 * gen.yaml, a generator over ../decl. `build(name)` runs the real kubectl kustomize on one.
 */
async function withKustomizeProject(layers: Record<string, Record<string, string>>, f: (build: (layer: string) => SpawnSyncReturns<string>, dir: string) => void, decl?: Record<string, string>): Promise<void> {
  await withTemp((dir) => {
    spawnSync(process.execPath, [BIN, 'install-kustomize-plugin', join(dir, 'plugins')]);
    if (decl) {
      mkdirSync(join(dir, 'decl'));
      for (const [name, text] of Object.entries(decl)) writeFileSync(join(dir, 'decl', name), text);
    } else cpSync(NATIVE, join(dir, 'decl'), { recursive: true });
    for (const [layer, files] of Object.entries(layers)) {
      mkdirSync(join(dir, layer));
      writeFileSync(join(dir, layer, 'gen.yaml'), `apiVersion: meshext.dev/v1alpha1\nkind: ExtensionGenerator\nmetadata: {name: g}\nspec: {paths: [../decl], lock: ${join(NATIVE, 'meshext.lock')}, offline: true}\n`);
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, layer, name), text);
    }
    f((layer) => spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', join(dir, layer)], { encoding: 'utf8', env: { ...process.env, KUSTOMIZE_PLUGIN_HOME: join(dir, 'plugins') } }), dir);
  });
}

test('a failing legacy plugin fails the kustomize build with meshext\'s reason', async () => {
  const broken = 'apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: bad, namespace: payments}\nspec: {image: "registry.example.com/platform/header-append:1.2", phase: SOMETIMES}\n';
  const decl = Object.fromEntries([...readdirSync(NATIVE).map((n) => [n, readFileSync(join(NATIVE, n), 'utf8')]), ['broken.yaml', broken]]);
  await withKustomizeProject({ k: { 'kustomization.yaml': 'generators: [gen.yaml]\n' } }, (build) => {
    const k = build('k');
    assert.is.not(k.status, 0);
    assert.is(k.stdout, '');
    assert.match(k.stderr, /broken\.yaml:4:\d+: error: must be one of .*\(got "SOMETIMES"\)/);
  }, decl);
});

const rendered = (k: { stdout: string }): string[] => docs(k.stdout).map(keyOf).sort();

test('kustomize namespace: that would move rendered resources fails the build with why and the fix, under every kustomization file name', async () => {
  const layers = Object.fromEntries(['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((name, i) => [`k${i}`, { [name]: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: team-a\ngenerators: [gen.yaml]\n' }]));
  await withKustomizeProject(layers, (build, dir) => {
    for (const [layer, files] of Object.entries(layers)) {
      const k = build(layer);
      assert.is.not(k.status, 0, layer);
      assert.is(k.stdout, '');
      const file = join(dir, layer, Object.keys(files)[0]!).replace(/[.]/g, '\\.');
      assert.match(k.stderr, new RegExp(`${file}:3:1: error: namespace: team-a makes kustomize move every resource this kustomization's generators produce into team-a, but meshext rendered resources into istio-system, orders, payments, search: `));
      assert.match(k.stderr, /istio-system, the control-plane namespace, applies mesh-wide and would silently apply in team-a only/);
      assert.match(k.stderr, /\(WasmPlugin header-append\) would collide \("namespace transformation produces ID conflict"\)/);
      assert.match(k.stderr, /Remove namespace: from this kustomization; or give the meshext generator a kustomization of its own without namespace:/);
    }
  });
});

test('kustomize namespace: equal to every rendered namespace, or none, builds as before', async () => {
  const team = { 'ext.yaml': 'apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: hdr, namespace: payments}\nspec: {image: "registry.example.com/platform/header-append:1.2", phase: AUTHZ}\n' };
  await withKustomizeProject({ same: { 'kustomization.yml': 'namespace: payments\ngenerators: [gen.yaml]\n' }, none: { Kustomization: 'generators: [gen.yaml]\n' } }, (build) => {
    for (const layer of ['same', 'none']) {
      const k = build(layer);
      assert.is(k.status, 0, k.stderr);
      assert.equal(rendered(k), ['WasmPlugin/payments/hdr']);
    }
  }, team);
});

test('the fix the error names works: meshext in its own kustomization beside a namespaced one, under a parent without namespace:', async () => {
  const expected = (await renderNative()).map(keyOf);
  const layers = {
    mesh: { 'kustomization.yaml': 'generators: [gen.yaml]\n' },
    app: { 'kustomization.yaml': 'namespace: team-a\nresources: [cm.yaml]\n', 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n' },
    root: { 'kustomization.yaml': 'resources: [../app, ../mesh]\n' },
    unsetOnly: { 'kustomization.yaml': 'generators: [gen.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: NamespaceTransformer\n  metadata: {name: ns, namespace: team-a}\n  unsetOnly: true\n' },
  };
  await withKustomizeProject(layers, (build) => {
    const root = build('root');
    assert.is(root.status, 0, root.stderr);
    assert.equal(rendered(root), [...expected, 'ConfigMap/team-a/app'].sort());
    const unsetOnly = build('unsetOnly');
    assert.is(unsetOnly.status, 0, unsetOnly.stderr);
    assert.equal(rendered(unsetOnly), expected.sort());
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

const generatorItem = (config: Obj): Obj => ({ ...config, metadata: { ...config.metadata, annotations: { ...config.metadata.annotations, ...kustomizeAnnotations('generator.yaml', 0, 0) } } });

test('KRM generator: namespace: in the kustomization of its working directory that would move rendered resources is an error in results', async () => {
  await withTemp(async (dir) => {
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [namespaces.yaml]\nnamespace: team-a\ngenerators: [generator.yaml]\n');
    const config = generatorConfig([NATIVE]);
    const r = await runCli([], { cwd: dir, stdin: resourceList([generatorItem(config)], config), stdinIsTTY: false });
    assert.is(r.code, 1);
    const out = parse(r.stdout) as Obj;
    assert.equal(out.items, []);
    assert.equal(out.results.map((x: Obj) => [x.severity, x.file?.path]), [['error', join(dir, 'kustomization.yaml')]]);
    assert.match(out.results[0].message, /^namespace: team-a makes kustomize move every resource this kustomization's generators produce into team-a, .* \(line 2\)$/);
    assert.match(r.stderr, /Remove namespace: from this kustomization/);
    // As a transformer its output comes after that namespace: has run, so nothing is checked.
    const ext = { apiVersion: 'meshext.dev/v1alpha1', kind: 'Extension', metadata: { name: 'hdr', namespace: 'payments', annotations: kustomizeAnnotations('ext.yaml', 0, 0) }, spec: { image: 'registry.example.com/platform/header-append:1.2' } };
    const t = await runCli([], { cwd: dir, stdin: resourceList([ext], config), stdinIsTTY: false });
    assert.is(t.code, 0, t.stderr);
  });
});

// A kustomization that cannot be read, parsed or understood is left to kustomize: never a false error.
const unreadable: Record<string, (dir: string) => void> = {
  'invalid YAML': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: [team-a\n'),
  'two documents': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: team-a\n---\nnamespace: team-b\n'),
  'a repeated key': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: team-a\nnamespace: team-b\n'),
  'a namespace that is not a string': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: {name: team-a}\n'),
  'an empty namespace': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: ""\n'),
  'a list, not a map': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), '- namespace: team-a\n'),
  'an alias bomb': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), `namespace: team-a\na: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`).join('\n')}\n`),
  'deep nesting': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), `namespace: team-a\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n`),
  'not UTF-8': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), Buffer.from([...Buffer.from('namespace: team-a\n# '), 0xff, 0x0a])),
  'larger than a kustomization can be': (dir) => writeFileSync(join(dir, 'kustomization.yaml'), `namespace: team-a\n${'#'.repeat(2 * 1024 * 1024)}\n`),
  'a directory of that name': (dir) => mkdirSync(join(dir, 'kustomization.yaml')),
  'a FIFO of that name': (dir) => assert.is(spawnSync('mkfifo', [join(dir, 'kustomization.yaml')]).status, 0),
  'a dangling symlink': (dir) => symlinkSync(join(dir, 'gone.yaml'), join(dir, 'kustomization.yaml')),
  'two kustomization files (kustomize refuses the directory)': (dir) => {
    writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: team-a\n');
    writeFileSync(join(dir, 'Kustomization'), 'namespace: team-a\n');
  },
};

/** The config file kustomize hands the legacy plugin, written into `dir`: a generator over the native example. */
function legacyConfig(dir: string): string {
  const file = join(dir, 'kust-plugin-config-1');
  writeFileSync(file, `apiVersion: meshext.dev/v1alpha1\nkind: ExtensionGenerator\nmetadata: {name: g}\nspec: {paths: [${NATIVE}], offline: true}\n`);
  return file;
}

test('legacy plugin: a kustomization it cannot read or understand changes nothing', async () => {
  const expected = await renderNative();
  for (const [name, make] of Object.entries(unreadable)) {
    await withTemp(async (dir) => {
      make(dir);
      const r = await runCli([legacyConfig(dir)], { cwd: dir });
      assert.is(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(docs(r.stdout), expected, name);
    });
  }
});

test('legacy plugin: the kustomization is looked up in KUSTOMIZE_PLUGIN_CONFIG_ROOT, and an aliased namespace counts', async () => {
  await withTemp(async (dir) => {
    writeFileSync(join(dir, 'kustomization.yaml'), 'x: &ns team-a\nnamespace: *ns\n');
    const r = await runCli([legacyConfig(dir)], { cwd: tmpdir(), env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: dir } });
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /kustomization\.yaml:2:1: error: namespace: team-a makes kustomize move/);
    assert.match(r.stderr, /\n {5}2 \| namespace: \*ns\n/);
  });
});

test.run();
