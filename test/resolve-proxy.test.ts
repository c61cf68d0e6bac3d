// Resolution through a real proxy (tinyproxy, test/_proxy.ts) configured only by the environment a
// user sets: HTTPS_PROXY / HTTP_PROXY and NO_PROXY, in upper or lower case. The proxy's own log
// says whether a request went through it. A registry on 127.0.0.1 is proxied unless NO_PROXY names
// it, as curl does. Proxy credentials never appear in any message, log line or CLI output.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import { bypassed, proxyFor } from '../src/resolve/proxy.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { pushFixtures } from './_images.ts';
import type { Fixture } from './_images.ts';
import { startProxy } from './_proxy.ts';
import type { TestProxy } from './_proxy.ts';
import { startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { certsD, makePki } from './_tls.ts';

const PROXY_USER = 'proxy-user';
const PROXY_PASSWORD = 'Pr0xy-s3cret-9d';

let secure: TestRegistry;
let plain: TestRegistry;
let proxy: TestProxy;
let authProxy: TestProxy;
let sfx: Record<string, Fixture>;
let pfx: Record<string, Fixture>;
let certs: string;
let caFile: string;
const outputs: string[] = [];

test.before(async () => {
  const pki = makePki();
  caFile = pki.ca.cert;
  [secure, plain] = await Promise.all([startRegistry({ tls: { ...pki.server, ca: pki.ca.cert } }), startRegistry()]);
  [sfx, pfx] = await Promise.all([pushFixtures(secure), pushFixtures(plain)]);
  const ports = [secure, plain].map((r) => Number(r.host.split(':')[1]));
  [proxy, authProxy] = await Promise.all([startProxy({ connectPorts: ports }), startProxy({ connectPorts: ports, basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD } })]);
  certs = certsD(secure.host, { 'ca.crt': pki.ca.cert });
});
test.after(async () => {
  await Promise.all([secure.stop(), plain.stop(), proxy.stop(), authProxy.stop()]);
});

const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;
type Got = { digest?: string; message?: string };

async function resolve(image: string, env: Record<string, string>): Promise<Got> {
  const r = ref(image);
  const resolver = createLiveResolver({ cacheDir: tempDir(), env: { DOCKER_CONFIG: tempDir(), MESHEXT_CERTS_D: certs, ...env }, insecureRegistries: [], retry: { attempts: 2, baseDelayMs: 10 }, log: (l) => void outputs.push(l) });
  const got = (await resolver.resolveAll([r])).get(r.canonical) as Got;
  if (got.message) outputs.push(got.message);
  return got;
}

test('HTTPS_PROXY: a TLS registry is reached through the proxy (its log shows the tunnel), with certs.d trust inside it', async () => {
  const got = await resolve(`${secure.host}/istio/compat:latest`, { HTTPS_PROXY: proxy.url });
  assert.is(got.message, undefined);
  assert.is(got.digest, sfx.compatOci!.digest);
  assert.ok(proxy.connects().includes(secure.host), JSON.stringify(proxy.connects()));
});

test('http_proxy (lower case): a plain-HTTP loopback registry goes through the proxy too', async () => {
  const before = proxy.connects().length;
  const got = await resolve(`${plain.host}/istio/oci-artifact:latest`, { https_proxy: proxy.url, http_proxy: proxy.url });
  assert.is(got.digest, pfx.artifact!.digest);
  assert.ok(proxy.connects().slice(before).includes(plain.host));
});

test('NO_PROXY bypasses the proxy: by IP, by CIDR, by host:port, by *', async () => {
  for (const noProxy of ['127.0.0.1', '127.0.0.0/8', `localhost,${secure.host}`, '*']) {
    const before = proxy.connects().length;
    const got = await resolve(`${secure.host}/istio/compat:latest`, { HTTPS_PROXY: proxy.url, NO_PROXY: noProxy });
    assert.is(got.digest, sfx.compatOci!.digest, noProxy);
    assert.is(proxy.connects().length, before, `NO_PROXY=${noProxy} still went through the proxy`);
  }
});

test('NO_PROXY matching follows curl: suffixes with or without a leading dot, ports, IPs, CIDRs', () => {
  const cases: [string, string, boolean][] = [
    ['https://registry.example.com/v2/', 'example.com', true],
    ['https://registry.example.com/v2/', '.example.com', true],
    ['https://registry.example.com/v2/', '*.example.com', true],
    ['https://example.com/v2/', '.example.com', true],
    ['https://badexample.com/v2/', 'example.com', false],
    ['https://registry.example.com:5000/v2/', 'registry.example.com:5000', true],
    ['https://registry.example.com/v2/', 'registry.example.com:5000', false],
    ['https://registry.example.com/v2/', 'registry.example.com:443', true],
    ['https://10.1.2.3:5000/v2/', '10.0.0.0/8', true],
    ['https://11.1.2.3/v2/', '10.0.0.0/8', false],
    ['https://[::1]:5000/v2/', '::1', true],
    ['https://[fd00::5]/v2/', 'fd00::/8', true],
    ['https://127.0.0.1:5000/v2/', 'localhost', false],
    ['https://anything/v2/', ' foo.com , * ', false],
    ['https://anything/v2/', '*', true],
  ];
  for (const [url, noProxy, want] of cases) assert.is(bypassed(new URL(url), noProxy), want, `${url} with NO_PROXY=${noProxy}`);
  assert.is(proxyFor(new URL('https://r.example/'), { HTTPS_PROXY: '127.0.0.1:3128' }), 'http://127.0.0.1:3128/');
  assert.is(proxyFor(new URL('https://r.example/'), { HTTP_PROXY: 'http://p:1' }), undefined, 'https URLs use HTTPS_PROXY only');
  assert.equal(proxyFor(new URL('https://r.example/'), { HTTPS_PROXY: 'socks5://p:1' }), { problem: 'HTTPS_PROXY names a socks5 proxy; meshext speaks to http and https proxies only' });
});

test('a proxy with credentials works, and the credentials appear nowhere', async () => {
  const u = new URL(authProxy.url);
  u.username = PROXY_USER;
  u.password = PROXY_PASSWORD;
  const got = await resolve(`${secure.host}/multi/plugin:latest`, { HTTPS_PROXY: u.toString() });
  assert.is(got.message, undefined);
  assert.is(got.digest, sfx.index!.platformDigest);
  assert.ok(authProxy.connects().includes(secure.host));
});

test('a wrong proxy password is a clear error naming the proxy, without the password', async () => {
  const url = `http://${PROXY_USER}:wrong-${PROXY_PASSWORD}@127.0.0.1:${authProxy.port}`;
  const got = await resolve(`${secure.host}/istio/compat:latest`, { HTTPS_PROXY: url });
  assert.match(got.message!, `proxy http://127.0.0.1:${authProxy.port} refused the request: `);
  assert.match(got.message!, /(401|407) Proxy Authentication Required \(check the user and password in the proxy URL\)/);
  assert.not.match(got.message!, PROXY_USER + ':');
  // The CLI says the same on stderr, and nothing on stdout.
  const repo = tempDir();
  writeFileSync(join(repo, 'ext.yaml'), `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: proxied, namespace: istio-system}\nspec:\n  image: ${secure.host}/istio/compat:latest\n`);
  const r = await cli(repo, { MESHEXT_CERTS_D: certs, HTTPS_PROXY: url });
  outputs.push(r.stdout, r.stderr);
  assert.is(r.status, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, `proxy http://127.0.0.1:${authProxy.port} refused the request`, r.stderr);
});

test('the CLI behind an authenticating proxy, from a TLS registry with a private CA, with only the environment a user sets', async () => {
  const repo = tempDir();
  writeFileSync(join(repo, 'ext.yaml'), `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: proxied, namespace: istio-system}\nspec:\n  image: ${secure.host}/istio/compat:latest\n`);
  const u = new URL(authProxy.url);
  u.username = PROXY_USER;
  u.password = PROXY_PASSWORD;
  const before = authProxy.connects().length;
  // No MESHEXT_CERTS_D: trust comes from NODE_EXTRA_CA_CERTS alone, the proxy from HTTPS_PROXY alone.
  const r = await cli(repo, { HTTPS_PROXY: u.toString(), NODE_EXTRA_CA_CERTS: caFile });
  outputs.push(r.stdout, r.stderr);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, `url: oci://${secure.host}/istio/compat@${sfx.compatOci!.digest}`);
  assert.ok(authProxy.connects().slice(before).includes(secure.host), 'the registry was reached through the proxy');
});

/**
 * The built CLI rendering `repo` as a child process (the registry's token server and the proxy keep
 * answering), with an empty certs.d unless `env` names one, so this machine's own is never read.
 */
function cli(repo: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'meshext.cjs'), 'render', repo], {
      env: { PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: tempDir(), MESHEXT_CERTS_D: tempDir(), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

test('an unreachable proxy is named as such', async () => {
  const got = await resolve(`${secure.host}/istio/compat:latest`, { HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:9` });
  assert.match(got.message!, 'cannot reach proxy http://127.0.0.1:9 (ECONNREFUSED)');
});

test('a proxy without credentials is named in messages; a one-character or badly escaped password neither garbles them nor crashes', async () => {
  const plainProxy = await resolve(`${secure.host}/istio/compat:latest`, { HTTPS_PROXY: 'http://127.0.0.1:9' });
  assert.match(plainProxy.message!, 'cannot reach proxy http://127.0.0.1:9 (ECONNREFUSED)');
  const short = await resolve(`${secure.host}/istio/compat:latest`, { HTTPS_PROXY: 'http://u:1@127.0.0.1:9' });
  assert.match(short.message!, 'cannot reach proxy http://127.0.0.1:9 (ECONNREFUSED)');
  assert.match(short.message!, secure.host, 'the registry address is not masked digit by digit');
  const broken = await resolve(`${secure.host}/istio/compat:latest`, { HTTPS_PROXY: `http://${PROXY_USER}:%zz${PROXY_PASSWORD}@127.0.0.1:9` });
  assert.match(broken.message!, 'HTTPS_PROXY has a broken %-escape in its password');
  assert.not.match(broken.message!, /(HEAD|GET) http:/, 'none went direct over plain HTTP');
});

test('no proxy credential appears in any message, log line or output', () => {
  const text = outputs.join('\n');
  assert.ok(text.includes('refused the request'));
  for (const secret of [PROXY_PASSWORD, encodeURIComponent(PROXY_PASSWORD), Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64'), Buffer.from(`${PROXY_USER}:wrong-${PROXY_PASSWORD}`).toString('base64')]) {
    assert.not.ok(text.includes(secret), `a proxy credential leaked: ${secret.slice(0, 6)}…`);
  }
});

test.run();
