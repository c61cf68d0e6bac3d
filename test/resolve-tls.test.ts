// Registries over TLS, for real: Debian's docker-registry serving certificates a test CA made with
// openssl (test/_tls.ts), its token server on TLS too. Trust comes only from what users configure:
// a certs.d directory (MESHEXT_CERTS_D points at a temporary one), NODE_EXTRA_CA_CERTS (read by
// Node at start-up, so through the CLI in a child process), or insecureRegistries. A certificate
// that does not verify is an error naming the registry and the reason, never a fallback to plain
// HTTP; only a loopback server that does not speak TLS at all is reached over plain HTTP.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { join } from 'node:path';
import { convertImage } from '../src/resolve/convert-image.ts';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import { tlsFailure } from '../src/resolve/tls.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { pushFixtures, sha256, wasm } from './_images.ts';
import type { Fixture } from './_images.ts';
import { PASSWORD, startRegistry, tempDir, USER } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { certsD, makePki } from './_tls.ts';
import type { TestPki } from './_tls.ts';

let pki: TestPki;
let secure: TestRegistry; // token auth, CA-signed certificate
let mtls: TestRegistry; // requires a client certificate
let selfSigned: TestRegistry;
let wrongHost: TestRegistry;
let expired: TestRegistry;
let plain: TestRegistry; // loopback, no TLS at all
let fx: Record<string, Fixture>;
let mfx: Record<string, Fixture>;
let sfx: Record<string, Fixture>;
let pfx: Record<string, Fixture>;
let dockerConfig: string;
const outputs: string[] = [];

test.before(async () => {
  pki = makePki();
  const withCa = { ca: pki.ca.cert };
  [secure, mtls, selfSigned, wrongHost, expired, plain] = await Promise.all([
    startRegistry({ auth: 'token', tls: { ...pki.server, ...withCa } }),
    startRegistry({ tls: { ...pki.server, ...withCa, clientCa: pki.ca.cert, client: pki.client } }),
    startRegistry({ tls: { ...pki.selfSigned, ca: pki.selfSigned.cert } }),
    startRegistry({ tls: { ...pki.wrongHost, ...withCa } }),
    startRegistry({ tls: { ...pki.expired, ...withCa } }),
    startRegistry(),
  ]);
  [fx, mfx, sfx, pfx] = await Promise.all([pushFixtures(secure), pushFixtures(mtls), pushFixtures(selfSigned), pushFixtures(plain)]);
  dockerConfig = tempDir();
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [secure.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
});
test.after(async () => {
  await Promise.all([secure, mtls, selfSigned, wrongHost, expired, plain].map((r) => r.stop()));
});

const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;
const trustCa = (reg: TestRegistry): string => certsD(reg.host, { 'ca.crt': pki.ca.cert });

type Got = { digest?: string; url?: string; moduleSha256?: string; code?: string; message?: string };

async function resolve(image: string, env: Record<string, string>, insecureRegistries: string[] = []): Promise<Got> {
  const r = ref(image);
  const resolver = createLiveResolver({ cacheDir: tempDir(), env: { DOCKER_CONFIG: tempDir(), ...env }, insecureRegistries, retry: { attempts: 2, baseDelayMs: 10 }, log: (l) => void outputs.push(l) });
  const got = (await resolver.resolveAll([r])).get(r.canonical) as Got;
  if (got.message) outputs.push(got.message);
  return got;
}

test('certs.d trust: every image format resolves from a TLS registry whose token server is on TLS too', async () => {
  const env = { MESHEXT_CERTS_D: trustCa(secure) };
  for (const name of ['compatOci', 'compatDocker', 'artifact', 'maistraPlugin', 'index', 'dockerList'] as const) {
    const f = fx[name]!;
    const got = await resolve(`${secure.host}/${f.repo}:${f.tag}`, env);
    assert.is(got.message, undefined, name);
    assert.is(got.digest, f.platformDigest, name);
    assert.is(got.url, `oci://${secure.host}/${f.repo}@${f.platformDigest}`, name);
    if (f.moduleSha256) assert.is(got.moduleSha256, f.moduleSha256, name);
  }
  assert.ok(secure.tokenRequests.length > 0, 'the token server was asked');
  // A private repository: Basic credentials exchanged for a token over TLS.
  const priv = await resolve(`${secure.host}/private/compat:latest`, { ...env, DOCKER_CONFIG: dockerConfig });
  assert.is(priv.digest, fx.private!.platformDigest);
});

test('an unknown CA is an error naming the registry and the reason, with no plain-HTTP retry', async () => {
  const before = secure.requests().length;
  const got = await resolve(`${secure.host}/istio/compat:latest`, {});
  assert.is(got.code, 'RESOLVE_FAILED');
  assert.match(got.message!, `the TLS certificate of ${secure.host} is self-signed or signed by an unknown authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
  assert.match(got.message!, 'NODE_EXTRA_CA_CERTS');
  assert.not.match(got.message!, 'http://');
  assert.is(secure.requests().length, before, 'no request reached the registry');
});

test('a self-signed certificate fails; insecureRegistries skips verification (still over TLS)', async () => {
  const image = `${selfSigned.host}/istio/compat:latest`;
  const bad = await resolve(image, {});
  assert.match(bad.message!, `the TLS certificate of ${selfSigned.host} is self-signed or signed by an unknown authority (DEPTH_ZERO_SELF_SIGNED_CERT)`);
  const ok = await resolve(image, {}, [selfSigned.host]);
  assert.is(ok.digest, sfx.compatOci!.digest);
  assert.ok(selfSigned.requests().some((r) => r.path === '/v2/istio/compat/manifests/latest'), 'the TLS registry answered');
});

test('a certificate for another host name is an error naming both', async () => {
  const got = await resolve(`${wrongHost.host}/istio/compat:latest`, { MESHEXT_CERTS_D: trustCa(wrongHost) });
  assert.match(got.message!, `the TLS certificate of ${wrongHost.host} is for another host name (ERR_TLS_CERT_ALTNAME_INVALID`);
  assert.match(got.message!, 'the certificate names DNS:wrong.example');
});

test('an expired certificate is an error saying so', async () => {
  const got = await resolve(`${expired.host}/istio/compat:latest`, { MESHEXT_CERTS_D: trustCa(expired) });
  assert.match(got.message!, `the TLS certificate of ${expired.host} has expired (CERT_HAS_EXPIRED)`);
});

test('client certificates: required and missing is an error; client.cert and client.key from certs.d work', async () => {
  const image = `${mtls.host}/istio/compat:latest`;
  const missing = await resolve(image, { MESHEXT_CERTS_D: trustCa(mtls) });
  assert.match(missing.message!, `${mtls.host} closed the TLS connection without answering (UND_ERR_SOCKET); if it requires a TLS client certificate, put client.cert and client.key in certs.d/${mtls.host}/`);
  assert.match(missing.message!, `https://${mtls.host}/v2/`);
  const dir = certsD(mtls.host, { 'ca.crt': pki.ca.cert, 'client.cert': pki.client.cert, 'client.key': pki.client.key });
  const ok = await resolve(image, { MESHEXT_CERTS_D: dir });
  assert.is(ok.message, undefined);
  assert.is(ok.digest, mfx.compatOci!.digest);
  // A certificate without its key is named, not ignored.
  const noKey = certsD(mtls.host, { 'ca.crt': pki.ca.cert, 'client.cert': pki.client.cert });
  const bad = await resolve(image, { MESHEXT_CERTS_D: noKey });
  assert.match(bad.message!, `${join(noKey, mtls.host, 'client.cert')} has no matching client.key`);
});

test('an unusable client key in certs.d is an error naming the files, never a fallback to plain HTTP', async () => {
  const image = `${mtls.host}/istio/compat:latest`;
  const garbage = join(tempDir(), 'garbage.key');
  writeFileSync(garbage, 'not a private key\n');
  const root = certsD(mtls.host, { 'ca.crt': pki.ca.cert, 'client.cert': pki.client.cert, 'client.key': garbage });
  const before = mtls.requests().length;
  const got = await resolve(image, { MESHEXT_CERTS_D: root });
  assert.is(got.code, 'RESOLVE_FAILED');
  assert.match(got.message!, `the client certificate ${join(root, mtls.host, 'client.cert')} and ${join(root, mtls.host, 'client.key')} cannot be used: `);
  assert.match(got.message!, /cannot be used: [a-z ]+ \(ERR_OSSL_[A-Z_]+\)$/);
  assert.not.match(got.message!, 'http://');
  assert.not.match(got.message!, 'not a private key');
  assert.is(mtls.requests().length, before, 'no request reached the registry');
  // An OpenSSL error at connect time is a TLS verdict too: the transport never downgrades after one.
  assert.is(tlsFailure({ code: 'ERR_OSSL_PEM_NO_START_LINE' }, mtls.host), `TLS with ${mtls.host} failed (ERR_OSSL_PEM_NO_START_LINE)`);
  assert.is(tlsFailure({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, mtls.host), undefined, 'what a plain-HTTP server answers is no verdict');
});

test('a loopback registry that does not speak TLS is reached over plain HTTP', async () => {
  const got = await resolve(`${plain.host}/istio/oci-artifact:latest`, {});
  assert.is(got.digest, pfx.artifact!.digest);
  assert.is(got.url, `oci://${plain.host}/istio/oci-artifact@${pfx.artifact!.digest}`);
});

test('convert-image pushes to a TLS registry with token auth, trusted through certs.d', async () => {
  const env = { DOCKER_CONFIG: dockerConfig, MESHEXT_CERTS_D: trustCa(secure) };
  const dst = `${secure.host}/converted/tls:1`;
  const result = await convertImage(ref(`${secure.host}/maistra/header-append:latest`), ref(dst), { cacheDir: tempDir(), env, insecureRegistries: [], log: (l) => void outputs.push(l) });
  assert.not.ok('code' in result, JSON.stringify(result));
  const back = await resolve(dst, env);
  assert.is(back.message, undefined);
  assert.is(back.moduleSha256, sha256(wasm('maistra')));
  assert.ok(secure.requests().some((r) => r.method === 'PUT' && r.path.startsWith('/v2/converted/tls/manifests/1')));
});

test('an https module URL is trusted through certs.d for its host', async () => {
  const module = wasm('https-module');
  const server: Server = createServer({ cert: readFileSync(pki.server.cert), key: readFileSync(pki.server.key) }, (_req, res) => res.end(module));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const url = `https://${host}/filter.wasm`;
    const bad = await resolve(url, {});
    assert.match(bad.message!, `the TLS certificate of ${host} is self-signed or signed by an unknown authority`);
    const ok = await resolve(url, { MESHEXT_CERTS_D: certsD(host, { 'ca.crt': pki.ca.cert }) });
    assert.is(ok.moduleSha256, sha256(module));
  } finally {
    server.close();
  }
});

test('the CLI trusts NODE_EXTRA_CA_CERTS, read by Node at start-up', async () => {
  const repo = tempDir();
  writeFileSync(
    join(repo, 'ext.yaml'),
    `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: tls-test, namespace: istio-system}\nspec:\n  image: ${secure.host}/private/compat:latest\n`,
  );
  // Asynchronous: the token server runs in this process and must keep answering.
  const run = (extra: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'meshext.cjs'), 'render', repo], {
        env: { PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: tempDir(), DOCKER_CONFIG: dockerConfig, MESHEXT_CERTS_D: tempDir(), ...extra },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const without = await run({});
  outputs.push(without.stdout, without.stderr);
  assert.is(without.status, 3, without.stderr);
  assert.is(without.stdout, '');
  assert.match(without.stderr, `the TLS certificate of ${secure.host} is self-signed or signed by an unknown authority`);
  assert.not.match(without.stderr, /\n\s+at /, 'no stack trace');
  const trusted = await run({ NODE_EXTRA_CA_CERTS: pki.ca.cert });
  outputs.push(trusted.stdout, trusted.stderr);
  assert.is(trusted.status, 0, trusted.stderr);
  assert.match(trusted.stdout, `oci://${secure.host}/private/compat@${fx.private!.platformDigest}`);
});

test('no password, token or client key appears in any message, log line or CLI output', () => {
  const text = outputs.join('\n');
  assert.ok(text.length > 0);
  const key = readFileSync(pki.client.key, 'utf8');
  for (const secret of [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), ...secure.issuedTokens, key, key.split('\n')[1]!]) {
    assert.not.ok(text.includes(secret), `a secret leaked: ${secret.slice(0, 12)}…`);
  }
});

test.run();
