// A fleet of Meshes from one repository, through the CLI: `render --all-clusters -o DIR` writes each
// cluster's render into DIR/<cluster>.yaml, byte for byte what `render --cluster` prints, all or
// nothing; images are resolved once for every cluster (a real registry counts the requests) and
// one lock serves the fleet (`lock`, `lock --cluster`, `--locked` of one cluster); the kustomize
// generator's spec.cluster chooses like --cluster; the output does not depend on document order.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from './_cli.ts';
import { artifact, push, wasm } from './_images.ts';
import { startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

const ROOT = join(import.meta.dirname, '..');
const FLEET = join(ROOT, 'examples', 'fleet');
const CLUSTERS = ['prod-eu-west', 'prod-us-east', 'staging-eu'];

function copyOf(dir: string): string {
  const to = join(tempDir(), 'repo');
  cpSync(dir, to, { recursive: true });
  return to;
}

test('render --all-clusters -o DIR writes DIR/<cluster>.yaml, each exactly what render --cluster prints', async () => {
  const out = join(tempDir(), 'rendered');
  const all = await runCli(['render', FLEET, '--offline', '--locked', '--all-clusters', '-o', out]);
  assert.is(all.code, 0, all.stderr);
  assert.is(all.stdout, '');
  assert.equal(readdirSync(out).sort(), CLUSTERS.map((c) => `${c}.yaml`));
  assert.match(all.stderr, /wrote 3 clusters into .*: prod-eu-west\.yaml, prod-us-east\.yaml, staging-eu\.yaml/);
  for (const c of CLUSTERS) {
    const one = await runCli(['render', FLEET, '--offline', '--locked', '--cluster', c]);
    assert.is(one.code, 0, one.stderr);
    assert.is(readFileSync(join(out, `${c}.yaml`), 'utf8'), one.stdout, c);
  }
  // Both revisions of staging-eu are in its one file, each labelled for its own istiod.
  const staging = readFileSync(join(out, 'staging-eu.yaml'), 'utf8');
  assert.match(staging, /istio\.io\/rev: "1-29"/);
  assert.match(staging, /istio\.io\/rev: "1-30"/);
});

test('render --all-clusters --format json writes DIR/<cluster>.json; files of clusters the repository no longer has are named, not removed', async () => {
  const out = join(tempDir(), 'rendered');
  mkdirSync(out);
  writeFileSync(join(out, 'prod-ap-south.json'), '{}\n');
  const all = await runCli(['render', FLEET, '--offline', '--all-clusters', '--format', 'json', '-o', out]);
  assert.is(all.code, 0, all.stderr);
  assert.equal(readdirSync(out).sort(), ['prod-ap-south.json', ...CLUSTERS.map((c) => `${c}.json`)]);
  assert.match(all.stderr, /warning: .* also holds prod-ap-south\.json, which no cluster of this repository wrote \(left as they were\)/);
  const one = await runCli(['render', FLEET, '--offline', '--format', 'json', '--cluster', 'prod-us-east']);
  assert.is(readFileSync(join(out, 'prod-us-east.json'), 'utf8'), one.stdout);
  assert.is(readFileSync(join(out, 'prod-ap-south.json'), 'utf8'), '{}\n');
});

test('render --all-clusters is all or nothing: one cluster failing writes no file for any', async () => {
  const repo = copyOf(FLEET);
  // targetRefs needs Istio 1.22: prod-us-east declares 1.24, so make it older; the others are fine.
  writeFileSync(join(repo, 'meshes', 'prod-us-east.yaml'), readFileSync(join(repo, 'meshes', 'prod-us-east.yaml'), 'utf8').replace('istioVersion: "1.24"', 'istioVersion: "1.20"'));
  writeFileSync(join(repo, 'extensions', 'gateway.yaml'), 'apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: gateway-auth, namespace: istio-system}\nspec:\n  image: registry.example.com/platform/header-append:1.2\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n');
  const out = join(tempDir(), 'rendered');
  const r = await runCli(['render', repo, '--offline', '--all-clusters', '-o', out]);
  assert.is(r.code, 1);
  assert.is(existsSync(out), false, 'nothing written');
  assert.match(r.stderr, /targetRefs needs Istio 1\.22 or newer; the Mesh declares istioVersion 1\.20 \(cluster "prod-us-east"\)/);
  assert.not.match(r.stderr, /cluster "prod-eu-west"\)|cluster "staging-eu"/);
});

test('render --all-clusters that cannot write one cluster\'s file leaves DIR as it was: no file replaced, no temporary file left, the file named', async () => {
  const out = join(tempDir(), 'rendered');
  mkdirSync(out);
  writeFileSync(join(out, 'prod-eu-west.yaml'), 'old\n');
  // A directory where staging-eu.yaml goes (the last cluster: the others would be written first).
  mkdirSync(join(out, 'staging-eu.yaml'));
  const r = await runCli(['render', FLEET, '--offline', '--all-clusters', '-o', out]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot write .*staging-eu\.yaml: it is a directory; nothing was written/);
  assert.equal(readdirSync(out).sort(), ['prod-eu-west.yaml', 'staging-eu.yaml']);
  assert.is(readFileSync(join(out, 'prod-eu-west.yaml'), 'utf8'), 'old\n');

  // A file that cannot be created: the last cluster's temporary file (written beside its target,
  // named after this process) is taken by a directory. The files written before it are removed.
  rmSync(join(out, 'staging-eu.yaml'), { recursive: true });
  mkdirSync(join(out, `.staging-eu.yaml.${process.pid}.tmp`));
  const full = await runCli(['render', FLEET, '--offline', '--all-clusters', '-o', out]);
  assert.is(full.code, 2, full.stderr);
  assert.match(full.stderr, /cannot write .*staging-eu\.yaml: EISDIR; nothing was written/);
  assert.equal(readdirSync(out).sort(), [`.staging-eu.yaml.${process.pid}.tmp`, 'prod-eu-west.yaml']);
  assert.is(readFileSync(join(out, 'prod-eu-west.yaml'), 'utf8'), 'old\n');
});

test('a cluster name that would leave DIR (a / or ..) is refused before anything is written', async () => {
  const repo = copyOf(FLEET);
  for (const bad of ['../escape', 'a/b', '..']) {
    writeFileSync(join(repo, 'meshes', 'prod-us-east.yaml'), readFileSync(join(FLEET, 'meshes', 'prod-us-east.yaml'), 'utf8').replace('cluster: prod-us-east', `cluster: "${bad}"`));
    const out = join(tempDir(), 'deep', 'rendered');
    const r = await runCli(['render', repo, '--offline', '--all-clusters', '-o', out]);
    assert.is(r.code, 1, bad);
    assert.match(r.stderr, /prod-us-east\.yaml:\d+:\d+: error: must be letters, digits/);
    assert.is(existsSync(join(out, '..')), false, `${bad}: nothing created`);
  }
});

test('a repository of one Mesh without spec.cluster renders as before, and --all-clusters says it needs the name', async () => {
  const native = join(ROOT, 'examples', 'native');
  const out = join(tempDir(), 'x');
  const r = await runCli(['render', native, '--offline', '--all-clusters', '-o', out]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(readdirSync(out), ['prod-east.yaml']);
  assert.is(readFileSync(join(out, 'prod-east.yaml'), 'utf8'), (await runCli(['render', native, '--offline'])).stdout);
  const repo = copyOf(native);
  writeFileSync(join(repo, 'mesh.yaml'), readFileSync(join(repo, 'mesh.yaml'), 'utf8').replace('  cluster: prod-east\n', ''));
  const plain = await runCli(['render', repo, '--offline']);
  assert.is(plain.code, 0, plain.stderr);
  const none = await runCli(['render', repo, '--offline', '--all-clusters', '-o', join(tempDir(), 'y')]);
  assert.is(none.code, 1);
  assert.match(none.stderr, /--all-clusters writes DIR\/<cluster>\.yaml, and the Mesh in mesh\.yaml names no cluster: add spec\.cluster/);
  const asked = await runCli(['render', repo, '--offline', '--cluster', 'prod-east']);
  assert.is(asked.code, 1);
  assert.match(asked.stderr, /--cluster asks for cluster "prod-east", which no Mesh names: the Mesh in mesh\.yaml names no cluster \(spec\.cluster\)/);
});

test('the same fleet in any document and file order renders the same bytes', async () => {
  const repo = copyOf(FLEET);
  // All Meshes in one file, in reverse order, and the extensions in one file, reversed.
  const meshes = ['staging-eu.yaml', 'prod-eu-west.yaml', 'prod-us-east.yaml'].map((f) => readFileSync(join(FLEET, 'meshes', f), 'utf8').split(/^---\n/m).reverse().join('---\n'));
  rmSync(join(repo, 'meshes'), { recursive: true });
  writeFileSync(join(repo, 'all-meshes.yaml'), meshes.join('---\n'));
  const exts = readdirSync(join(FLEET, 'extensions')).sort().reverse().map((f) => readFileSync(join(FLEET, 'extensions', f), 'utf8'));
  rmSync(join(repo, 'extensions'), { recursive: true });
  writeFileSync(join(repo, 'z-extensions.yaml'), exts.join('---\n'));
  for (const c of CLUSTERS) {
    const a = await runCli(['render', FLEET, '--offline', '--cluster', c]);
    const b = await runCli(['render', repo, '--offline', '--cluster', c]);
    assert.is(b.code, 0, b.stderr);
    // Only the source annotation names the files.
    assert.is(b.stdout.replace(/meshext\.dev\/source: .*/g, ''), a.stdout.replace(/meshext\.dev\/source: .*/g, ''), c);
  }
});

test('kustomize: the ExtensionGenerator\'s spec.cluster chooses the cluster, as --cluster does', async () => {
  const config = (cluster?: string) => `apiVersion: meshext.dev/v1alpha1\nkind: ExtensionGenerator\nmetadata: {name: mesh}\nspec:\n  paths: [${FLEET}]\n  offline: true\n${cluster ? `  cluster: ${cluster}\n` : ''}`;
  const list = (cluster?: string) => `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n${config(cluster).replace(/^/gm, '  ')}`;
  const krm = await runCli([], { stdin: list('prod-eu-west'), stdinIsTTY: false, cwd: tempDir() });
  assert.is(krm.code, 0, krm.stderr);
  const items = (parse(krm.stdout) as { items: unknown[] }).items;
  const cli = await runCli(['render', FLEET, '--offline', '--format', 'json', '--cluster', 'prod-eu-west']);
  assert.equal(items, (JSON.parse(cli.stdout) as { items: unknown[] }).items);
  const missing = await runCli([], { stdin: list(), stdinIsTTY: false, cwd: tempDir() });
  assert.is(missing.code, 1);
  assert.match(missing.stdout, /this repository holds Meshes for 3 clusters \(prod-eu-west, prod-us-east, staging-eu\)/);
  const wrong = await runCli([], { stdin: list('prod-ap-south'), stdinIsTTY: false, cwd: tempDir() });
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /spec\.cluster of the ExtensionGenerator asks for cluster "prod-ap-south", which no Mesh names/);
});

test('--locked in a render of one cluster does not call the other clusters\' images stale', async () => {
  const r = await runCli(['render', FLEET, '--offline', '--locked', '--cluster', 'prod-us-east']);
  assert.is(r.code, 0, r.stderr);
  // header-append:1.3-rc.1 is staging's canary: prod-us-east does not use it, the fleet does.
  assert.not.match(r.stdout, /1\.3-rc\.1/);
  const repo = copyOf(FLEET);
  const lock = readFileSync(join(repo, 'meshext.lock'), 'utf8');
  writeFileSync(join(repo, 'meshext.lock'), `${lock}  registry.example.com/platform/unused:1.0:\n    url: oci://registry.example.com/platform/unused@sha256:${'a'.repeat(64)}\n    digest: sha256:${'a'.repeat(64)}\n    format: compat\n    moduleSha256: ${'b'.repeat(64)}\n    defaults: {}\n`);
  const stale = await runCli(['render', repo, '--offline', '--locked', '--cluster', 'prod-us-east']);
  assert.is(stale.code, 1);
  assert.match(stale.stderr, /the lock pins images no declaration uses \(registry\.example\.com\/platform\/unused:1\.0\)/);
});

// Against a real registry: each image is resolved once however many clusters use it.
let reg: TestRegistry;
test.before(async () => {
  reg = await startRegistry();
});
test.after(async () => {
  await reg.stop();
});

function fleetRepo(host: string): string {
  const dir = tempDir();
  const mesh = (cluster: string, env: string) => `apiVersion: meshext.dev/v1alpha1\nkind: Mesh\nmetadata: {name: ${cluster}, labels: {env: ${env}}}\nspec:\n  cluster: ${cluster}\n  istioVersion: "1.24"\n  namespaces: [{name: payments, tenant: shop}]\n`;
  writeFileSync(join(dir, 'meshes.yaml'), [mesh('east', 'prod'), mesh('west', 'prod'), mesh('staging', 'staging')].join('---\n'));
  writeFileSync(
    join(dir, 'ext.yaml'),
    `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: hdr, namespace: istio-system}\nspec:\n  image: ${host}/fleet/hdr:1.0\n  overrides:\n  - clusterSelector: {matchLabels: {env: staging}}\n    image: ${host}/fleet/hdr:2.0-rc\n---\napiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: stats, namespace: istio-system}\nspec:\n  image: ${host}/fleet/stats:1.0\n  clusters: [east, west]\n`,
  );
  return dir;
}

const manifestRequests = (from: number) => reg.requests().slice(from).filter((e) => /\/manifests\//.test(e.path));

test('render --all-clusters resolves each image once for every cluster; lock writes one lock for the fleet; lock --cluster re-resolves only that cluster\'s', async () => {
  for (const [repo, tag, name] of [['fleet/hdr', '1.0', 'hdr-1'], ['fleet/hdr', '2.0-rc', 'hdr-2'], ['fleet/stats', '1.0', 'stats-1']] as const) await push(reg, repo, tag, artifact(wasm(name), { rootIds: ['root'] }));
  const dir = fleetRepo(reg.host);
  const cache = tempDir();
  const env = { PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: cache };
  const before = reg.requests().length;
  const all = await runCli(['render', dir, '--all-clusters', '-o', join(dir, 'out')], { env });
  assert.is(all.code, 0, all.stderr);
  // Three tags, used by three clusters: each tag asked once, each manifest fetched once.
  const asked = manifestRequests(before).map((e) => e.path);
  assert.equal(asked.filter((p) => !p.includes('sha256:')).sort(), [`/v2/fleet/hdr/manifests/1.0`, `/v2/fleet/hdr/manifests/2.0-rc`, `/v2/fleet/stats/manifests/1.0`]);
  const byDigest = asked.filter((p) => p.includes('sha256:'));
  assert.is(byDigest.length, 3);
  assert.equal(byDigest, [...new Set(byDigest)], 'no manifest fetched twice');

  const locked = await runCli(['lock', dir], { env });
  assert.is(locked.code, 0, locked.stderr);
  const lock = parse(readFileSync(join(dir, 'meshext.lock'), 'utf8')) as { images: Record<string, { digest: string }> };
  assert.equal(Object.keys(lock.images), [`${reg.host}/fleet/hdr:1.0`, `${reg.host}/fleet/hdr:2.0-rc`, `${reg.host}/fleet/stats:1.0`]);
  for (const c of ['east', 'west', 'staging']) {
    const r = await runCli(['render', dir, '--locked', '--offline', '--cluster', c], { env: { ...env, XDG_CACHE_HOME: tempDir() } });
    assert.is(r.code, 0, `${c}: ${r.stderr}`);
  }

  // Both tags move; locking staging alone takes its canary's move and keeps prod's pins.
  const movedCanary = artifact(wasm('hdr-2-moved'), { rootIds: ['root'] });
  await push(reg, 'fleet/hdr', '2.0-rc', movedCanary);
  await push(reg, 'fleet/stats', '1.0', artifact(wasm('stats-moved'), { rootIds: ['root'] }));
  const staging = await runCli(['lock', dir, '--cluster', 'staging'], { env });
  assert.is(staging.code, 0, staging.stderr);
  const after = parse(readFileSync(join(dir, 'meshext.lock'), 'utf8')) as { images: Record<string, { digest: string }> };
  assert.is(after.images[`${reg.host}/fleet/hdr:2.0-rc`]!.digest, movedCanary.digest);
  assert.is(after.images[`${reg.host}/fleet/stats:1.0`]!.digest, lock.images[`${reg.host}/fleet/stats:1.0`]!.digest, 'prod\'s pin kept');
  assert.is(after.images[`${reg.host}/fleet/hdr:1.0`]!.digest, lock.images[`${reg.host}/fleet/hdr:1.0`]!.digest);
});

test.run();
