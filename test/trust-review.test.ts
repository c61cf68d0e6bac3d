// Trust findings of a security review, each a way an image could render as verified, or a check be
// skipped, that the other trust tests did not cover: end to end through the CLI against Debian's
// docker-registry, with real signatures (test/_sigstore.ts).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createRedactor } from '../src/resolve/redact.ts';
import { createTransport } from '../src/resolve/transport.ts';
import { runCli } from './_cli.ts';
import { startRegistry } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { loadVerifier } from '../src/resolve/trust/load-verifier.ts';
import { SLSA_PROVENANCE, classicAttLayer, keyInputs, newKey, randomDigest, testPolicy } from './_sigstore.ts';
import { compatImage, env, extension, lockOf, mesh, repoWith, signClassic, verifiedBy } from './_trust-cli.ts';

let reg: TestRegistry;
test.before(async () => {
  reg = await startRegistry();
});
test.after(async () => {
  await reg.stop();
});

/** Adds to the lock in `dir` a `verified:` entry for `ref` that no signature backs. */
function forgeEvidence(dir: string, ref: string, policy: string, digest: string): void {
  const lock = lockOf(dir);
  lock.images[ref].verified = [{ policy, by: 'key sha256:forged', signedDigest: digest, evidence: [{ at: '.sig tag', bundle: '{}' }] }];
  writeFileSync(join(dir, 'meshext.lock'), stringify(lock));
}

test('a forged verified: entry in the lock for an image no policy covers (unmatched: allow, or warn with deny) never becomes meshext.dev/verified-by', async () => {
  const img = await compatImage(reg, 'review/uncovered');
  const ref = `${reg.host}/review/uncovered:v1`;
  const key = newKey('p256');
  for (const trust of [`unmatched: allow`, `mode: warn\nunmatched: deny`]) {
    const dir = repoWith({
      'mesh.yaml': mesh(`${trust}\npolicies:\n- name: platform\n  images: ["${reg.host}/elsewhere/**"]\n  keys: [cosign.pub]`),
      'cosign.pub': key.pem,
      'ext.yaml': extension('ext', ref),
    });
    const locked = await runCli(['lock', dir], { env: env() });
    assert.is(locked.code, 0, locked.stderr);
    forgeEvidence(dir, ref, 'platform', img.digest);
    const out = await runCli(['render', dir, '--offline'], { env: env() });
    assert.is(out.code, 0, out.stderr);
    assert.equal(verifiedBy(out.stdout), { 'WasmPlugin/ext': undefined }, trust);
  }
});

test('meshext verify lists a file:// module a policy covers as failed and exits 3, in mode warn too (render prints it with a warning)', async () => {
  const key = newKey('p256');
  for (const mode of ['enforce', 'warn']) {
    const dir = repoWith({
      'mesh.yaml': mesh(`mode: ${mode}\npolicies:\n- name: p\n  images: ["file:///**"]\n  keys: [k.pub]`),
      'k.pub': key.pem,
      'ext.yaml': extension('ext', 'file:///opt/filters/x.wasm'),
    });
    const out = await runCli(['verify', dir, '--format', 'json'], { env: env() });
    assert.is(out.code, 3, `${mode}: ${out.stderr}`);
    const report = JSON.parse(out.stdout);
    assert.is(report.passed, false, mode);
    assert.equal(
      report.images.map((i: any) => [i.ref, i.passed, i.policies.map((p: any) => [p.policy, p.passed, p.reason])]),
      [['file:///opt/filters/x.wasm', false, [['p', false, "a file:// module is read from the proxy's own disk and never fetched, so its signature cannot be checked"]]]],
      mode,
    );
  }
});

test('meshext verify with unusable policy material (a key that is a private key) exits 1 and its JSON does not say passed', async () => {
  const img = await compatImage(reg, 'review/material');
  const dir = repoWith({
    'mesh.yaml': mesh(`policies:\n- name: p\n  images: ["${reg.host}/review/**"]\n  keys: [k.pub]`),
    'k.pub': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    'ext.yaml': extension('ext', `${reg.host}/review/material:v1`),
  });
  const out = await runCli(['verify', dir, '--format', 'json'], { env: env() });
  assert.is(out.code, 1, out.stderr);
  assert.is(JSON.parse(out.stdout).passed, false, `${img.digest}: ${out.stdout}`);
  const text = await runCli(['verify', dir], { env: env() });
  assert.is(text.code, 1, text.stderr);
});

test('a plain-HTTP registry asked twice at once (as discovery asks for the .sig tag and the referrers): a TLS failure that comes back after the other request learnt plain HTTP falls back too, with no retry (a fake server holds the first TLS hello until then, an order a real one leaves to chance)', async () => {
  let held: Duplex | undefined;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url);
    // The other request has now taught the transport plain HTTP: let the first TLS hello fail.
    if (req.url === '/v2/r/b') held?.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  let hellos = 0;
  server.on('clientError', (_e, socket) => {
    if (hellos++ === 0) held = socket;
    else socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logs: string[] = [];
  try {
    const t = createTransport({ env: {}, insecureRegistries: [], redactor: createRedactor(), retry: { attempts: 1 }, log: (l) => void logs.push(l) });
    const ask = (path: string) => t.registry({ registry: host, repository: 'r', method: 'GET', path, ok: [200], maxBytes: 1024 });
    const a = ask('/v2/r/a');
    await new Promise<void>((r) => {
      const wait = (): void => void (held ? r() : setImmediate(wait));
      wait();
    });
    const [ra, rb] = await Promise.all([a, ask('/v2/r/b')]);
    assert.equal([ra, rb].map((x) => ('headers' in x ? [x.status, x.body.toString()] : x)), [[200, '/v2/r/a'], [200, '/v2/r/b']]);
    assert.equal(logs, []);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a policy listing one attestation type twice is satisfied by one verified attestation of that type', async () => {
  const v = await loadVerifier();
  const key = newKey('p256');
  const policy = testPolicy({ keys: [key], attestations: [SLSA_PROVENANCE, SLSA_PROVENANCE] });
  const loaded = v.loadMaterial({ keys: keyInputs(policy) });
  if ('errors' in loaded) throw new Error(JSON.stringify(loaded.errors));
  const digest = randomDigest();
  const r = v.verifyImage({ ref: 'registry.example.com/platform/filter', digest, own: [classicAttLayer(digest, key)] }, policy, loaded);
  assert.ok(r.ok, r.ok ? '' : r.message);
});

test('meshext lock --cluster keeps the evidence another cluster\'s policy holds for an image both clusters use (its pin unchanged), so that cluster still renders offline', async () => {
  const img = await compatImage(reg, 'review/shared');
  const key = newKey('p256');
  await signClassic(reg, 'review/shared', img.digest, [key]);
  const ref = `${reg.host}/review/shared:v1`;
  const meshOf = (cluster: string) =>
    mesh(`policies:\n- name: ${cluster}-platform\n  images: ["${reg.host}/review/**"]\n  keys: [cosign.pub]`).replace('metadata: {name: mesh}\nspec:\n', `metadata: {name: ${cluster}}\nspec:\n  cluster: ${cluster}\n`);
  const dir = repoWith({ 'a/mesh.yaml': meshOf('a'), 'a/cosign.pub': key.pem, 'b/mesh.yaml': meshOf('b'), 'b/cosign.pub': key.pem, 'ext.yaml': extension('ext', ref) });
  const all = await runCli(['lock', dir], { env: env() });
  assert.is(all.code, 0, all.stderr);
  const policies = () => lockOf(dir).images[ref].verified.map((v: { policy: string }) => v.policy).sort();
  assert.equal(policies(), ['a-platform', 'b-platform']);
  const one = await runCli(['lock', dir, '--cluster', 'a'], { env: env() });
  assert.is(one.code, 0, one.stderr);
  assert.equal(policies(), ['a-platform', 'b-platform']);
  const b = await runCli(['render', dir, '--cluster', 'b', '--offline', '--locked'], { env: env() });
  assert.is(b.code, 0, b.stderr);
  assert.equal(verifiedBy(b.stdout), { 'WasmPlugin/ext': `key ${key.id}` });
  assert.is((await runCli(['lock', dir, '--check'], { env: env() })).code, 0);
});

test('a trustedRoot path that names a file of secrets (not JSON) fails naming the file, without quoting any of its content', async () => {
  const img = await compatImage(reg, 'review/root-secret');
  const key = newKey('p256');
  const secret = 'hunter2-Secr3t-value';
  const dir = repoWith({
    'mesh.yaml': mesh(`trustedRoot: .env\npolicies:\n- name: p\n  images: ["${reg.host}/review/**"]\n  keys: [k.pub]`),
    'k.pub': key.pem,
    '.env': `PASSWORD=${secret}\n`,
    'ext.yaml': extension('ext', `${reg.host}/review/root-secret:v1`),
  });
  const out = await runCli(['render', dir], { env: env() });
  assert.is(out.code, 1, `${img.digest}: ${out.stderr}`);
  assert.match(out.stderr, 'trustedRoot .env: the trusted root is not valid JSON');
  assert.not.ok(out.stderr.includes('PASSWORD') || out.stderr.includes(secret), out.stderr);
});

test.run();
