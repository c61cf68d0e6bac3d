// http(s) modules under a trust policy, end to end through the CLI: the module and its Sigstore bundle
// (`<url>.sigstore.json`, or the declaration's spec.signature) served by a small local file server
// (a real one: it serves files and nothing else), signed with a key through @sigstore/sign
// (test/_sigstore.ts). The signature covers the bytes as downloaded, which the render must pin.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { runCli } from './_cli.ts';
import { wasm } from './_images.ts';
import { startRegistry } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { keyBundle, newKey, statement } from './_sigstore.ts';
import { compatImage, diagnostics, docs, env, extension, lockOf, mesh, repoWith, verifiedBy } from './_trust-cli.ts';

let reg: TestRegistry;
test.before(async () => {
  reg = await startRegistry();
});
test.after(async () => {
  await reg.stop();
});

/** A local file server (a real one: it only serves files) for http(s) modules and their bundles. */
async function fileServer(bodies: Record<string, Buffer>): Promise<{ base: string; close(): void }> {
  const server: Server = createServer((req, res) => {
    const b = bodies[req.url ?? ''];
    res.writeHead(b ? 200 : 404).end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

const sha256Of = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('an http module with a message-signature bundle at <url>.sigstore.json: verified over the bytes served; the lock keeps it and a --locked render checks it over a fresh download; --offline cannot check it; a lock whose moduleSha256 was edited, and a bundle over other bytes, are refused', async () => {
  const key = newKey('p256');
  const module = wasm('http-signed');
  const bundle = await keyBundle(key, module);
  const server = await fileServer({
    '/filter.wasm': module,
    '/filter.wasm.sigstore.json': Buffer.from(JSON.stringify(bundle)),
    '/forged.wasm': module,
    '/forged.wasm.sigstore.json': Buffer.from(JSON.stringify(await keyBundle(key, wasm('something else')))),
  });
  const url = `${server.base}/filter.wasm`;
  try {
    const trust = `policies:\n- name: modules\n  images: ["${server.base}/**"]\n  keys: [cosign.pub]`;
    const dir = repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', url) });
    const r = await runCli(['render', dir], { env: env() });
    assert.is(r.code, 0, r.stderr);
    assert.equal(verifiedBy(r.stdout), { 'WasmPlugin/ext': `key ${key.id}` });
    assert.is(docs(r.stdout)[0]!.spec.sha256, sha256Of(module).slice(7));
    const l = await runCli(['lock', dir], { env: env() });
    assert.is(l.code, 0, l.stderr);
    assert.equal(lockOf(dir).images[url].verified, [{ policy: 'modules', by: `key ${key.id}`, signedDigest: sha256Of(module), evidence: [{ at: 'url', bundle: JSON.stringify(bundle) }] }]);
    const strict = await runCli(['render', dir, '--locked'], { env: env() });
    assert.is(strict.code, 0, strict.stderr);
    assert.is(strict.stderr, '');
    assert.is(strict.stdout, r.stdout);
    // A message signature covers the bytes themselves: without the download there is nothing to check it over.
    const offline = await runCli(['render', dir, '--offline'], { env: env() });
    assert.is(offline.code, 3);
    assert.is(offline.stdout, '');
    assert.equal(diagnostics(offline.stderr), [
      `ext.yaml:4:8: error: image ${url} is not verified: the lock's evidence for policy modules is a message signature over the module as downloaded, which only the download can check, and --offline forbids the download (field spec.image)`,
      'meshext: 1 error; nothing was written',
    ]);

    // The lock's moduleSha256 edited to another module's: the signed download is not what would be rendered.
    const lock = lockOf(dir);
    const evil = createHash('sha256').update(wasm('evil')).digest('hex');
    lock.images[url].moduleSha256 = evil;
    writeFileSync(join(dir, 'meshext.lock'), stringify(lock));
    const edited = await runCli(['render', dir], { env: env() });
    assert.is(edited.code, 3);
    assert.is(edited.stdout, '');
    assert.equal(diagnostics(edited.stderr), [
      `ext.yaml:4:8: error: image ${url} is not verified: the module downloaded now hashes to ${sha256Of(module)} (unwrapped), not sha256:${evil} as the render pins it, so its signature would vouch for other bytes than those rendered; run meshext lock (field spec.image)`,
      'meshext: 1 error; nothing was written',
    ]);

    const forgedUrl = `${server.base}/forged.wasm`;
    const forged = await runCli(['render', repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', forgedUrl) })], { env: env() });
    assert.is(forged.code, 3);
    assert.is(forged.stdout, '');
    assert.is(
      diagnostics(forged.stderr)[0],
      `ext.yaml:4:8: error: image ${forgedUrl} is not verified: ${forgedUrl}@${sha256Of(module)}: signature does not verify with key ${key.id}: the signature is not valid for the signed content (SIGNATURE_ERROR: signature verification failed) (field spec.image)`,
    );
  } finally {
    server.close();
  }
});

test('an http module signed with an in-toto statement about its sha256: served unwrapped, the lock alone verifies it offline; served gzipped, the statement is about the download, which only a download binds to the module', async () => {
  const key = newKey('p256');
  const module = wasm('http-statement');
  const gzipped = gzipSync(module);
  const stmt = (b: Buffer) => keyBundle(key, statement(sha256Of(b)), { dsse: true });
  const server = await fileServer({
    '/plain.wasm': module,
    '/plain.wasm.sigstore.json': Buffer.from(JSON.stringify(await stmt(module))),
    '/packed.wasm.gz': gzipped,
    '/packed.wasm.gz.sigstore.json': Buffer.from(JSON.stringify(await stmt(gzipped))),
  });
  try {
    const trust = `policies:\n- name: modules\n  images: ["${server.base}/**"]\n  keys: [cosign.pub]`;
    for (const [path, offlineOk] of [['/plain.wasm', true], ['/packed.wasm.gz', false]] as const) {
      const url = `${server.base}${path}`;
      const dir = repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', url) });
      const l = await runCli(['lock', dir], { env: env() });
      assert.is(l.code, 0, l.stderr);
      const entry = lockOf(dir).images[url];
      assert.is(entry.moduleSha256, sha256Of(module).slice(7));
      assert.is(entry.verified[0].signedDigest, sha256Of(offlineOk ? module : gzipped));
      const online = await runCli(['render', dir, '--locked'], { env: env() });
      assert.is(online.code, 0, online.stderr);
      assert.is(online.stderr, '');
      assert.equal(verifiedBy(online.stdout), { 'WasmPlugin/ext': `key ${key.id}` });
      const offline = await runCli(['render', dir, '--offline'], { env: env() });
      if (offlineOk) {
        assert.is(offline.code, 0, offline.stderr);
        assert.is(offline.stderr, '');
        assert.is(offline.stdout, online.stdout);
      } else {
        assert.is(offline.code, 3);
        assert.is(offline.stdout, '');
        assert.equal(diagnostics(offline.stderr), [
          `ext.yaml:4:8: error: image ${url} is not verified: the lock's evidence for policy modules is about the download ${sha256Of(gzipped)}, not the module ${sha256Of(module)} itself (the module is served wrapped in gzip or tar), which only a download can bind, and --offline forbids the download (field spec.image)`,
          'meshext: 1 error; nothing was written',
        ]);
      }
    }
  } finally {
    server.close();
  }
});

test('an http module whose declaration names its bundle (spec.signature) is verified with that bundle; a named bundle that is missing fails; spec.signature on an OCI image is refused', async () => {
  const key = newKey('p256');
  const module = wasm('http-named');
  const bundle = await keyBundle(key, module);
  const server = await fileServer({ '/named.wasm': module, '/bundles/named.json': Buffer.from(JSON.stringify(bundle)) });
  try {
    const trust = `policies:\n- name: modules\n  images: ["${server.base}/**"]\n  keys: [cosign.pub]`;
    const decl = (sig: string) => `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: ext, namespace: istio-system}\nspec: {image: "${server.base}/named.wasm", signature: "${sig}", phase: AUTHZ}\n`;
    const dir = repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': decl(`${server.base}/bundles/named.json`) });
    const r = await runCli(['render', dir], { env: env() });
    assert.is(r.code, 0, r.stderr);
    assert.equal(verifiedBy(r.stdout), { 'WasmPlugin/ext': `key ${key.id}` });
    assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
    const strict = await runCli(['render', dir, '--locked'], { env: env() });
    assert.is(strict.code, 0, strict.stderr);
    assert.is(strict.stderr, '');
    const missing = await runCli(['render', repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': decl(`${server.base}/bundles/gone.json`) })], { env: env() });
    assert.is(missing.code, 3);
    assert.is(missing.stdout, '');
    assert.is(diagnostics(missing.stderr)[0], `ext.yaml:4:8: error: image ${server.base}/named.wasm is not verified: signature bundle: GET ${server.base}/bundles/gone.json: 404 Not Found (field spec.image)`);
    await compatImage(reg, 'trust/sig-oci');
    const oci = await runCli(['render', repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: ext, namespace: istio-system}\nspec: {image: "${reg.host}/trust/sig-oci:v1", signature: "${server.base}/bundles/named.json", phase: AUTHZ}\n` })], { env: env() });
    assert.is(oci.code, 1);
    assert.is(oci.stdout, '');
    assert.ok(
      diagnostics(oci.stderr).includes(`ext.yaml:4:51: error: signature names the Sigstore bundle of an http(s) module; ${reg.host}/trust/sig-oci:v1 is an OCI image, whose signatures are found in its registry (field spec.signature)`),
      oci.stderr,
    );
  } finally {
    server.close();
  }
});

test.run();
