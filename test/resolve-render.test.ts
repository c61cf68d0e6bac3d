// Render, lock, --locked and --offline end to end against a real registry (Distribution's
// docker-registry on loopback), driven through the CLI as a user would.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from './_cli.ts';
import { artifact, push, pushFixtures, wasm } from './_images.ts';
import type { Fixture } from './_images.ts';
import { PASSWORD, USER, startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

let reg: TestRegistry;
let fx: Record<string, Fixture>;

test.before(async () => {
  reg = await startRegistry();
  fx = await pushFixtures(reg);
});
test.after(async () => {
  await reg.stop();
});

function repoWith(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const env = (cache: string, extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: cache, ...extra });

function declarations(): Record<string, string> {
  return {
    'ext.yaml': `apiVersion: meshext.dev/v1alpha1
kind: Extension
metadata: {name: hdr, namespace: istio-system}
spec: {image: "${reg.host}/istio/oci-artifact:latest", phase: AUTHZ, priority: 5}
---
apiVersion: maistra.io/v1
kind: ServiceMeshExtension
metadata: {name: legacy, namespace: shop}
spec: {image: "${reg.host}/maistra/plugin:latest"}
`,
  };
}

test('render without a lock resolves live: pins digests, reads defaults, warns', async () => {
  const dir = repoWith(declarations());
  const r = await runCli(['render', dir], { env: env(tempDir()) });
  assert.is(r.code, 0, r.stderr);
  const [hdr, legacy] = r.stdout.split('---\n').map((d) => parse(d));
  assert.is(hdr.spec.url, `oci://${reg.host}/istio/oci-artifact@${fx.artifact!.platformDigest}`);
  assert.is(hdr.spec.pluginName, 'add_header');
  assert.is(hdr.metadata.annotations['meshext.dev/image'], `${reg.host}/istio/oci-artifact:latest`);
  assert.is(legacy.spec.url, `oci://${reg.host}/maistra/plugin@${fx.maistraPlugin!.platformDigest}`);
  assert.is(legacy.spec.phase, 'AUTHN'); // manifest.yaml: PreAuthN, priority 10
  assert.is(legacy.spec.priority, 10);
  assert.match(r.stderr, new RegExp(`warning: image ${reg.host}/istio/oci-artifact:latest is not in the lock; resolved live`));
});

test('lock pins; render honours the lock after the tag moves; --locked catches the move; lock accepts it', async () => {
  const dir = repoWith(declarations());
  const cache = tempDir();
  const locked = await runCli(['lock', dir], { env: env(cache) });
  assert.is(locked.code, 0, locked.stderr);
  const lock = parse(readFileSync(join(dir, 'meshext.lock'), 'utf8'));
  assert.equal(Object.keys(lock.images), [`${reg.host}/istio/oci-artifact:latest`, `${reg.host}/maistra/plugin:latest`]);
  assert.equal(lock.images[`${reg.host}/maistra/plugin:latest`], {
    url: `oci://${reg.host}/maistra/plugin@${fx.maistraPlugin!.platformDigest}`,
    digest: fx.maistraPlugin!.platformDigest,
    format: 'compat',
    moduleSha256: fx.maistraPlugin!.moduleSha256,
    defaults: { phase: 'PreAuthN', priority: 10 },
  });
  const before = await runCli(['render', dir, '--locked'], { env: env(cache) });
  assert.is(before.code, 0, before.stderr);
  assert.is(before.stderr, '');
  const offline = await runCli(['render', dir, '--offline'], { env: env(tempDir()) });
  assert.is(offline.stdout, before.stdout);

  // The tag moves to another image.
  const moved = artifact(wasm('moved'), { rootIds: ['add_header'] });
  await push(reg, 'istio/oci-artifact', 'latest', moved);
  try {
    const honoured = await runCli(['render', dir], { env: env(cache) });
    assert.is(honoured.stdout, before.stdout, 'the lock wins over the moved tag');
    const strict = await runCli(['render', dir, '--locked'], { env: env(cache) });
    assert.is(strict.code, 3);
    assert.is(strict.stdout, '');
    assert.match(strict.stderr, new RegExp(`image ${reg.host}/istio/oci-artifact:latest now resolves to ${moved.digest}, but the lock pins ${fx.artifact!.platformDigest}; run meshext lock`));
    const relock = await runCli(['lock', dir], { env: env(cache) });
    assert.is(relock.code, 0, relock.stderr);
    const after = await runCli(['render', dir, '--locked'], { env: env(cache) });
    assert.is(after.code, 0, after.stderr);
    assert.ok(after.stdout.includes(`oci://${reg.host}/istio/oci-artifact@${moved.digest}`));
    const check = await runCli(['lock', dir, '--check'], { env: env(cache) });
    assert.is(check.code, 0, check.stderr);
  } finally {
    await push(reg, 'istio/oci-artifact', 'latest', artifactFixtureAgain());
  }
});

// The original fixture image, rebuilt byte for byte (images are deterministic).
function artifactFixtureAgain() {
  return artifact(wasm('artifact'), { rootIds: ['add_header'] });
}

test('an image Istio cannot load fails the render with exit 3, why, and how to fix it', async () => {
  const dir = repoWith({ 'sme.yaml': `apiVersion: maistra.io/v1\nkind: ServiceMeshExtension\nmetadata: {name: old, namespace: shop}\nspec: {image: "${reg.host}/maistra/header-append:latest"}\n` });
  const r = await runCli(['render', dir], { env: env(tempDir()) });
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /sme\.yaml:4:8: error: .*maistra\/header-append.*plugin\.wasm/);
  assert.match(r.stderr, /meshext convert-image/);
});

test('a warm render of a digest-pinned reference sends the registry no request', async () => {
  const ref = `${reg.host}/istio/compat@${fx.compatOci!.digest}`;
  const dir = repoWith({ 'ext.yaml': `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: c, namespace: istio-system}\nspec: {image: "${ref}"}\n` });
  const cache = tempDir();
  const cold = await runCli(['render', dir], { env: env(cache) });
  assert.is(cold.code, 0, cold.stderr);
  const count = reg.requests().length;
  const warm = await runCli(['render', dir], { env: env(cache) });
  assert.is(warm.stdout, cold.stdout);
  // --offline resolves it from the cache alone (the lock does not hold it); a cold cache cannot.
  const offline = await runCli(['render', dir, '--offline'], { env: env(cache) });
  assert.is(offline.code, 0, offline.stderr);
  assert.is(offline.stdout, cold.stdout);
  assert.match(offline.stderr, /is not in the lock; resolved from the cache/);
  assert.equal(reg.requests().slice(count), []);
  const coldOffline = await runCli(['render', dir, '--offline'], { env: env(tempDir()) });
  assert.is(coldOffline.code, 3);
  assert.is(coldOffline.stdout, '');
  assert.match(coldOffline.stderr, /not in the cache, and --offline forbids the network/);
  assert.equal(reg.requests().slice(count), []);
});

test('credentials from DOCKER_CONFIG authenticate and never appear in any output, lock or cache path', async () => {
  const priv = await startRegistry({ auth: 'basic' });
  try {
    const pfx = await pushFixtures(priv);
    const dockerConfig = tempDir();
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [priv.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const dir = repoWith({ 'ext.yaml': `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: p, namespace: istio-system}\nspec: {image: "${priv.host}/private/compat:latest"}\n` });
    const cache = tempDir();
    const anonymous = await runCli(['render', dir], { env: env(cache) });
    assert.is(anonymous.code, 3);
    const r = await runCli(['render', dir], { env: env(cache, { DOCKER_CONFIG: dockerConfig }) });
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(pfx.private!.platformDigest));
    const l = await runCli(['lock', dir], { env: env(cache, { DOCKER_CONFIG: dockerConfig }) });
    assert.is(l.code, 0, l.stderr);
    const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];
    const everything = [anonymous.stdout, anonymous.stderr, r.stdout, r.stderr, l.stdout, l.stderr, readFileSync(join(dir, 'meshext.lock'), 'utf8'), ...walk(cache)].join('\n');
    for (const s of secrets) assert.not.ok(everything.includes(s), 'a secret leaked');
  } finally {
    await priv.stop();
  }
});

test('a terminal stderr shows one progress line while images resolve; a pipe shows none', async () => {
  const dir = repoWith(declarations());
  const tty = await runCli(['render', dir], { env: env(tempDir()), stderrIsTTY: true });
  assert.is(tty.code, 0, tty.stderr);
  assert.ok(tty.stderr.includes('\rresolving images 0/2') && tty.stderr.includes('\rresolving images 2/2\n'), JSON.stringify(tty.stderr));
  const piped = await runCli(['render', dir], { env: env(tempDir()) });
  assert.not.ok(piped.stderr.includes('resolving images'));
  assert.is(piped.stdout, tty.stdout);
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? [p, ...walk(p)] : [p];
  });
}

test.run();
